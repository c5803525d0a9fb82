"""Reads of people for the pages, already permission-filtered through dualcare.access.

Every list here issues a fixed number of queries whatever its length: related rows come
from one prefetch each, never one query per person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dualcare import access
from dualcare.audit.selectors import RecordVisits, record_views_for_service_user

from . import extensions
from .models import (
    Carer,
    CarerPermission,
    Consent,
    Involvement,
    ServiceUser,
    StaffInvitation,
    StaffRole,
    Team,
    User,
)
from .search import search_people

_ORDER = ("family_name", "given_name", "pk")


@dataclass
class PersonRow:
    """One line of a caseload: the person, my teams' involvements and the other agencies'."""

    person: ServiceUser
    my_involvements: list[Involvement] = field(default_factory=list)
    other_involvements: list[Involvement] = field(default_factory=list)


def _open_involvements() -> Prefetch:
    return Prefetch(
        "involvements",
        queryset=Involvement.objects.filter(end__isnull=True)
        .select_related("team__organisation", "key_worker")
        .order_by("team__organisation__name", "team__name"),
        to_attr="open_involvements",
    )


def _people_with_rows(user: User, people: QuerySet[ServiceUser]) -> QuerySet[ServiceUser]:
    return (
        extensions.current_quadrant(people, user=user)
        .prefetch_related(_open_involvements())
        .order_by(*_ORDER)
    )


def _rows(user: User, people, *, my_team_ids: set | None = None) -> list[PersonRow]:
    """Split each person's open involvements into my teams' and the other agencies'."""
    if my_team_ids is None:
        my_team_ids = set(access.teams_of(user).values_list("pk", flat=True))
    rows = []
    for person in people:
        row = PersonRow(person=person)
        for involvement in person.open_involvements:
            if involvement.team_id in my_team_ids:
                row.my_involvements.append(involvement)
            else:
                row.other_involvements.append(involvement)
        rows.append(row)
    return rows


def caseload_rows(user: User, *, key_worker_only: bool = False) -> list[PersonRow]:
    """My teams' open caseload (people I may see), with quadrant and agencies involved."""
    people = access.service_users_on_caseload(user)
    if key_worker_only:
        # A subquery, not a second filter() on the same relation, which would join it again.
        mine = Involvement.objects.filter(
            key_worker=user, end__isnull=True, team__in=access.teams_of(user).values("pk")
        ).values("service_user_id")
        people = people.filter(pk__in=mine)
    return _rows(user, _people_with_rows(user, people))


def organisation_people_page(user: User, page_number, *, per_page: int = 50) -> Page:
    """Everyone the user may see (for a manager, their organisation's people), a page at a time.

    The page's object_list holds PersonRows.
    """
    page = Paginator(_people_with_rows(user, access.service_users_visible_to(user)), per_page).get_page(
        page_number
    )
    page.object_list = _rows(user, page.object_list)
    return page


# ---------------------------------------------------------------------------
# The caseload page and the people API: a page at a time, searched and filtered in SQL

CASELOAD_PAGE_SIZE = 25


class Show:
    """Whose people a caseload lists (a team's id also names one of my teams)."""

    MINE = "mine"  # people I am the key worker for, on my teams
    TEAMS = "teams"  # my teams' open caseload
    ORGANISATION = "organisation"  # everyone I may see (a team manager: their organisation's people)


@dataclass(frozen=True)
class CaseloadFilter:
    """What the caseload is narrowed to; every field optional. `team` is one of the user's teams."""

    show: str = Show.TEAMS
    team: Team | None = None
    search: str = ""
    quadrant: str = ""
    review_overdue: bool = False
    measure_overdue: bool = False
    not_seen_days: int | None = None


def _key_worker_of(user: User) -> QuerySet:
    # A subquery, not a second filter() on the same relation, which would join it again.
    return Involvement.objects.filter(
        key_worker=user, end__isnull=True, team__in=access.teams_of(user).values("pk")
    ).values("service_user_id")


def has_own_caseload(user: User) -> bool:
    """Whether the user is the key worker for anyone on their teams (their caseload opens on them)."""
    return access.service_users_visible_to(user).filter(pk__in=_key_worker_of(user)).exists()


def _seen_since(user: User, cutoff: dt.datetime) -> QuerySet:
    """Attended contacts from `cutoff` on, of those the user may see (a contact another
    organisation recorded counts only with the person's consent, access.contacts_visible_to)."""
    return access.contacts_visible_to(user).filter(
        service_user=OuterRef("pk"), outcome="attended", starts_at__gte=cutoff
    )


