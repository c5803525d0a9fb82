"""The two measures as they were worked out before they were made set-based: a subquery per
(week, involvement) for the caseload by quadrant, and per collection for the first recording.
Kept only so the tests can hold the set-based SQL to the same figures on the same data."""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DateField, DateTimeField, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from cohorts.measures import _KEY_OF, DASHBOARD_MEASURES, NOT_ASSESSED
from cohorts.models import QuadrantAssessment
from dualcare.contacts.models import Contact, ContactOutcomeEvent, Kind, Outcome
from dualcare.dashboards.measures import Cell, week_start, weeks_between
from dualcare.people.models import Involvement

LONDON = ZoneInfo("Europe/London")


def caseload_by_quadrant(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    weeks = weeks_between(start, end)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    qn = connection.ops.quote_name
    in_scope, scope_params = (
        Involvement.objects.filter(team_id__in=list(team_ids))
        .values("service_user_id", "start", "end", "team_id", organisation=F("team__organisation_id"))
        .query.sql_with_params()
    )
    group_key = {"organisation": "i.organisation", "team": f"i.{qn('team_id')}"}.get(group, "NULL")
    week_ends = [connection.ops.adapt_datefield_value(week + dt.timedelta(days=6)) for week in weeks]
    sql = f"""
        WITH week_ends (week_end) AS (VALUES {", ".join(["(%s)"] * len(week_ends))})
        SELECT w.week_end, {group_key} AS group_key, (
            SELECT qa.{qn("quadrant")} FROM {qn(QuadrantAssessment._meta.db_table)} qa
            WHERE qa.{qn("service_user_id")} = i.{qn("service_user_id")}
              AND qa.{qn("assessed_on")} <= w.week_end
            ORDER BY qa.{qn("assessed_on")} DESC, qa.{qn("created_at")} DESC
            LIMIT 1
        ) AS quadrant, COUNT(DISTINCT i.{qn("service_user_id")})
        FROM week_ends w
        JOIN ({in_scope}) i
          ON i.{qn("start")} <= w.week_end AND (i.{qn("end")} IS NULL OR i.{qn("end")} > w.week_end)
        GROUP BY w.week_end, group_key, quadrant
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*week_ends, *scope_params])
        rows = cursor.fetchall()
    monday_of = {str(week + dt.timedelta(days=6)): week for week in weeks}
    for week_end, key, quadrant, people in rows:
        if key is not None and not isinstance(key, UUID):
            key = UUID(str(key))
        result[_KEY_OF[quadrant or NOT_ASSESSED]][(key, monday_of[str(week_end)[:10]])] = Cell(people, people)
    for key, week in {cell for cells in result.values() for cell in cells}:
        for measure in _KEY_OF.values():
            result[measure].setdefault((key, week), Cell(0, 0))
    return result


def collections(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    keys = {"week": TruncWeek("due_on", output_field=DateField())}
    if group == "organisation":
        keys["group_key"] = F("schedule__prescribing_team__organisation_id")
    elif group == "team":
        keys["group_key"] = F("schedule__prescribing_team_id")
    first_recorded = (
        ContactOutcomeEvent.objects.filter(
            contact=OuterRef("pk"), outcome__in=[Outcome.ATTENDED, Outcome.MISSED]
        )
        .order_by("at", "pk")
        .values("at")[:1]
    )
    rows = (
        Contact.objects.filter(
            Q(due_on__gte=start, due_on__lte=last_day)
            & ~Q(outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE]),
            kind=Kind.COLLECTION,
            schedule__prescribing_team_id__in=list(team_ids),
        )
        .annotate(first_day=TruncDate(Subquery(first_recorded, output_field=DateTimeField()), tzinfo=LONDON))
        .values(**keys)
        .annotate(
            due=Count("pk"),
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
            on_the_day=Count("pk", filter=Q(first_day=F("due_on"))),
        )
        .order_by()
    )
    result = {"contacts.collections_missed": {}, "contacts.collections_recorded_on_the_day": {}}
    for row in rows:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.collections_missed"][key] = Cell(row["missed"], row["people"])
        result["contacts.collections_recorded_on_the_day"][key] = Cell(
            round(100 * row["on_the_day"] / row["due"], 1), row["people"]
        )
    return result
