"""Reads of referrals, already filtered by what the user may see (dualcare.access)."""

from __future__ import annotations

from django.db.models import Case, DateTimeField, F, Prefetch, Q, QuerySet, When

from dualcare import access
from dualcare.people.models import ServiceUser, Team, User
from dualcare.people.search import search_people

from .models import OPEN_STATES, Referral, ReferralEvent, State

LIST_RELATED = ("service_user", "from_team__organisation", "to_team__organisation", "referrer")


def referral_or_404(user: User, pk, *, action: str = "referral.view") -> Referral:
    """A referral the user may read (access.referrals_visible_to), audited as a read of the person;
    otherwise 404 (also audited)."""
    records = access.referrals_visible_to(user, Referral.objects.all()).select_related(
        "from_team__organisation", "to_team__organisation", "referrer"
    )
    return access.get_record_or_404(user, records, pk, action=action, not_found="No such referral.")


def with_next_due(referrals: QuerySet) -> QuerySet:
    """Annotate `next_due`: the deadline the receiving team faces now (null once decided)."""
    return referrals.annotate(
        next_due=Case(
            When(state=State.SENT, then=F("acknowledge_due_at")),
            When(state=State.ACKNOWLEDGED, then=F("decide_due_at")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def referrals_for_user(
    user: User,
    *,
    direction: str | None = None,
    state: str | None = None,
    team: Team | None = None,
    search: str = "",
) -> QuerySet[Referral]:
    """Referrals the user may read; `direction` "incoming" (to their teams) or "outgoing" (from
    them); of the people `search` names (a name, NHS number or date of birth), all when blank."""
    team_ids = access.referral_teams_of(user).values("pk")
    referrals = access.referrals_visible_to(user, Referral.objects.all())
    if direction == "incoming":
        referrals = referrals.filter(to_team_id__in=team_ids).exclude(state=State.DRAFT)
    elif direction == "outgoing":
        referrals = referrals.filter(from_team_id__in=team_ids)
    if team is not None:
        referrals = referrals.filter(Q(to_team=team) | Q(from_team=team))
    if state == "open":
        referrals = referrals.filter(state__in=OPEN_STATES)
    elif state:
        referrals = referrals.filter(state=state)
    if search:
        referrals = referrals.filter(service_user__in=search_people(ServiceUser.objects.all(), search))
    return with_next_due(referrals.select_related(*LIST_RELATED))


def referrals_listed() -> QuerySet[Referral]:
    """What a list of referrals shows of each, to read a page's rows by id once referrals_for_user
    has chosen them (dualcare.paging.IdsFirst's fetch)."""
    return with_next_due(Referral.objects.select_related(*LIST_RELATED))


def team_inbox(
    user: User, *, state: str | None = "open", team: Team | None = None, search: str = ""
) -> QuerySet[Referral]:
    """Incoming referrals: the ones waiting longest past their deadline first, then by due time."""
    return referrals_for_user(user, direction="incoming", state=state, team=team, search=search).order_by(
        F("next_due").asc(nulls_last=True), "-sent_at"
    )


def team_outbox(
    user: User, *, state: str | None = None, team: Team | None = None, search: str = ""
) -> QuerySet[Referral]:
    """Referrals the user's teams wrote or sent, newest first."""
    return referrals_for_user(user, direction="outgoing", state=state, team=team, search=search).order_by(
        "-created_at"
    )


def referral_detail(referral: Referral) -> Referral:
    """The referral with its events, handovers and people loaded for the detail page and the API."""
    return (
        Referral.objects.select_related(*LIST_RELATED, "receiving_key_worker", "consent_confirmed_by")
        .prefetch_related(
            Prefetch("events", queryset=ReferralEvent.objects.select_related("by").order_by("at", "pk")),
            "handovers__recorded_by",
        )
        .get(pk=referral.pk)
    )


def referrals_for_service_user(user: User, service_user: ServiceUser) -> list[Referral]:
    """The person's referral history as this user may see it, newest first.

    Staff who may see the person's record see every referral that was sent (and their own
    teams' drafts); staff who see only referrals (a receiving team before acceptance) see
    those; the person sees their own. Each row has `can_open`: whether its detail page
    (with the referral's clinical contents) is open to the user.
    """
    base = Referral.objects.filter(service_user=service_user).select_related(
        "from_team__organisation", "to_team__organisation"
    )
    if access.is_active_user(user) and user.kind == User.Kind.SERVICE_USER:
        if service_user.user_id != user.pk:
            return []
        # The page names the receiving key worker once they accept: joined, not one query per row.
        rows = list(
            base.exclude(state=State.DRAFT).select_related("receiving_key_worker").order_by("-created_at")
        )
        for row in rows:
            row.can_open = False
        return rows
    visible_ids = set(
        access.referrals_visible_to(user, Referral.objects.all())
        .filter(service_user=service_user)
        .values_list("pk", flat=True)
    )
    if access.can_view_record(user, service_user):
        rows = list(base.filter(~Q(state=State.DRAFT) | Q(pk__in=visible_ids)).order_by("-created_at"))
    else:
        rows = list(base.filter(pk__in=visible_ids).order_by("-created_at"))
    for row in rows:
        row.can_open = row.pk in visible_ids
    return rows