def people_filtered(
    user: User, people: QuerySet[ServiceUser], wanted: CaseloadFilter, *, today: dt.date | None = None
) -> QuerySet[ServiceUser]:
    """`people` searched and filtered as `wanted` says, with the columns the lists show annotated
    (current_quadrant, review_overdue, measure_overdue through the extensions), in name order.
    Still one query for the rows, one for the count: the filters are conditions, not lookups."""
    today = today or timezone.localdate()
    people = search_people(people, wanted.search)
    if wanted.show == Show.MINE:
        people = people.filter(pk__in=_key_worker_of(user))
    if wanted.team is not None:
        people = people.filter(
            pk__in=Involvement.objects.filter(team=wanted.team, end__isnull=True).values("service_user_id")
        )
    if wanted.not_seen_days:
        cutoff = timezone.now() - dt.timedelta(days=wanted.not_seen_days)
        people = people.filter(~Exists(_seen_since(user, cutoff)))
    people = extensions.current_quadrant(people, user=user)
    people = extensions.review_overdue(people, user=user, today=today)
    people = extensions.measure_overdue(people, user=user, today=today)
    if wanted.quadrant:
        people = people.filter(current_quadrant=wanted.quadrant)
    if wanted.review_overdue:
        people = people.filter(review_overdue=True)
    if wanted.measure_overdue:
        people = people.filter(measure_overdue=True)
    return people.order_by(*_ORDER)


def caseload_people(user: User, wanted: CaseloadFilter, *, today: dt.date | None = None) -> QuerySet:
    """The people a caseload lists: my teams' open caseload, or for Show.ORGANISATION everyone I may
    see (a team manager's organisation), searched and filtered."""
    people = access.service_users_visible_to(user)
    if wanted.show != Show.ORGANISATION:
        # access.service_users_on_caseload's people, as a subquery rather than its join and
        # DISTINCT: counting a DISTINCT page computes every annotated flag for the whole caseload.
        on_my_teams = Involvement.objects.filter(
            end__isnull=True, team__in=access.teams_of(user).values("pk")
        ).values("service_user_id")
        people = people.filter(pk__in=on_my_teams)
    return people_filtered(user, people, wanted, today=today)


def caseload_page(
    user: User,
    wanted: CaseloadFilter,
    page_number,
    *,
    my_team_ids: set | None = None,
    per_page: int = CASELOAD_PAGE_SIZE,
) -> Page:
    """One page of a caseload; its object_list holds PersonRows. Four queries (the count, the page,
    its people's open involvements, and my teams unless given), whatever the caseload's size."""
    people = caseload_people(user, wanted).prefetch_related(_open_involvements())
    page = Paginator(people, per_page).get_page(page_number)
    page.object_list = _rows(user, page.object_list, my_team_ids=my_team_ids)
    return page


def pharmacy_people(user: User, *, search: str = "") -> QuerySet[ServiceUser]:
    """People whose contacts (collections) the pharmacist may see, searched by name, NHS number or
    date of birth."""
    people = access.service_users_visible_to(user, perm="view_contacts")
    return search_people(people, search).order_by(*_ORDER)


@dataclass
class PersonSummary:
    person: ServiceUser
    open_involvements: list[Involvement]
    ended_involvements: list[Involvement]
    active_consents: list[Consent]
    withdrawn_consents: list[Consent]
    carers: list[Carer]
    quadrant: object | None  # the latest quadrant assessment the viewer may see (extensions)


def person_summary(service_user: ServiceUser, *, viewer: User) -> PersonSummary:
    """Everything on the record summary page. The caller has already checked access; the
    quadrant is the latest assessment the viewer may see (access.ORG_WRITTEN)."""
    involvements = list(
        Involvement.objects.filter(service_user=service_user)
        .select_related("team__organisation", "key_worker", "ended_by")
        .order_by("team__organisation__name", "team__name", "-start")
    )
    consents = list(
        Consent.objects.filter(service_user=service_user)
        .select_related("organisation", "recorded_by", "withdrawn_by")
        .order_by("organisation__name", "scope", "-recorded_at")
    )
    carers = list(
        Carer.objects.filter(service_user=service_user, ended_at__isnull=True)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "permissions",
                queryset=CarerPermission.objects.filter(revoked_at__isnull=True),
                to_attr="active_permissions",
            )
        )
    )
    quadrant = extensions.latest_quadrant(viewer, service_user)
    return PersonSummary(
        person=service_user,
        open_involvements=[i for i in involvements if i.end is None],
        ended_involvements=sorted(
            (i for i in involvements if i.end is not None), key=lambda i: i.end, reverse=True
        ),
        active_consents=[c for c in consents if c.withdrawn_at is None],
        withdrawn_consents=[c for c in consents if c.withdrawn_at is not None],
        carers=carers,
        quadrant=quadrant,
    )


def care_team_of(service_user: ServiceUser) -> list[Involvement]:
    """The teams involved now, with key worker, for the person's own home page."""
    return list(
        Involvement.objects.filter(service_user=service_user, end__isnull=True)
        .select_related("team__organisation", "key_worker")
        .order_by("team__organisation__name", "team__name")
    )


