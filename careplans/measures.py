"""Care plans: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, DateField, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate, TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, percent, week_bounds, week_start

from .models import (
    Agreement,
    PlanEntry,
    PlanVersion,
)

LONDON = ZoneInfo("Europe/London")
AGREEMENT_WINDOW = dt.timedelta(days=28)
_CAPABILITY = "Care plans"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="careplans.published",
        title="Care plans published",
        capability=_CAPABILITY,
        unit="plans",
        improvement="neither",
        description=(
            "New versions of shared care plans published that week for people the team was working with."
        ),
    ),
    MeasureDef(
        key="careplans.agreed",
        title="Care plans agreed by the person within 4 weeks",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan versions published that week (at least 4 weeks ago), the share the person "
            "agreed, in DualCare or in person, within 4 weeks of publishing."
        ),
    ),
    MeasureDef(
        key="careplans.multi_agency",
        title="Care plans written by two or more organisations",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan versions published that week, the share with entries from at least two "
            "organisations when they were published."
        ),
    ),
    MeasureDef(
        key="careplans.reviews_on_time",
        title="Care plan reviews on time",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan reviews due that week, the share where a new version was published by the "
            "review date."
        ),
    ),
]


def _involved_on(day_field: str, team_ids) -> Q:
    """The plan's person had an involvement with one of the teams on the date in `day_field`."""
    prefix = "plan__service_user__involvements__"
    return Q(**{f"{prefix}team_id__in": team_ids, f"{prefix}start__lte": F(day_field)}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": F(day_field)})
    )


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The care plan measures (see DASHBOARD_MEASURES). A plan counts for a team when its person
    was involved with the team on the day it was published (or its review was due). Two queries."""
    team_ids = list(team_ids)
    first, after = week_bounds(start, end)
    now = timezone.now()
    keys = {}
    if group == "organisation":
        keys["group_key"] = F("plan__service_user__involvements__team__organisation_id")
    elif group == "team":
        keys["group_key"] = F("plan__service_user__involvements__team_id")
    # Organisations with entries in the plan at the moment of publishing.
    organisations = (
        PlanEntry.objects.filter(plan=OuterRef("plan"), created_at__lte=OuterRef("published_at"))
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gt=OuterRef("published_at")))
        .order_by()
        .values("plan")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    agreed = Agreement.objects.filter(
        version=OuterRef("pk"),
        kind=Agreement.Kind.AGREED,
        recorded_at__lte=OuterRef("published_at") + AGREEMENT_WINDOW,
    )
    published = (
        PlanVersion.objects.filter(published_at__gte=first, published_at__lt=after)
        .annotate(
            published_on=TruncDate("published_at", tzinfo=LONDON),
            organisations=Coalesce(Subquery(organisations, output_field=IntegerField()), 0),
            agreed=Exists(agreed),
        )
        .filter(_involved_on("published_on", team_ids))
        .values(week=TruncWeek("published_at", tzinfo=LONDON, output_field=DateField()), **keys)
        .annotate(
            published=Count("pk", distinct=True),
            answerable=Count("pk", distinct=True, filter=Q(published_at__lte=now - AGREEMENT_WINDOW)),
            agreed_n=Count(
                "pk", distinct=True, filter=Q(published_at__lte=now - AGREEMENT_WINDOW, agreed=True)
            ),
            multi_agency=Count("pk", distinct=True, filter=Q(organisations__gte=2)),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in published:
        key = (row.get("group_key"), week_start(row["week"]))
        result["careplans.published"][key] = Cell(row["published"], row["published"])
        result["careplans.multi_agency"][key] = Cell(
            percent(row["multi_agency"], row["published"]), row["published"]
        )
        if row["answerable"]:
            result["careplans.agreed"][key] = Cell(
                percent(row["agreed_n"], row["answerable"]), row["answerable"]
            )

    # A review is done on time when a later version is published on or before the review date.
    later = PlanVersion.objects.annotate(on=TruncDate("published_at", tzinfo=LONDON)).filter(
        plan=OuterRef("plan"), number__gt=OuterRef("number"), on__lte=OuterRef("review_due")
    )
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    reviews = (
        PlanVersion.objects.filter(review_due__gte=start, review_due__lte=last_day)
        .annotate(done=Exists(later))
        .filter(_involved_on("review_due", team_ids))
        .values(week=TruncWeek("review_due"), **keys)
        .annotate(due=Count("pk", distinct=True), on_time=Count("pk", distinct=True, filter=Q(done=True)))
        .order_by()
    )
    for row in reviews:
        key = (row.get("group_key"), week_start(row["week"]))
        result["careplans.reviews_on_time"][key] = Cell(percent(row["on_time"], row["due"]), row["due"])
    return result
