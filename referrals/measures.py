"""Referrals: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, hours, percent, week_bounds, week_start

from .models import Referral

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
        elif group == "team":
            keys["group_key"] = F(f"{team_field}_id")
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
