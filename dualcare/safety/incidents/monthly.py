"""Incidents with harm per 1,000 people on the caseload, month by month (issue 19 item 5): the
monthly series the issue asks for, as a run chart (fewer than 15 months) or an XmR chart, for
the Shared Care meeting pack (the locality) and a team's or organisation's dashboard.

The dashboards' weekly measure ``incidents.with_harm_per_1000`` scales each week to a monthly
rate; this is the calendar month itself: the incidents with low harm or worse that the teams
reported as happening in the month (the weekly measure's filter), per 1,000 involvements open on
the teams' caseloads at any time in that month (started by its last day, not ended by its first).
A month whose caseload is 1 to 4 people is suppressed, as the dashboards suppress a week: the rate
and the caseload together would give the count. The latest month shown is the last complete one.
Two queries, whatever the months or rows; names no person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, DateField, Q, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.safestring import SafeString

from dualcare.dashboards.selectors import SMALL_NUMBER
from dualcare.people.models import Involvement

from .models import WITH_HARM, Incident

MONTHS = 24  # two years of complete months: enough for a control chart (15 points or more)
TITLE = "Incidents with harm per 1,000 people on the caseload, by month"


@dataclass
class MonthRow:
    month: dt.date  # the first day of the month
    with_harm: int
    caseload: int
    rate: float | None  # None when suppressed
    suppressed: bool = False

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"


@dataclass
class MonthlyChart:
    rows: list[MonthRow]
    analysis: object | None  # dualcare.spc.rules.XmR | RunChart
    summary: str
    svg: SafeString | str
    table: list[dict]  # dualcare.spc.charts.table_rows for the months charted
    pdf_src: str = ""  # set by the PDF renderer


def _first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


def months_ending(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` complete months before today's."""
    months = []
    month = _first_of(_first_of(today) - dt.timedelta(days=1))
    for _ in range(count):
        months.append(month)
        month = _first_of(month - dt.timedelta(days=1))
    return months[::-1]


def _month(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value


def monthly_harm(team_ids, *, today: dt.date | None = None, count: int = MONTHS) -> list[MonthRow]:
    """Each complete month's incidents with harm, caseload and rate for the teams. Two queries."""
    team_ids = list(team_ids)
    months = months_ending(today or timezone.localdate(), count)
    first, after = months[0], _next_month(months[-1])
    harm = {
        _month(row["month"]): row["n"]
        for row in Incident.objects.filter(
            team_id__in=team_ids, occurred_on__gte=first, occurred_on__lt=after, harm__in=list(WITH_HARM)
        )
        .values(month=TruncMonth("occurred_on", output_field=DateField()))
        .annotate(n=Count("pk"))
        .order_by()
    }
    # Involvements by the month they started and the month they ended, and whether they ended on
    # a month's first day (then they were not on the caseload in that month at all).
    spans = (
        Involvement.objects.filter(team_id__in=team_ids, start__lt=after)
        .filter(Q(end__isnull=True) | Q(end__gt=first))
        .values(
            began=TruncMonth("start", output_field=DateField()),
            ended=TruncMonth("end", output_field=DateField()),
            on_first=Case(
                When(end__day=1, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    caseload = dict.fromkeys(months, 0)
    for span in spans:
        began, ended = _month(span["began"]), _month(span["ended"])
        for month in months:
            if began > month:
                continue
            if ended is not None and (ended < month or (ended == month and span["on_first"])):
                continue
            caseload[month] += span["n"]
    rows = []
    for month in months:
        people = caseload[month]
        if not people:
            continue
        with_harm = harm.get(month, 0)
        if people < SMALL_NUMBER:
            rows.append(
                MonthRow(month=month, with_harm=with_harm, caseload=people, rate=None, suppressed=True)
            )
        else:
            rows.append(
                MonthRow(
                    month=month,
                    with_harm=with_harm,
                    caseload=people,
                    rate=round(1000 * with_harm / people, 2),
                )
            )
    return rows


def monthly_harm_chart(
    team_ids, *, today: dt.date | None = None, count: int = MONTHS, scope_name: str = "", legend: bool = False
) -> MonthlyChart:
    """The months analysed (run chart below 15 months, then XmR; lower is better) and drawn."""
    from dualcare.spc import charts as spc_charts
    from dualcare.spc import rules as spc

    rows = monthly_harm(team_ids, today=today, count=count)
    shown = [row for row in rows if not row.suppressed]
    if not shown:
        return MonthlyChart(rows=rows, analysis=None, summary="No months to chart yet.", svg="", table=[])
    values = [row.rate for row in shown]
    labels = [row.label for row in shown]
    analysis = spc.analyse(values, improvement="down")
    summary = spc_charts.summary(analysis, "per 1,000")
    where = f" for {scope_name}" if scope_name else ""
    drawing = spc_charts.svg(
        analysis,
        title=f"{TITLE}{where}",
        description=(
            "Incidents with low harm or worse reported as happening in each month, per 1,000 people on "
            "the caseload that month."
        ),
        labels=labels,
        unit="per 1,000",
        x_label="Month",
        legend=legend,
    )
    return MonthlyChart(
        rows=rows,
        analysis=analysis,
        summary=summary,
        svg=drawing,
        table=spc_charts.table_rows(analysis, labels),
    )
