"""Signposting: the measure this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person.

"Discharged to nowhere" (issue 18 item 4): of the declines and discharges a team signposted in a
week, the share whose person the team recorded as connected within SIGNPOST_CONNECTED_DAYS (28).
A signpost counts once its window has closed or its person was connected, so the open weeks'
figures are not dragged down by people who still have time; a week settles within five weeks,
inside the weekly store's settling weeks.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, percent, week_bounds, week_start

from .models import Signpost

LONDON = ZoneInfo("Europe/London")

DASHBOARD_MEASURES = [
    MeasureDef(
        key="directory.signposted_connected",
        title="Signposted people who got there",
        capability="Signposting",
        unit="%",
        improvement="up",
        description=(
            "Of the declined referrals and ended involvements the team signposted that week (once 28 "
            "days have passed or the person got there), the share whose person the team recorded as "
            "connected within 28 days: the rest were discharged to nowhere."
        ),
    ),
]


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The signposting measure per week of signposting (see DASHBOARD_MEASURES): one query."""
    first, after = week_bounds(start, end)
    window = dt.timedelta(days=settings.SIGNPOST_CONNECTED_DAYS)
    now = timezone.now()
    keys = {"week": TruncWeek("created_at", tzinfo=LONDON, output_field=DateField())}
    if group == "organisation":
        keys["group_key"] = F("team__organisation_id")
    elif group == "team":
        keys["group_key"] = F("team_id")
    took = ExpressionWrapper(F("connected_at") - F("created_at"), output_field=DurationField())
    in_time = Q(connected_at__isnull=False, took__lte=window)
    rows = (
        Signpost.objects.filter(team_id__in=list(team_ids), created_at__gte=first, created_at__lt=after)
        .annotate(took=took)
        .values(**keys)
        .annotate(
            counted=Count("pk", filter=in_time | Q(created_at__lte=now - window)),
            connected=Count("pk", filter=in_time),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in rows:
        if row["counted"]:
            key = (row.get("group_key"), week_start(row["week"]))
            result["directory.signposted_connected"][key] = Cell(
                percent(row["connected"], row["counted"]), row["counted"]
            )
    return result