# Audit actions in the words a person would use about their own record.
RECORD_ACTIONS_PLAIN = {
    "service_user.view": _("Looked at your record"),
    "service_user.create": _("Added you to DualCare"),
    "service_user.update": _("Changed your details"),
    "service_user.portal_login": _("Set up your DualCare login"),
    "involvement.start": _("Started working with you"),
    "involvement.end": _("Stopped working with you"),
    "involvement.key_worker": _("Changed who your key worker is"),
    "consent.record": _("Recorded your consent to share"),
    "consent.withdraw": _("Recorded that you withdrew consent to share"),
    "consent.request": _("Asked for something to be shared"),
    "carer.add": _("Added your carer"),
    "carer.grant": _("Let your carer see more"),
    "carer.revoke": _("Stopped your carer seeing something"),
    "quadrant.assess": _("Recorded an assessment of your needs"),
}


def plain_action(action: str) -> str:
    if action in RECORD_ACTIONS_PLAIN:
        return RECORD_ACTIONS_PLAIN[action]
    # Unknown actions from apps added later still read as something honest: the last part is the
    # verb ("outcomes.honos.list", "outcomes.top.export"). A list read writes one row for each
    # person shown: for the person, someone looked at a list they were on.
    verb = action.rpartition(".")[2]
    if verb in {"list", "export"}:
        return _("Looked at a list that included you")
    if verb in {"view", "pdf"}:
        return _("Looked at your record")
    return _("Changed your record")


@dataclass
class RecordVisit:
    """One visit to the person's record: who, for which organisation, when, and what they did."""

    actor: User | None
    started: object
    ended: object
    organisation_name: str = ""
    did: list[str] = field(default_factory=list)


def record_views(service_user: ServiceUser) -> RecordVisits:
    """Visits to the person's record, newest first, grouped in SQL and paged by a Paginator;
    `record_visits_described` fills in one page."""
    return RecordVisits(service_user)


def record_visits_described(service_user: ServiceUser, visits: list[tuple]) -> list[RecordVisit]:
    """One page of visits with names, organisations and plain words. Two queries whatever the
    page's length (its rows; the staff roles of actors whose rows name no organisation)."""
    if not visits:
        return []
    spans = Q()
    for actor_id, started, ended in visits:
        actor = Q(actor_id=actor_id) if actor_id else Q(actor__isnull=True)
        spans |= actor & Q(at__gte=started, at__lte=ended)
    rows = list(record_views_for_service_user(service_user).filter(spans).order_by("at"))
    described = []
    for actor_id, started, ended in visits:
        mine = [r for r in rows if r.actor_id == actor_id and started <= r.at <= ended]
        visit = RecordVisit(actor=mine[0].actor if mine else None, started=started, ended=ended)
        for row in mine:
            if row.organisation and not visit.organisation_name:
                visit.organisation_name = row.organisation.name
            words = plain_action(row.action)
            if words not in visit.did:
                visit.did.append(words)
        described.append(visit)
    # A row written without an organisation: the one the actor worked for on the day.
    unnamed = {v.actor.pk for v in described if v.actor and not v.organisation_name}
    if unnamed:
        roles = list(
            StaffRole.objects.filter(user_id__in=unnamed)
            .select_related("team__organisation")
            .order_by("start")
        )
        for visit in described:
            if visit.actor and not visit.organisation_name:
                day = timezone.localtime(visit.started).date()
                held = [r for r in roles if r.user_id == visit.actor.pk and r.is_active_on(day)]
                if held:
                    visit.organisation_name = held[0].team.organisation.name
    return described


def org_teams(organisation) -> QuerySet[Team]:
    return Team.objects.filter(organisation=organisation).order_by("-is_active", "name")


def org_staff(organisation) -> list[tuple[User, list[StaffRole]]]:
    """Staff of the organisation with their roles in it (current first), two queries."""
    roles = (
        StaffRole.objects.filter(team__organisation=organisation)
        .select_related("user", "team")
        .order_by(
            "user__last_name",
            "user__first_name",
            "user__username",
            F("end").asc(nulls_first=True),
            "team__name",
        )
    )
    by_user: dict = {}
    for role in roles:
        by_user.setdefault(role.user_id, (role.user, []))[1].append(role)
    return list(by_user.values())


def staff_latest_invitations(user_ids) -> dict:
    """Each staff member's newest invitation by user id (the staff pages show its state), one query."""
    latest: dict = {}
    for invitation in StaffInvitation.objects.filter(user_id__in=list(user_ids)).order_by(
        "user_id", "-created_at"
    ):
        latest.setdefault(invitation.user_id, invitation)
    return latest
