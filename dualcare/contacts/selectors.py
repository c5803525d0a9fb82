"""Reading contacts: permission-filtered through dualcare.access, with what the pages and API need."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from dualcare import access
from dualcare.dashboards.measures import Cell, MeasureDef, week_start
from dualcare.people.models import Involvement, ServiceUser, User

from .models import APPOINTMENT_KINDS, Contact, ContactOutcomeEvent, Kind, Outcome

LIST_RELATED = ("service_user", "team__organisation", "staff", "schedule", "outcome_recorded_by")


def contacts_for(user: User) -> QuerySet[Contact]:
    return access.contacts_visible_to(user).select_related(*LIST_RELATED)


def pharmacy_today(user: User, *, day: dt.date | None = None) -> QuerySet[Contact]:
    """Collections due today at the user's pharmacies, unrecorded first, then by name."""
    day = day or timezone.localdate()
    teams = access.contact_teams_of(user, collections=True).values("pk")
    return (
        contacts_for(user)
        .filter(kind=Kind.COLLECTION, due_on=day, team_id__in=teams)
        .order_by("service_user__family_name", "service_user__given_name")
    )


def pharmacy_not_recorded(user: User, *, day: dt.date | None = None, days: int = 7) -> QuerySet[Contact]:
    """Collections at the user's pharmacies from the `days` days before `day` still not recorded,
    oldest first: what a "not recorded" alert asks the pharmacist to put right."""
    day = day or timezone.localdate()
    teams = access.contact_teams_of(user, collections=True).values("pk")
    return (
        contacts_for(user)
        .filter(
            kind=Kind.COLLECTION,
            outcome="",
            due_on__lt=day,
            due_on__gte=day - dt.timedelta(days=days),
            team_id__in=teams,
        )
        .order_by("due_on", "service_user__family_name", "service_user__given_name")
    )


def team_appointments(user: User, *, start: dt.date, days: int = 7) -> QuerySet[Contact]:
    """Appointments of the user's clinical teams from `start`, for `days` days."""
    teams = access.contact_teams_of(user, collections=False).values("pk")
    return (
        contacts_for(user)
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


def carer_appointments(user: User, service_user: ServiceUser) -> QuerySet[Contact]:
    """The coming appointments of a person who lets this carer see them (their appointments
    grant, carer_sharing); nothing otherwise."""
    if user.kind != User.Kind.CARER:
        return Contact.objects.none()
    return _coming_appointments(
        access.org_written_filter(user, Contact.objects.all(), service_user=service_user)
    )


def disengaged_people(user: User, *, days: int, now: dt.datetime | None = None) -> QuerySet[ServiceUser]:
    """People the user may see, in someone's care, with no attended contact with any agency for
    `days` days (counted from their first open involvement when they have had none).

    Annotated with last_attended and involved_since; one query however many people."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    last_attended = (
        Contact.objects.filter(service_user=OuterRef("pk"), outcome=Outcome.ATTENDED)
        .order_by()
        .values("service_user")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    involved_since = (
        Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)
        .order_by()
        .values("service_user")
        .annotate(first=Min("start"))
        .values("first")
    )
    return (
        access.service_users_visible_to(user)
        .filter(Exists(Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)))
        .annotate(
            last_attended=Subquery(last_attended, output_field=DateTimeField()),
            involved_since=Subquery(involved_since),
        )
        .filter(
            Q(last_attended__lt=cutoff) | Q(last_attended__isnull=True, involved_since__lte=cutoff.date())
        )
        .order_by(Coalesce("last_attended", Cast("involved_since", DateTimeField())).asc(), "family_name")
    )


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


# ---------------------------------------------------------------------------
# Dashboard measures (dualcare/dashboards/measures.py is the contract)
#
# Scope: a supervised-consumption collection belongs to the *prescribing* team (the team whose
# treatment it is, whose manager acts on misses); an appointment to the team it is with. Weeks
# are the London Monday of the day the contact was due. Only days already over are measured
# (today's collections are still being recorded). Cell.n is the number of people with a
# contact due that week, so the dashboards can suppress small numbers.

LONDON = ZoneInfo("Europe/London")
_CAPABILITY = "Contacts and alerts"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="contacts.collections_missed",
        title="Supervised-consumption collections missed",
        capability=_CAPABILITY,
        unit="collections",
        improvement="down",
        description=(
            "Collections recorded as missed, counted in the week they were due, for people whose "
            "supervised consumption the team prescribes."
        ),
    ),
    MeasureDef(
        key="contacts.collections_recorded_on_the_day",
        title="Collections recorded on the day",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the collections due that week (not cancelled) for people the team prescribes for, the "
            "share the pharmacy first recorded as collected or missed on the day they were due."
        ),
    ),
    MeasureDef(
        key="contacts.appointments_missed",
        title="Appointments missed",
        capability=_CAPABILITY,
        unit="appointments",
        improvement="down",
        description="The team's appointments recorded as missed, counted in the week they were due.",
    ),
]


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The contact measures per week (see DASHBOARD_MEASURES): two queries, one for
    collections (by prescribing team) and one for appointments (by their team)."""
    team_ids = list(team_ids)
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    in_weeks = Q(due_on__gte=start, due_on__lte=last_day) & ~Q(
        outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE]
    )
    week = TruncWeek("due_on", output_field=DateField())

    def grouped(queryset, organisation_field: str):
        keys = {"week": week}
        if group == "organisation":
            keys["group_key"] = F(organisation_field)
        return queryset.values(**keys)

    first_recorded = (
        ContactOutcomeEvent.objects.filter(
            contact=OuterRef("pk"), outcome__in=[Outcome.ATTENDED, Outcome.MISSED]
        )
        .order_by("at", "pk")
        .values("at")[:1]
    )
    collections = (
        grouped(
            Contact.objects.filter(in_weeks, kind=Kind.COLLECTION, schedule__prescribing_team_id__in=team_ids)
            # Annotated before grouping, so that it is not grouped by.
            .annotate(
                first_day=TruncDate(Subquery(first_recorded, output_field=DateTimeField()), tzinfo=LONDON)
            ),
            "schedule__prescribing_team__organisation_id",
        )
        .annotate(
            due=Count("pk"),
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
            on_the_day=Count("pk", filter=Q(first_day=F("due_on"))),
        )
        .order_by()
    )
    appointments = (
        grouped(
            Contact.objects.filter(in_weeks, kind__in=APPOINTMENT_KINDS, team_id__in=team_ids),
            "team__organisation_id",
        )
        .annotate(
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in collections:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.collections_missed"][key] = Cell(row["missed"], row["people"])
        result["contacts.collections_recorded_on_the_day"][key] = Cell(
            round(100 * row["on_the_day"] / row["due"], 1), row["people"]
        )
    for row in appointments:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.appointments_missed"][key] = Cell(row["missed"], row["people"])
    return result
