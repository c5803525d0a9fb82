"""Reads of referrals, already filtered by what the user may see (dualcare.access)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.db.models import Case, DateTimeField, F, Prefetch, Q, QuerySet, When
from django.utils import timezone

from dualcare import access
from dualcare.people.models import ServiceUser, Team, User

from .models import OPEN_STATES, Referral, ReferralEvent, State

LIST_RELATED = ("service_user", "from_team__organisation", "to_team__organisation", "referrer")


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
    user: User, *, direction: str | None = None, state: str | None = None, team: Team | None = None
) -> QuerySet[Referral]:
    """Referrals the user may read; `direction` "incoming" (to their teams) or "outgoing" (from them)."""
    team_ids = access.referral_teams_of(user).values("pk")
    referrals = access.referrals_visible_to(user)
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
    return with_next_due(referrals.select_related(*LIST_RELATED))


def team_inbox(user: User, *, state: str | None = "open", team: Team | None = None) -> QuerySet[Referral]:
    """Incoming referrals: the ones waiting longest past their deadline first, then by due time."""
    return referrals_for_user(user, direction="incoming", state=state, team=team).order_by(
        F("next_due").asc(nulls_last=True), "-sent_at"
    )


def team_outbox(user: User, *, state: str | None = None, team: Team | None = None) -> QuerySet[Referral]:
    """Referrals the user's teams wrote or sent, newest first."""
    return referrals_for_user(user, direction="outgoing", state=state, team=team).order_by("-created_at")


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
    if getattr(user, "is_authenticated", False) and user.kind == User.Kind.SERVICE_USER:
        if service_user.user_id != user.pk:
            return []
        rows = list(base.exclude(state=State.DRAFT).order_by("-created_at"))
        for row in rows:
            row.can_open = False
        return rows
    visible_ids = set(
        access.referrals_visible_to(user).filter(service_user=service_user).values_list("pk", flat=True)
    )
    if access.can_view_record(user, service_user):
        rows = list(base.filter(~Q(state=State.DRAFT) | Q(pk__in=visible_ids)).order_by("-created_at"))
    else:
        rows = list(base.filter(pk__in=visible_ids).order_by("-created_at"))
    for row in rows:
        row.can_open = row.pk in visible_ids
    return rows


# ---------------------------------------------------------------------------
# Measures for the dashboards


