"""Incidents: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py), by the team that reported the incident, in the week it happened,
never naming a person (issue 19 item 5).

The issue asks for incidents with harm per 1,000 people on caseload per month. The dashboards'
series are weekly (stored by the beat, charted as run and XmR charts), so each week's point is that
week's incidents with harm per 1,000 people on the team's caseload, scaled to a month (× 365.25 /
12 / 7): a monthly rate, read weekly, whose points stay independent of each other as an XmR chart
needs (a rolling four-week count would not). The caseload is the involvements open in the week
(started by its Sunday, not ended by its Monday).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncWeek

from dualcare.dashboards.measures import Cell, MeasureDef, week_start
from dualcare.people.models import Involvement

from .models import SERIOUS, WITH_HARM, Incident

_CAPABILITY = "Incidents"
# Weeks in a month, on average: a week's rate times this is a monthly rate.
WEEKS_PER_MONTH = 365.25 / 12 / 7

DASHBOARD_MEASURES = [
    MeasureDef(
        key="incidents.with_harm_per_1000",
        title="Incidents with harm per 1,000 people on the caseload, a month",
        capability=_CAPABILITY,
        unit="per 1,000 a month",
        improvement="down",
        description=(
            "Incidents with low harm or worse the team reported as happening that week, per 1,000 people "
            "on its caseload that week, as a monthly rate."
        ),
    ),
    MeasureDef(
        key="incidents.serious",
        title="Serious incidents",
        capability=_CAPABILITY,
        unit="incidents",
        improvement="down",
        description="Incidents with moderate harm or worse that the team reported as happening that week.",
        counts_people=False,
    ),
]


def _group(group: str, *, team: str, organisation: str) -> dict:
    if group == "organisation":
        return {"group_key": F(organisation)}
    if group == "team":
        return {"group_key": F(team)}
    return {}


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The incident measures per week: two queries (the incidents by week, and the caseload's
    involvements by the weeks they started and ended)."""
    team_ids = list(team_ids)
    last_day = end + dt.timedelta(days=6)
    incidents = (
        Incident.objects.filter(team_id__in=team_ids, occurred_on__gte=start, occurred_on__lte=last_day)
        .values(
            week=TruncWeek("occurred_on", output_field=DateField()),
            **_group(group, team="team_id", organisation="organisation_id"),
        )
        .annotate(
            with_harm=Count("pk", filter=Q(harm__in=list(WITH_HARM))),
            serious=Count("pk", filter=Q(harm__in=list(SERIOUS))),
        )
        .order_by()
    )
    counts: dict = {}
    for row in incidents:
        counts[(row.get("group_key"), week_start(row["week"]))] = (row["with_harm"], row["serious"])
    involvements = (
        Involvement.objects.filter(team_id__in=team_ids, start__lte=last_day)
        .filter(Q(end__isnull=True) | Q(end__gt=start))
        .values(
            began=TruncWeek("start", output_field=DateField()),
            ended=F("end"),
            **_group(group, team="team_id", organisation="team__organisation_id"),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    mondays = [start + dt.timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]
    caseload: dict = {}
    for row in involvements:
        began = week_start(row["began"])
        ended = row["ended"]  # the first day off the caseload
        for monday in mondays:
            # On the caseload in the week: started by its Sunday, not ended by its Monday. Decided
            # by the week alone, never by the window asked for, so a week stored is the week computed.
            if began <= monday and (ended is None or ended > monday):
                key = (row.get("group_key"), monday)
                caseload[key] = caseload.get(key, 0) + row["n"]
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for key in set(caseload) | set(counts):
        with_harm, serious = counts.get(key, (0, 0))
        people = caseload.get(key, 0)
        if people:
            rate = round(1000 * with_harm / people * WEEKS_PER_MONTH, 2)
            result["incidents.with_harm_per_1000"][key] = Cell(rate, people)
        if serious or people:
            result["incidents.serious"][key] = Cell(serious, serious)
    return result
