"""Care plans: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import BooleanField, DateTimeField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, percent, week_bounds, week_of
from dualcare.people.models import Involvement

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


def _day(value) -> dt.date:
    """A date read from a raw cursor: a date on PostgreSQL, its ISO text on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _group_key(value) -> UUID | None:
    if value is not None and not isinstance(value, UUID):
        value = UUID(str(value))  # SQLite keeps UUIDs as hex text
    return value


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The care plan measures (see DASHBOARD_MEASURES). A plan counts for a team when its person
    was involved with the team on the day it was published (or its review was due). Two queries.

    Each set-based: the versions of the weeks, the organisations with entries in each plan at the
    moment each version was published, the agreements within 4 weeks and the later versions
    published by each review date are each worked out once for all the versions (a grouped join),
    then joined to the teams' involvements and counted per day, group and measure; the days are
    added up into weeks here (a version has one day, so the distinct counts add up). Not a
    correlated subquery per version and involvement: at trust scale that was most of the weekly
    store's time. The query text only holds quoted names and the ORM's own SQL; every value is a
    parameter."""
    team_ids = list(team_ids)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    if not team_ids:
        return result
    first, after = week_bounds(start, end)
    now = timezone.now()
    qn = connection.ops.quote_name
    involvements, involvement_params = (
        Involvement.objects.filter(team_id__in=team_ids)
        .order_by()
        .values("service_user_id", "start", "end", "team_id", organisation=F("team__organisation_id"))
        .query.sql_with_params()
    )
    group_key = {"organisation": "i.organisation", "team": f"i.{qn('team_id')}"}.get(group, "NULL")
    person, begins, ends = qn("service_user_id"), qn("start"), qn("end")

    def involved_on(rows: str) -> str:
        """The row's person was involved with the team on the row's day."""
        day = f"{rows}.day"
        return (
            f"i.{person} = {rows}.person AND i.{begins} <= {day} AND (i.{ends} IS NULL OR i.{ends} > {day})"
        )

    versions, version_params = (
        PlanVersion.objects.filter(published_at__gte=first, published_at__lt=after)
        .order_by()
        .values(
            "id",
            "plan_id",
            "published_at",
            person=F("plan__service_user_id"),
            day=TruncDate("published_at", tzinfo=LONDON),
            deadline=ExpressionWrapper(F("published_at") + AGREEMENT_WINDOW, output_field=DateTimeField()),
            answerable=ExpressionWrapper(
                Q(published_at__lte=now - AGREEMENT_WINDOW), output_field=BooleanField()
            ),
        )
        .query.sql_with_params()
    )
    entry, agreement = qn(PlanEntry._meta.db_table), qn(Agreement._meta.db_table)
    plan, published_at, removed_at = qn("plan_id"), qn("published_at"), qn("removed_at")
    # Organisations with entries in the plan at the moment each version was published, and the
    # versions the person agreed within 4 weeks of publishing.
    organisations = f"""
        SELECT v.{qn("id")} AS version, COUNT(DISTINCT e.{qn("organisation_id")}) AS n
        FROM v JOIN {entry} e ON e.{plan} = v.{plan} AND e.{qn("created_at")} <= v.{published_at}
         AND (e.{removed_at} IS NULL OR e.{removed_at} > v.{published_at})
        GROUP BY v.{qn("id")}
    """  # noqa: S608
    agreed = f"""
        SELECT DISTINCT ag.{qn("version_id")} FROM {agreement} ag
        JOIN v ON ag.{qn("version_id")} = v.{qn("id")}
        WHERE ag.{qn("kind")} = %s AND ag.{qn("recorded_at")} <= v.deadline
    """  # noqa: S608
    vid = f"v.{qn('id')}"
    published = _run(
        f"""
        WITH v AS ({versions}), i AS ({involvements}), o AS ({organisations}), a AS ({agreed})
        SELECT v.day, {group_key} AS group_key,
               COUNT(DISTINCT {vid}),
               COUNT(DISTINCT CASE WHEN v.answerable THEN {vid} END),
               COUNT(DISTINCT CASE WHEN v.answerable AND a.{qn("version_id")} IS NOT NULL THEN {vid} END),
               COUNT(DISTINCT CASE WHEN o.n >= 2 THEN {vid} END)
        FROM v
        JOIN i ON {involved_on("v")}
        LEFT JOIN o ON o.version = {vid}
        LEFT JOIN a ON a.{qn("version_id")} = {vid}
        GROUP BY v.day, group_key
        """,  # noqa: S608
        [*version_params, *involvement_params, Agreement.Kind.AGREED.value],
    )
    weeks: dict[tuple, list[int]] = {}
    for day, key, *counts in published:
        totals = weeks.setdefault((_group_key(key), week_of(_day(day))), [0, 0, 0, 0])
        for index, count in enumerate(counts):
            totals[index] += count
    for key, (n, answerable, agreed_n, multi_agency) in weeks.items():
        result["careplans.published"][key] = Cell(n, n)
        result["careplans.multi_agency"][key] = Cell(percent(multi_agency, n), n)
        if answerable:
            result["careplans.agreed"][key] = Cell(percent(agreed_n, answerable), answerable)

    # A review is done on time when a later version is published on or before the review date.
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    if last_day < start:
        return result
    reviews, review_params = (
        PlanVersion.objects.filter(review_due__gte=start, review_due__lte=last_day)
        .order_by()
        .values("id", person=F("plan__service_user_id"), day=F("review_due"))
        .query.sql_with_params()
    )
    # The reviews done: each later version (the row) published by an earlier one's review date.
    done, done_params = (
        PlanVersion.objects.filter(
            plan__versions__review_due__range=(start, last_day),
            plan__versions__number__lt=F("number"),
            plan__versions__review_due__gte=TruncDate("published_at", tzinfo=LONDON),
        )
        .order_by()
        .values(reviewed=F("plan__versions__id"))
        .distinct()
        .query.sql_with_params()
    )
    due = _run(
        f"""
        WITH r AS ({reviews}), i AS ({involvements}), d AS ({done})
        SELECT r.day, {group_key} AS group_key,
               COUNT(DISTINCT r.{qn("id")}),
               COUNT(DISTINCT CASE WHEN d.reviewed IS NOT NULL THEN r.{qn("id")} END)
        FROM r
        JOIN i ON {involved_on("r")}
        LEFT JOIN d ON d.reviewed = r.{qn("id")}
        GROUP BY r.day, group_key
        """,  # noqa: S608
        [*review_params, *involvement_params, *done_params],
    )
    weeks = {}
    for day, key, n, on_time in due:
        totals = weeks.setdefault((_group_key(key), week_of(_day(day))), [0, 0])
        totals[0] += n
        totals[1] += on_time
    for key, (n, on_time) in weeks.items():
        result["careplans.reviews_on_time"][key] = Cell(percent(on_time, n), n)
    return result