def _month(moment: dt.datetime | None) -> dt.date | None:
    if moment is None:
        return None
    return timezone.localtime(moment).date().replace(day=1)


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    # Inclusive method: the 90th percentile of a small sample stays within the data.
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def referral_measures(
    *, teams: QuerySet[Team] | list, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[dict]:
    """Per team and month (of sending): referrals sent and received, median and 90th percentile
    hours to acknowledge and to decide, share declined, share of declines with signposting,
    and how many are overdue now. Aggregates only: no person is named.

    Two queries whatever the number of referrals (one for the teams, one for the referrals).
    """
    now = now or timezone.now()
    team_list = list(teams)
    team_ids = [team.pk for team in team_list]
    rows = Referral.objects.filter(
        Q(from_team_id__in=team_ids) | Q(to_team_id__in=team_ids),
        sent_at__isnull=False,
        sent_at__date__gte=start,
        sent_at__date__lte=end,
    ).values(
        "from_team_id",
        "to_team_id",
        "state",
        "sent_at",
        "acknowledged_at",
        "accepted_at",
        "declined_at",
        "signposting_service",
        "acknowledge_due_at",
        "decide_due_at",
    )
    buckets: dict[tuple, dict] = defaultdict(
        lambda: {
            "sent": 0,
            "received": 0,
            "ack": [],
            "decide": [],
            "declined": 0,
            "signposted": 0,
            "overdue": 0,
        }
    )
    for row in rows:
        month = _month(row["sent_at"])
        if row["from_team_id"] in team_ids:
            buckets[(row["from_team_id"], month)]["sent"] += 1
        if row["to_team_id"] not in team_ids:
            continue
        bucket = buckets[(row["to_team_id"], month)]
        bucket["received"] += 1
        # Acknowledging can be skipped (accepting or declining answers at once).
        answered = row["acknowledged_at"] or row["accepted_at"] or row["declined_at"]
        if answered:
            bucket["ack"].append((answered - row["sent_at"]).total_seconds() / 3600)
        decided = row["accepted_at"] or row["declined_at"]
        if decided:
            bucket["decide"].append((decided - row["sent_at"]).total_seconds() / 3600)
        if row["state"] == State.DECLINED:
            bucket["declined"] += 1
            if row["signposting_service"]:
                bucket["signposted"] += 1
        overdue = (
            row["state"] == State.SENT and row["acknowledge_due_at"] and now > row["acknowledge_due_at"]
        ) or (row["state"] in OPEN_STATES and row["decide_due_at"] and now > row["decide_due_at"])
        if overdue:
            bucket["overdue"] += 1
    names = {team.pk: team.name for team in team_list}
    result = []
    for (team_id, month), bucket in sorted(buckets.items(), key=lambda item: (names[item[0][0]], item[0][1])):
        decided_count = len(bucket["decide"])
        result.append(
            {
                "team_id": team_id,
                "team": names[team_id],
                "month": month,
                "sent": bucket["sent"],
                "received": bucket["received"],
                "acknowledge_hours_median": statistics.median(bucket["ack"]) if bucket["ack"] else None,
                "acknowledge_hours_p90": _percentile(bucket["ack"], 0.9),
                "decide_hours_median": statistics.median(bucket["decide"]) if bucket["decide"] else None,
                "decide_hours_p90": _percentile(bucket["decide"], 0.9),
                "declined_share": bucket["declined"] / decided_count if decided_count else None,
                "signposted_share": bucket["signposted"] / bucket["declined"] if bucket["declined"] else None,
                "overdue": bucket["overdue"],
            }
        )
    return result


# ---------------------------------------------------------------------------
# Dashboard measures (dualcare.dashboards.measures): weekly, aggregated in the database


from zoneinfo import ZoneInfo  # noqa: E402

from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper  # noqa: E402
from django.db.models.functions import Coalesce, TruncWeek  # noqa: E402

from dualcare.dashboards.measures import Cell, MeasureDef, hours, percent, week_bounds, week_start  # noqa: E402

LONDON = ZoneInfo("Europe/London")
_CAPABILITY = "Referrals"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="referrals.received",
        title="Referrals received",
        capability=_CAPABILITY,
        unit="referrals",
        improvement="neither",
        description="Referrals sent to the team, counted in the week they were sent.",
    ),
    MeasureDef(
        key="referrals.acknowledged_in_time",
        title="Referrals acknowledged within the time allowed",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the referrals sent to the team that week and answered or past their deadline, the share "
            "acknowledged (or accepted or declined) by the deadline for their urgency."
        ),
    ),
    MeasureDef(
        key="referrals.decided_in_time",
        title="Referrals decided within the time allowed",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the referrals sent to the team that week and decided or past their deadline, the share "
            "accepted or declined by the deadline for their urgency."
        ),
    ),
    MeasureDef(
        key="referrals.hours_to_acknowledge",
        title="Average time to acknowledge a referral",
        capability=_CAPABILITY,
        unit="hours",
        improvement="down",
        description=(
            "The mean number of clock hours from sending to the team's first answer (acknowledged, "
            "accepted or declined), for referrals sent that week."
        ),
    ),
    MeasureDef(
        key="referrals.hours_to_decide",
        title="Average time to decide on a referral",
        capability=_CAPABILITY,
        unit="hours",
        improvement="down",
        description=(
            "The mean number of clock hours from sending to the team's decision (accepted or declined), "
            "for referrals sent that week."
        ),
    ),
    MeasureDef(
        key="referrals.declined",
        title="Referrals declined",
        capability=_CAPABILITY,
        unit="%",
        improvement="neither",
        description="Of the referrals sent to the team that week and decided, the share declined.",
    ),
    MeasureDef(
        key="referrals.declined_signposted",
        title="Declines with next steps for the person",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the referrals sent to the team that week and declined, the share that named another "
            "service and said how to get there."
        ),
    ),
    MeasureDef(
        key="referrals.sent",
        title="Referrals sent by the team",
        capability=_CAPABILITY,
        unit="referrals",
        improvement="neither",
        description="Referrals the team sent to other teams, counted in the week they were sent.",
    ),
]


