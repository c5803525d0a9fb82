"""Carers: the measures this app gives the dashboards (the contract is dualcare/dashboards/measures.py):
weekly, aggregated in the database, never naming a person (issue 20 item 4).

A carer counts for a team when the person they care for was on the team's caseload (an open
involvement) on the day: the day the carer was identified, or the day their needs and experience
were recorded (CarerNeeds). A carer's own views on a published plan (careplans' Agreement of kind
carer_views) are careplans' to measure and not counted here."""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncDate, TruncWeek

from dualcare.dashboards.measures import Cell, MeasureDef, week_bounds, week_start
from dualcare.people.models import Carer

from .models import CarerNeeds

LONDON = ZoneInfo("Europe/London")
_CAPABILITY = "Carers"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="carers.identified",
        title="Carers identified",
        capability=_CAPABILITY,
        unit="carers",
        improvement="up",
        description="Carers recorded that week, with or without a login, of people on the team's caseload.",
    ),
    MeasureDef(
        key="carers.views_recorded",
        title="Carers whose views are recorded",
        capability=_CAPABILITY,
        unit="carers",
        improvement="up",
        description=(
            "Carers whose needs and experience were recorded that week (by them, or with staff), of "
            "people on the team's caseload."
        ),
    ),
]


def _on_caseload(prefix: str, day) -> Q:
    """The person (through `prefix`) was involved with one of the teams on `day`."""
    return Q(**{f"{prefix}involvements__start__lte": day}) & (
        Q(**{f"{prefix}involvements__end__isnull": True}) | Q(**{f"{prefix}involvements__end__gt": day})
    )


def _cells(rows, counted: str) -> dict:
    cells = {}
    for row in rows:
        key = row.get("group_key")
        if key is not None and not isinstance(key, UUID):
            key = UUID(str(key))  # SQLite keeps UUIDs as hex text
        week = row["week"]
        if not isinstance(week, dt.date):
            week = dt.date.fromisoformat(str(week)[:10])
        cells[(key, week_start(week))] = Cell(row[counted], row["people"])
    return cells


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """Both measures per week: two grouped queries (a join to the teams' involvements each)."""
    team_ids = list(team_ids)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    if not team_ids:
        return result
    first, after = week_bounds(start, end)

    def keys(prefix: str, day_field: str) -> dict:
        day = TruncDate(day_field, tzinfo=LONDON)
        found = {"week": TruncWeek(day, output_field=DateField())}
        if group == "organisation":
            found["group_key"] = F(f"{prefix}involvements__team__organisation_id")
        elif group == "team":
            found["group_key"] = F(f"{prefix}involvements__team_id")
        return found

    identified_day = TruncDate("created_at", tzinfo=LONDON)
    identified = (
        Carer.objects.filter(
            _on_caseload("service_user__", identified_day),
            service_user__involvements__team_id__in=team_ids,
            created_at__gte=first,
            created_at__lt=after,
        )
        .values(**keys("service_user__", "created_at"))
        .annotate(carers=Count("pk", distinct=True), people=Count("service_user", distinct=True))
        .order_by()
    )
    views_day = TruncDate("created_at", tzinfo=LONDON)
    views = (
        CarerNeeds.objects.filter(
            _on_caseload("service_user__", views_day),
            service_user__involvements__team_id__in=team_ids,
            created_at__gte=first,
            created_at__lt=after,
        )
        .values(**keys("service_user__", "created_at"))
        .annotate(carers=Count("carer", distinct=True), people=Count("service_user", distinct=True))
        .order_by()
    )
    result["carers.identified"] = _cells(identified, "carers")
    result["carers.views_recorded"] = _cells(views, "carers")
    return result
