"""Reading contacts: permission-filtered through dualcare.access, with what the pages and API need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from dualcare import access
from dualcare.people.models import Involvement, ServiceUser, User
from dualcare.people.search import search_people
from dualcare.sql import InArray

from .models import APPOINTMENT_KINDS, Contact, Kind, Outcome

LIST_RELATED = ("service_user", "team__organisation", "staff", "schedule", "outcome_recorded_by")


def contacts_for(user: User) -> QuerySet[Contact]:
    """Contacts the user may read, for lists across their people (the rule driven from the people
    they may see: access.org_written_filter's people_first), with what a list shows. Page it with
    dualcare.paging.IdsFirst: the ids without the joins, then one page's rows."""
    return access.contacts_visible_to(user, people_first=True).select_related(*LIST_RELATED)


def contacts_listed() -> QuerySet[Contact]:
    """What a list of contacts shows of each, to read a page's rows by id once contacts_for has
    chosen them (dualcare.paging.IdsFirst's fetch)."""
    return Contact.objects.select_related(*LIST_RELATED)


def _my_pharmacies_collections(user: User, *rows: Q, **conditions) -> QuerySet[Contact]:
    """Collections at the user's pharmacies, as contacts_for(user) would show them: the same
    consent rule (access.org_written_rows_of_one, held equal to org_written_filter by
    tests/people/test_org_written_rows_of_one.py) tested row by row on the pharmacy's rows, which
    the (kind, team, day) index finds, instead of hashing every permission row of the user and
    testing it on every collection of the trust that day (20,000 read to show 332; issue 15);
    the teams as an array (dualcare.sql.InArray) so that index reads only their rows."""
    teams = access.contact_teams_of(user, collections=True).order_by().values("pk")
    collections = Contact.objects.filter(InArray("team_id", teams), *rows, kind=Kind.COLLECTION, **conditions)
    return access.org_written_rows_of_one(user, collections).select_related(*LIST_RELATED)


def pharmacy_today(user: User, *, day: dt.date | None = None) -> QuerySet[Contact]:
    """Collections due today at the user's pharmacies, by name."""
    day = day or timezone.localdate()
    return _my_pharmacies_collections(user, due_on=day).order_by(
        "service_user__family_name", "service_user__given_name"
    )


class CollectionState:
    """What the pharmacy's list of the day shows: everything, or one state of recording."""

    TO_RECORD = "to_record"
    RECORDED = "recorded"
    MISSED = "missed"
    CHOICES = [
        ("", "All collections"),
        (TO_RECORD, "Not yet recorded"),
        (RECORDED, "Recorded"),
        (MISSED, "Missed"),
    ]


# Whether a collection of the day, by its outcome, is in each state.
_IN_STATE = {
    CollectionState.TO_RECORD: lambda outcome: not outcome,
    CollectionState.RECORDED: lambda outcome: bool(outcome),
    CollectionState.MISSED: lambda outcome: outcome == Outcome.MISSED,
}


@dataclass
class PharmacyDay:
    """What the pharmacy's page shows: how many of the day's collections there are in all, still
    to record, recorded and missed; the page of them searched and narrowed to one state (still to
    record first, then by name); and those not recorded from earlier days (oldest first)."""

    counts: dict
    page: Page
    not_recorded: list[Contact]


def pharmacy_day(
    user: User,
    *,
    day: dt.date | None = None,
    search: str = "",
    state: str = "",
    page_number=None,
    per_page: int = 25,
    not_recorded_limit: int = 50,
    days: int = 7,
) -> PharmacyDay:
    """The pharmacy's page in two queries, whatever the pharmacy's size: the first reads, with the
    consent rule once, the id, day and outcome of the day's collections and of those still not
    recorded from the `days` days before (and whether `search`, a name, NHS number or date of
    birth, names the person), in the order the page shows them; the second the rows shown, by id.
    The counts, the state chosen and the page are taken from the first in Python (issue 15: four
    queries each compiling and running the rule was most of the page)."""
    day = day or timezone.localdate()
    earlier = Q(outcome="", due_on__lt=day, due_on__gte=day - dt.timedelta(days=days))
    rows = _my_pharmacies_collections(user, Q(due_on=day) | earlier)
    named = Value(True)
    if search:
        named = ExpressionWrapper(
            Q(service_user__in=search_people(ServiceUser.objects.all(), search)), output_field=BooleanField()
        )
    found = rows.annotate(named=named).order_by(
        Case(When(due_on=day, then=Value(0)), default=Value(1)),
        Case(When(outcome="", then=Value(0)), default=Value(1)),
        "due_on",
        "service_user__family_name",
        "service_user__given_name",
        "pk",
    )
    today, earlier_ids = [], []
    for pk, due_on, outcome, is_named in found.values_list("pk", "due_on", "outcome", "named"):
        if due_on == day:
            today.append((pk, outcome, is_named))
        else:
            earlier_ids.append(pk)
    earlier_ids = earlier_ids[:not_recorded_limit]
    counts = {
        "total": len(today),
        **{name: sum(1 for _, outcome, _ in today if test(outcome)) for name, test in _IN_STATE.items()},
    }
    shown = _IN_STATE.get(state, lambda outcome: True)
    page = Paginator(
        [pk for pk, outcome, is_named in today if is_named and shown(outcome)], per_page
    ).get_page(page_number)
    by_pk = contacts_listed().in_bulk([*page.object_list, *earlier_ids])
    page.object_list = [by_pk[pk] for pk in page.object_list if pk in by_pk]
    return PharmacyDay(
        counts=counts, page=page, not_recorded=[by_pk[pk] for pk in earlier_ids if pk in by_pk]
    )


def pharmacy_not_recorded(user: User, *, day: dt.date | None = None, days: int = 7) -> QuerySet[Contact]:
    """Collections at the user's pharmacies from the `days` days before `day` still not recorded,
    oldest first: what a "not recorded" alert asks the pharmacist to put right."""
    day = day or timezone.localdate()
    return _my_pharmacies_collections(
        user, outcome="", due_on__lt=day, due_on__gte=day - dt.timedelta(days=days)
    ).order_by("due_on", "service_user__family_name", "service_user__given_name")


def searched(contacts: QuerySet[Contact], search: str) -> QuerySet[Contact]:
    """Contacts of the people `search` names (a name, NHS number or date of birth); all when blank."""
    if not search:
        return contacts
    return contacts.filter(service_user__in=search_people(ServiceUser.objects.all(), search))


def team_appointments(user: User, *, start: dt.date, days: int = 7, search: str = "") -> QuerySet[Contact]:
    """Appointments of the user's clinical teams from `start`, for `days` days, of the people
    `search` names (all when blank)."""
    teams = access.contact_teams_of(user, collections=False).values("pk")
    return (
        searched(contacts_for(user), search)
        .filter(
            kind__in=APPOINTMENT_KINDS,
            team_id__in=teams,
            due_on__gte=start,
            due_on__lt=start + dt.timedelta(days=days),
        )
        .order_by("starts_at")
    )


def _coming_appointments(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    return (
        contacts.filter(kind__in=APPOINTMENT_KINDS, due_on__gte=timezone.localdate())
        .exclude(outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE])
        .select_related("team__organisation")
        .order_by("starts_at")
    )


def my_appointments(user: User) -> QuerySet[Contact]:
    """A person's own appointments from today on (not their collections, which they know)."""
    if user.kind != User.Kind.SERVICE_USER:
        return Contact.objects.none()
    return _coming_appointments(access.contacts_visible_to(user))


def carer_appointments(user: User, service_user: ServiceUser | None = None) -> QuerySet[Contact]:
    """The coming appointments of a person who lets this carer see them (their appointments
    grant, carer_sharing), or of everyone who does when no person is given; nothing otherwise."""
    if user.kind != User.Kind.CARER:
        return Contact.objects.none()
    return _coming_appointments(
        access.org_written_filter(user, Contact.objects.all(), service_user=service_user)
    )


def disengaged_people(
    user: User, *, days: int, now: dt.datetime | None = None, search: str = ""
) -> QuerySet[ServiceUser]:
    """People the user may see, in someone's care, with no attended contact with any agency for
    `days` days (counted from their first open involvement when they have had none); those
    `search` names (a name, NHS number or date of birth), all when blank.

    Annotated with last_attended and involved_since; one query however many people."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    attended = Contact.objects.filter(service_user=OuterRef("pk"), outcome=Outcome.ATTENDED)
    # Seen lately (most people) is one probe of the (service_user, outcome, starts_at) index, where
    # testing the latest attended contact (last_attended) against the cutoff and then for none at
    # all took two, and the first involvement's start a third (issue 15).
    return (
        with_last_contact(search_people(access.service_users_visible_to(user), search))
        .filter(Exists(Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)))
        .filter(~Exists(attended.filter(starts_at__gte=cutoff)))
        .filter(Q(Exists(attended)) | Q(involved_since__lte=cutoff.date()))
        .order_by(Coalesce("last_attended", Cast("involved_since", DateTimeField())).asc(), "family_name")
    )


def with_last_contact(people: QuerySet[ServiceUser]) -> QuerySet[ServiceUser]:
    """People annotated with last_attended (their latest attended contact with any agency) and
    involved_since (the start of their first open involvement): what not seen lately shows, and
    reads a page's rows with once disengaged_people has chosen them (IdsFirst's fetch)."""
    # The latest, not MAX(): one step backwards in the (service_user, outcome, starts_at) index
    # rather than every attended contact of the person read from the table.
    last_attended = (
        Contact.objects.filter(service_user=OuterRef("pk"), outcome=Outcome.ATTENDED)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    involved_since = (
        Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)
        .order_by()
        .values("service_user")
        .annotate(first=Min("start"))
        .values("first")
    )
    return people.annotate(
        last_attended=Subquery(last_attended, output_field=DateTimeField()),
        involved_since=Subquery(involved_since),
    )


def disengaged_listed() -> QuerySet[ServiceUser]:
    """What not seen lately shows of each person, to read a page's rows by id once
    disengaged_people has chosen them (dualcare.paging.IdsFirst's fetch)."""
    return with_last_contact(ServiceUser.objects.all())


RULE_LABELS = {
    "urgent_after_missed_collections": "Missed collections before an urgent alert",
    "escalate_urgent_after_minutes": "Minutes before an urgent alert goes to the manager",
    "disengaged_after_days": "Days before a person counts as disengaged",
    "reminder_hours_before": "Hours before an appointment reminder",
    "not_recorded_alert_hour": "Hour of the morning after for collections not recorded",
}


def rules_history(organisation, *, limit: int = 50) -> list[dict]:
    """Who changed the organisation's alert rules, when, and from what to what (from the audit
    log, newest first); one query."""
    from dualcare.audit.models import AuditEvent

    events = (
        AuditEvent.objects.filter(action="contacts.rules_set", organisation=organisation)
        .select_related("actor")
        .order_by("-at")[:limit]
    )
    return [
        {
            "at": event.at,
            "by": event.actor.display_name if event.actor else "",
            "changes": [
                (RULE_LABELS.get(name, name), old, new)
                for name, (old, new) in sorted((event.detail or {}).get("changes", {}).items())
            ],
        }
        for event in events
    ]


def do_not_contact_channels(service_user) -> list[str]:
    """The ways the person must not be reached now (DoNotContact in force): "sms", "email"."""
    from .models import DoNotContact

    return list(
        DoNotContact.objects.filter(service_user=service_user, ended_at__isnull=True).values_list(
            "channel", flat=True
        )
    )
