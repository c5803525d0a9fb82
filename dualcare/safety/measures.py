"""Risk and safety flags: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py), by team, never naming a person. The dashboards' weekly store
(dashboards.WeeklyValue) is filled from these by the beat, like every other provider's.

- In-date risk assessment: of the people a team works with at the end of a week (an open
  involvement that day), the share with a risk assessment by the team's organisation that was
  made by then and whose review date had not passed.
- Flags reviewed on time: of the team's flag reviews that fell due in the week (each due date a
  ReviewReminder row), the share reviewed, or the flag removed, before the date came (the reminder
  was cancelled by then rather than sent)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import TruncDate, TruncWeek

from dualcare import clock
from dualcare.dashboards.measures import LONDON, Cell, MeasureDef, percent, week_start, weeks_between
from dualcare.people.models import Involvement

from .models import ReviewReminder, RiskAssessment

_CAPABILITY = "Risk and safety"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="safety.risk_assessment_in_date",
        title="People with an in-date risk assessment",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the people the team worked with at the end of the week, the share with a risk assessment "
            "by the team's organisation whose review date had not passed."
        ),
    ),
    MeasureDef(
        key="safety.flags_reviewed_on_time",
        title="Safety flags reviewed on time",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the team's safety flags due for review that week, the share reviewed (or removed) before "
            "the review date came."
        ),
        counts_people=False,
    ),
]


def _group_key(group: str, team_id, organisation_id):
    if group == "organisation":
        return organisation_id
    if group == "team":
        return team_id
    return None


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """Three queries whatever the weeks: the involvements open in the period, the assessments of
    those people by those organisations, and the flag reviews due, counted by week in SQL."""
    team_ids = list(team_ids)
    weeks = weeks_between(start, end)
    today = clock.today()
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    if not team_ids or not weeks:
        return result
    last_day = weeks[-1] + dt.timedelta(days=6)
    involvements = list(
        Involvement.objects.filter(team_id__in=team_ids, start__lte=last_day)
        .filter(Q(end__isnull=True) | Q(end__gt=weeks[0] + dt.timedelta(days=6)))
        .values_list("team_id", "team__organisation_id", "service_user_id", "start", "end")
    )
    people = {row[2] for row in involvements}
    organisations = {row[1] for row in involvements}
    assessments: dict = {}
    for person, organisation, made, due in (
        RiskAssessment.objects.filter(
            service_user_id__in=people, organisation_id__in=organisations, assessed_on__lte=last_day
        )
        .order_by()
        .values_list("service_user_id", "organisation_id", "assessed_on", "review_due")
    ):
        assessments.setdefault((person, organisation), []).append((made, due))
    for week in weeks:
        day = min(week + dt.timedelta(days=6), today)
        if day < week:
            continue
        cells: dict = {}
        for team_id, organisation_id, person, began, ended in involvements:
            if began > day or (ended is not None and ended <= day):
                continue
            key = _group_key(group, team_id, organisation_id)
            # Each person once per group (a person two teams work with counts once for "all").
            seen, in_date = cells.setdefault(key, (set(), set()))
            seen.add(person)
            if any(made <= day <= due for made, due in assessments.get((person, organisation_id), ())):
                in_date.add(person)
        for key, (seen, in_date) in cells.items():
            result["safety.risk_assessment_in_date"][(key, week)] = Cell(
                percent(len(in_date), len(seen)), len(seen)
            )

    keys = {"week": TruncWeek("due_on", output_field=DateField())}
    if group == "organisation":
        keys["group_key"] = F("flag__team__organisation_id")
    elif group == "team":
        keys["group_key"] = F("flag__team_id")
    on_time = Q(cancelled_at__isnull=False) & Q(cancelled_on__lte=F("due_on"))
    rows = (
        ReviewReminder.objects.filter(
            flag__team_id__in=team_ids,
            due_on__gte=weeks[0],
            due_on__lte=min(last_day, today - dt.timedelta(days=1)),
        )
        .annotate(cancelled_on=TruncDate("cancelled_at", tzinfo=LONDON))
        .values(**keys)
        .annotate(due=Count("pk"), in_time=Count("pk", filter=on_time))
        .order_by()
    )
    for row in rows:
        key = (row.get("group_key"), week_start(row["week"]))
        result["safety.flags_reviewed_on_time"][key] = Cell(percent(row["in_time"], row["due"]), row["due"])
    return result