def _past_deadline(due: str, now: dt.datetime) -> Q:
    """Past the deadline and still owed an answer then: one withdrawn before it is not late."""
    return Q(**{f"{due}__lt": now}) & (Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=F(due)))


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The referral measures per week of sending (see DASHBOARD_MEASURES): two queries, one for
    the referrals the teams received and one for those they sent."""
    team_ids = list(team_ids)
    first, after = week_bounds(start, end)
    now = timezone.now()
    week = TruncWeek("sent_at", tzinfo=LONDON, output_field=DateField())
    answered_at = Coalesce("acknowledged_at", "accepted_at", "declined_at")
    decided_at = Coalesce("accepted_at", "declined_at")
    ack_due = Q(answered__isnull=False) | _past_deadline("acknowledge_due_at", now)
    decide_due = Q(decided__isnull=False) | _past_deadline("decide_due_at", now)
    sent = Referral.objects.filter(sent_at__isnull=False, sent_at__gte=first, sent_at__lt=after)

    def grouped(queryset, team_field: str):
        keys = {"week": week}
        if group == "organisation":
            keys["group_key"] = F(f"{team_field}__organisation_id")
        return queryset.filter(**{f"{team_field}_id__in": team_ids}).values(**keys)

    # Annotated before grouping, so that they are not grouped by.
    received = (
        grouped(sent.annotate(answered=answered_at, decided=decided_at), "to_team")
        .annotate(
            received=Count("pk"),
            ack_counted=Count("pk", filter=ack_due),
            ack_in_time=Count("pk", filter=Q(answered__lte=F("acknowledge_due_at"))),
            decide_counted=Count("pk", filter=decide_due),
            decide_in_time=Count("pk", filter=Q(decided__lte=F("decide_due_at"))),
            answered_n=Count("answered"),
            hours=Avg(ExpressionWrapper(F("answered") - F("sent_at"), output_field=DurationField())),
            decided_n=Count("decided"),
            decide_hours=Avg(ExpressionWrapper(F("decided") - F("sent_at"), output_field=DurationField())),
            declined=Count("declined_at"),
            signposted=Count(
                "pk",
                filter=Q(declined_at__isnull=False)
                & ~Q(signposting_service="")
                & ~Q(signposting_next_steps=""),
            ),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in received:
        key = (row.get("group_key"), week_start(row["week"]))
        result["referrals.received"][key] = Cell(row["received"], row["received"])
        if row["ack_counted"]:
            result["referrals.acknowledged_in_time"][key] = Cell(
                percent(row["ack_in_time"], row["ack_counted"]), row["ack_counted"]
            )
        if row["decide_counted"]:
            result["referrals.decided_in_time"][key] = Cell(
                percent(row["decide_in_time"], row["decide_counted"]), row["decide_counted"]
            )
        if row["answered_n"]:
            result["referrals.hours_to_acknowledge"][key] = Cell(
                round(hours(row["hours"]), 1), row["answered_n"]
            )
        if row["decided_n"]:
            result["referrals.hours_to_decide"][key] = Cell(
                round(hours(row["decide_hours"]), 1), row["decided_n"]
            )
            result["referrals.declined"][key] = Cell(
                percent(row["declined"], row["decided_n"]), row["decided_n"]
            )
        if row["declined"]:
            result["referrals.declined_signposted"][key] = Cell(
                percent(row["signposted"], row["declined"]), row["declined"]
            )
    for row in grouped(sent, "from_team").annotate(sent=Count("pk")).order_by():
        key = (row.get("group_key"), week_start(row["week"]))
        result["referrals.sent"][key] = Cell(row["sent"], row["sent"])
    return result
