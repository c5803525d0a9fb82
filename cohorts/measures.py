"""Caseloads by quadrant: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.db import connection
from django.db.models import F, Q

from dualcare.dashboards.measures import Cell, MeasureDef, weeks_between

from .models import QuadrantAssessment
from .selectors import QUADRANTS

NOT_ASSESSED = "not_assessed"
_QUADRANT_WORDS = {
    "I": "quadrant I (low mental illness, low substance use)",
    "II": "quadrant II (high mental illness, low substance use)",
    "III": "quadrant III (low mental illness, high substance use)",
    "IV": "quadrant IV (high mental illness, high substance use)",
}

DASHBOARD_MEASURES = [
    *(
        MeasureDef(
            key=f"cohorts.caseload_{quadrant.lower()}",
            title=f"Caseload in quadrant {quadrant}",
            capability="Caseload by quadrant",
            unit="people",
            improvement="neither",
            description=(
                f"People on the team's caseload at the end of the week whose latest assessment then "
                f"put them in {_QUADRANT_WORDS[quadrant]}."
            ),
        )
        for quadrant in QUADRANTS
    ),
    MeasureDef(
        key="cohorts.caseload_not_assessed",
        title="Caseload not yet assessed for a quadrant",
        capability="Caseload by quadrant",
        unit="people",
        improvement="neither",
        description="People on the team's caseload at the end of the week with no quadrant assessment yet.",
    ),
]
_KEY_OF = {
    **{q: f"cohorts.caseload_{q.lower()}" for q in QUADRANTS},
    NOT_ASSESSED: "cohorts.caseload_not_assessed",
}


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """People on the teams' caseloads at the end of each week (Sunday), by their quadrant then:
    the latest assessment on or before that Sunday, or "not assessed". A person counts once however
    many teams in scope have them on their caseload (once per organisation with group="organisation",
    once per team with group="team").

    One query whatever the people and weeks, set-based: each assessment is a spell from its date to
    the next assessment of the same person (a window function), the week ends are a VALUES list
    joined to the open involvements, each joined to the spell covering its Sunday, and the
    database counts distinct people per week, group and quadrant. (Not a subquery per week and
    involvement: at trust scale that was 417k of them for one organisation's year.)
    """
    from dualcare.people.models import Involvement

    team_ids = list(team_ids)
    weeks = weeks_between(start, end)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    if not team_ids or not weeks:
        return result
    qn = connection.ops.quote_name
    # Only the involvements open on one of the Sundays, in no order (the model's ordering would
    # sort them all for nothing).
    last_sunday = weeks[-1] + dt.timedelta(days=6)
    in_scope, scope_params = (
        Involvement.objects.filter(team_id__in=team_ids, start__lte=last_sunday)
        .filter(Q(end__isnull=True) | Q(end__gt=weeks[0] + dt.timedelta(days=6)))
        .order_by()
        .values("service_user_id", "start", "end", "team_id", organisation=F("team__organisation_id"))
        .query.sql_with_params()
    )
    assessment = QuadrantAssessment._meta.db_table
    group_key = {"organisation": "i.organisation", "team": f"i.{qn('team_id')}"}.get(group, "NULL")
    week_ends = [connection.ops.adapt_datefield_value(week + dt.timedelta(days=6)) for week in weeks]
    person, on = qn("service_user_id"), qn("assessed_on")
    # Only quoted names and placeholders are put into the text; every value is a parameter.
    sql = f"""
        WITH week_ends (week_end) AS (VALUES {", ".join(["(%s)"] * len(week_ends))}),
        i AS ({in_scope}),
        spells AS (
            SELECT qa.{person} AS person, qa.{qn("quadrant")} AS quadrant, qa.{on} AS valid_from,
                   LEAD(qa.{on}) OVER (
                       PARTITION BY qa.{person} ORDER BY qa.{on}, qa.{qn("created_at")}
                   ) AS valid_to
            FROM {qn(assessment)} qa
            WHERE qa.{person} IN (SELECT {person} FROM i)
        )
        SELECT w.week_end, {group_key} AS group_key, s.quadrant, COUNT(DISTINCT i.{person})
        FROM week_ends w
        JOIN i ON i.{qn("start")} <= w.week_end AND (i.{qn("end")} IS NULL OR i.{qn("end")} > w.week_end)
        LEFT JOIN spells s
          ON s.person = i.{person} AND s.valid_from <= w.week_end
         AND (s.valid_to IS NULL OR s.valid_to > w.week_end)
        GROUP BY w.week_end, group_key, s.quadrant
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*week_ends, *scope_params])
        rows = cursor.fetchall()
    monday_of = {str(week + dt.timedelta(days=6)): week for week in weeks}
    for week_end, key, quadrant, people in rows:
        week = monday_of[str(week_end)[:10]]  # a date, or its ISO text on SQLite
        if key is not None and not isinstance(key, UUID):
            key = UUID(str(key))  # SQLite keeps UUIDs as hex text
        result[_KEY_OF[quadrant or NOT_ASSESSED]][(key, week)] = Cell(people, people)
    # A week with people on the caseload shows every quadrant, 0 where nobody is in it.
    for key, week in {cell for cells in result.values() for cell in cells}:
        for measure in _KEY_OF.values():
            result[measure].setdefault((key, week), Cell(0, 0))
    return result
