"""Reads of the dashboards: the measures of a scope over a period, analysed as run or XmR charts
(dualcare.spc), with the scope's annotations and baselines, and the locality's de-identified
aggregates with small numbers suppressed.

Measures are read only through :func:`measures.collect`; each provider aggregates in the
database. Everything here works on the few aggregated cells it returns, so a dashboard runs
the same number of queries whatever the number of people, referrals or weeks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import slugify

from dualcare.access import dashboards_participating_organisations
from dualcare.db import on_replica
from dualcare.people.models import Organisation, Team

from . import measures
from .measures import Cell, MeasureDef
from .models import Annotation, Baseline, MeasureWeek, WeeklyValue

if TYPE_CHECKING:
    from dualcare.spc import rules as spc

# dualcare.spc is imported where it is used: measures.providers() imports every app's
# selectors module, and a chart library must never stop the capabilities' measures loading.

# The order managers read the capabilities in (issue 8); a capability not named here follows.
HEADINGS = (
    "Caseload by quadrant",
    "Referrals",
    "Care plans",
    "Outcomes",
    "Alerts",
    "Link workers",
    "Satisfaction",
)
PERIOD_CHOICES = (13, 26, 52, 104)
DEFAULT_WEEKS = 52
SMALL_NUMBER = 5  # a locality cell worked out from fewer people than this is not shown
SUPPRESSED = "fewer than 5"
# A dashboard's data tables show the latest weeks (a page of 30 charts with every week's row was
# 750 KB); the measure's page and the CSV have every week.
RECENT_WEEKS = 6


# ---------------------------------------------------------------------------
# Scope and period


@dataclass(frozen=True)
class Scope:
    """An organisation's dashboard, or one of its teams'."""

    organisation: Organisation
    team: Team | None = None

    @property
    def kind(self) -> str:
        return "team" if self.team is not None else "organisation"

    @property
    def name(self) -> str:
        return self.team.name if self.team is not None else self.organisation.name

    @property
    def pk(self) -> UUID:
        return self.team.pk if self.team is not None else self.organisation.pk

    def team_ids(self) -> list[UUID]:
        if self.team is not None:
            return [self.team.pk]
        return list(Team.objects.filter(organisation=self.organisation).values_list("pk", flat=True))


@dataclass(frozen=True)
class Period:
    """Whole weeks, Monday to Sunday, the last one the latest week that has ended."""

    first: dt.date  # a Monday
    last: dt.date  # a Monday
    weeks: int

    @cached_property  # every chart of a dashboard walks them
    def mondays(self) -> list[dt.date]:
        return measures.weeks_between(self.first, self.last)

    @property
    def ends(self) -> dt.date:
        return self.last + dt.timedelta(days=6)


def period_for(weeks: int | None = None, *, today: dt.date | None = None) -> Period:
    weeks = weeks if weeks in PERIOD_CHOICES else DEFAULT_WEEKS
    today = today or timezone.localdate()
    last = measures.week_of(today) - dt.timedelta(weeks=1)
    return Period(first=last - dt.timedelta(weeks=weeks - 1), last=last, weeks=weeks)


def parse_weeks(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WEEKS
    return number if number in PERIOD_CHOICES else DEFAULT_WEEKS


# ---------------------------------------------------------------------------
# Words


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    number = f"{value:,.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number


VARIATION_LABELS = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neither": "Special cause: neither improvement nor concern",
    "common": "Common cause variation",
    "none": "Not enough data",
}


def _run_back(points: Sequence[spc.Point], end: int, same) -> int:
    """The index where the run of points satisfying same(i) and ending at `end` starts."""
    start = end
    while start > 0 and same(start - 1):
        start -= 1
    return start


def _dates(weeks: Sequence[dt.date], start: int, end: int, latest: int) -> str:
    if end == latest:
        return f"since {day_text(weeks[start])}"
    return f"from {day_text(weeks[start])} to {day_text(weeks[end])}"


def _describe_point(analysis, weeks: Sequence[dt.date], k: int) -> list[str]:
    """Phrases for the rules the point k broke, in words a manager reads at a glance."""
    points = analysis.points
    latest = len(points) - 1
    centre = analysis.mean if analysis.kind == "xmr" else analysis.median
    centre_word = "the average" if analysis.kind == "xmr" else "the median"
    value = points[k].value
    phrases = []
    rules = points[k].rules
    if "shift" in rules:
        above = value > centre
        # On an XmR chart a point on the mean breaks a shift; a run chart's points on the
        # median neither count nor break it.
        on_line_breaks = analysis.kind == "xmr"

        def in_shift(i: int) -> bool:
            on_line = points[i].value == centre
            return (not on_line and (points[i].value > centre) == above) or (on_line and not on_line_breaks)

        start = _run_back(points, k, in_shift)
        while points[start].value == centre:
            start += 1
        side = "above" if above else "below"
        count = sum(1 for i in range(start, k + 1) if points[i].value != centre)
        phrases.append(f"{count} weeks in a row {side} {centre_word} {_dates(weeks, start, k, latest)}")
    if "trend" in rules:
        # The direction of the latest step that was not a tie (run charts let ties ride along;
        # on an XmR chart a tie breaks the trend, so the run cannot reach back over one).
        strict = analysis.kind == "xmr"
        steps = [points[i].value - points[i - 1].value for i in range(k, 0, -1)]
        rising = next((step > 0 for step in steps if step != 0), True)
        sign = 1 if rising else -1

        def in_trend(i: int) -> bool:
            step = (points[i + 1].value - points[i].value) * sign
            return step > 0 or (step == 0 and not strict)

        start = _run_back(points, k, in_trend)
        direction = "rising" if rising else "falling"
        phrases.append(f"{k - start + 1} weeks in a row {direction} {_dates(weeks, start, k, latest)}")
    if "outside_limits" in rules:
        side = "above the upper limit" if value > centre else "below the lower limit"
        phrases.append(f"the week of {day_text(weeks[k])} is {side}")
    if "two_of_three" in rules:
        side = "upper" if value > centre else "lower"
        phrases.append(f"2 of 3 weeks close to the {side} limit, to the week of {day_text(weeks[k])}")
    if "astronomical" in rules:
        phrases.append(
            f"an unusually {'high' if value > centre else 'low'} value in the week of {day_text(weeks[k])}"
        )
    return phrases


def describe(analysis, weeks: Sequence[dt.date]) -> tuple[str, str]:
    """(status, summary in words): status is the latest point's variation, as the Making Data
    Count variation icons show it; the summary names the latest special cause and why."""
    if analysis is None or not analysis.points:
        return "none", "No data for this period."
    points = analysis.points
    latest = len(points) - 1
    status = points[latest].variation
    specials = [i for i, point in enumerate(points) if point.special_cause]
    runs_note = ""
    if analysis.kind == "run" and analysis.runs_signal:
        few = analysis.runs_signal == "too_few"
        runs_note = f" The line crosses the median {'less' if few else 'more'} often than chance would give."
    if not specials:
        if runs_note:
            return status, f"No special cause in single weeks.{runs_note}"
        weeks_text = "this week" if len(points) == 1 else f"these {len(points)} weeks"
        return status, f"Common cause variation: no special cause in {weeks_text}."
    k = specials[-1]
    words = "; ".join(_describe_point(analysis, weeks, k))
    label = VARIATION_LABELS[points[k].variation]
    if k == latest:
        return status, f"{label} — {words}.{runs_note}"
    return (
        status,
        f"Common cause variation in the latest week. Earlier, {label.lower()} — {words}.{runs_note}",
    )


# ---------------------------------------------------------------------------
# One measure


# The rules a special cause broke, in short, for the PDF's week-by-week figures (its first page
# explains them); the pages' tables spell each out (spc.charts.RULE_WORDS).
RULE_NAMES = {
    "outside_limits": "outside the limits",
    "shift": "shift",
    "trend": "trend",
    "two_of_three": "2 of 3 near a limit",
    "astronomical": "astronomical point",
}
SPECIAL_CAUSE_NAMES = {"improvement": "improvement", "concern": "concern", "neither": "special cause"}


@dataclass(frozen=True)
class Row:
    week: dt.date
    value: float | None
    n: int | None
    point: spc.Point | None = None
    period: spc.Period | None = None  # on an XmR chart: the mean and limits in force for this week
    limits_text: str = ""  # "12 (4.5 to 19.5)": that mean and its limits as drawn, for the tables
    suppressed: bool = False
    rules_text: str = ""  # the rules the point broke, in words

    @property
    def week_text(self) -> str:
        return day_text(self.week)

    def shown_limits(self, value_range: tuple[float, float] | None) -> tuple[float, float, bool]:
        """The (lower, upper) limits in force for this week as drawn, and whether one was capped."""
        from dualcare.spc import charts as spc_charts

        return spc_charts.bounded_limits(self.period.lower_limit, self.period.upper_limit, value_range)

    @property
    def special_cause_text(self) -> str:
        """ "improvement: shift, trend": the point's special cause and its rules, in short."""
        if self.point is None or not self.point.special_cause:
            return ""
        rules = ", ".join(RULE_NAMES.get(rule, rule) for rule in self.point.rules)
        return f"{SPECIAL_CAUSE_NAMES.get(self.point.variation, self.point.variation)}: {rules}"


@dataclass
class MeasureChart:
    definition: MeasureDef
    rows: list[Row]
    analysis: spc.XmR | spc.RunChart | None = None
    baseline: Baseline | None = None
    baseline_text: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    status: str = "none"
    summary: str = ""
    svg: SafeString | str = ""
    urls: dict = field(default_factory=dict)  # set by the views: the measure's page, CSV, forms

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def mentions_honos(self) -> bool:
        """HoNOS is shown with its copyright notice wherever it appears (CLINICAL.md)."""
        return "HoNOS" in f"{self.definition.title} {self.definition.description}"

    @property
    def slug(self) -> str:
        return self.definition.key.replace(".", "-").replace("_", "-")

    @property
    def status_label(self) -> str:
        return VARIATION_LABELS[self.status]

    @property
    def weeks(self) -> list[dt.date]:
        return [row.week for row in self.rows if row.point is not None]

    @property
    def recent_rows(self) -> list[Row]:
        """The latest weeks, for a page of many charts: every week is on the measure's own page."""
        return self.rows[-RECENT_WEEKS:]

    @property
    def rebased(self) -> bool:
        """Whether a recalculation split the chart: then each week's table row gives its limits."""
        return self.analysis is not None and self.analysis.kind == "xmr" and bool(self.analysis.rebase)

    @property
    def chart_name(self) -> str:
        if self.analysis is None:
            return ""
        return "XmR control chart" if self.analysis.kind == "xmr" else "run chart"

    def format(self, value) -> str:
        return format_value(value, self.definition.unit)

    @property
    def value_range(self) -> tuple[float, float] | None:
        """The values the measure can take, for the chart's lines and axis: 0 to 100 for a
        proportion; None otherwise."""
        return PROPORTION_RANGE if self.definition.is_proportion else None

    @property
    def limits(self) -> tuple[float, float, bool] | None:
        """The XmR chart's (lower, upper) process limits as drawn, and whether one was capped."""
        if self.analysis is None or self.analysis.kind != "xmr":
            return None
        from dualcare.spc import charts as spc_charts

        return spc_charts.shown_limits(self.analysis, self.value_range)


PROPORTION_RANGE = (0.0, 100.0)


def _baseline_indices(weeks: list[dt.date], baseline: Baseline | None) -> tuple[int, int] | None:
    if baseline is None or baseline.is_all_points:
        return None
    first = next((i for i, week in enumerate(weeks) if week >= baseline.first_week), len(weeks))
    last = sum(1 for week in weeks if week <= baseline.last_week)
    return (first, last) if last - first >= 2 else None


def _baseline_text(baseline: Baseline | None, used: bool, kind: str | None, rebased: bool = False) -> str:
    if kind != "xmr":
        return ""
    if baseline is None:
        return "Limits calculated from every week shown."
    who = f"set by {baseline.created_by.display_name} on {day_text(timezone.localdate(baseline.created_at))}"
    if baseline.is_all_points:
        return f"Limits calculated from every week shown, {who}, reason: {baseline.reason}."
    span = f"{day_text(baseline.first_week)} to {day_text(baseline.last_week + dt.timedelta(days=6))}"
    if not used:
        return (
            f"A baseline of {span} was {who}, but fewer than 2 of its weeks are shown: "
            "limits calculated from every week shown."
        )
    before = " The weeks before it keep the average and limits of their own period." if rebased else ""
    return f"Limits calculated from {span}, {who}, reason: {baseline.reason}.{before}"


def _annotation_indices(weeks: list[dt.date], annotations: Sequence[Annotation]) -> list[tuple[int, str]]:
    """Each annotation at the first point of the week it falls in (or the next week with a point)."""
    marks = []
    for annotation in annotations:
        week = measures.week_of(annotation.date)
        index = next((i for i, w in enumerate(weeks) if w >= week), None)
        if index is not None and (index > 0 or weeks[0] == week):
            # The chart's key puts the point's date before the text; the annotation's own date
            # is added only when it is another day of that week (or a later week's point).
            own_date = "" if annotation.date == weeks[index] else f" (on {day_text(annotation.date)})"
            marks.append((index, f"{annotation.text}{own_date}"))
    return marks


def measure_chart(
    definition: MeasureDef,
    cells: dict[dt.date, Cell],
    *,
    period: Period,
    baseline: Baseline | None = None,
    annotations: Sequence[Annotation] = (),
    suppressed: Iterable[dt.date] = (),
    scope_name: str = "",
    legend: bool = True,
    draw: bool = True,
) -> MeasureChart:
    """The measure's weeks in the period, analysed (run chart below 15 points, then XmR) and drawn
    (with its legend, unless the document shows one key for every chart; not at all for the CSV
    and the API, which have no use for the picture)."""
    hidden = set(suppressed)
    rows: list[Row] = []
    weeks: list[dt.date] = []
    values: list[float] = []
    for week in period.mondays:
        cell = cells.get(week)
        if cell is None:
            continue
        if week in hidden:
            rows.append(Row(week=week, value=None, n=None, suppressed=True))
            continue
        rows.append(Row(week=week, value=cell.value, n=cell.n))
        if cell.value is not None:
            weeks.append(week)
            values.append(float(cell.value))
    chart = MeasureChart(definition=definition, rows=rows, baseline=baseline, annotations=list(annotations))
    if not values:
        chart.status, chart.summary = describe(None, weeks)
        return chart
    from dualcare.spc import charts as spc_charts
    from dualcare.spc import rules as spc

    indices = _baseline_indices(weeks, baseline)
    # A recalculation from a week starts a new period there (plotthedots' rebase): the weeks
    # before it keep their own mean and limits, from all of them, and are judged against those;
    # the new period's limits come from the baseline's weeks. With fewer than 2 weeks before it
    # there is no earlier period to keep: the baseline's limits then apply from the first week.
    rebase = [indices[0]] if indices and indices[0] >= 2 else None
    chart.analysis = spc.analyse(values, improvement=definition.improvement, baseline=indices, rebase=rebase)
    is_xmr = chart.analysis.kind == "xmr"
    points = iter(enumerate(chart.analysis.points))
    chart.rows = []
    for row in rows:
        if row.value is not None and not row.suppressed:
            index, point = next(points)
            words = spc_charts.rules_in_words(chart.analysis, point.rules) if point.rules else ""
            period = chart.analysis.period_of(index) if is_xmr else None
            limits_text = ""
            if period is not None and chart.analysis.rebase:  # the tables show it only then
                lower, upper, _ = spc_charts.bounded_limits(
                    period.lower_limit, period.upper_limit, chart.value_range
                )
                mean, lower, upper = (format_value(level, "") for level in (period.mean, lower, upper))
                limits_text = f"{mean} ({lower} to {upper})"
            row = Row(
                week=row.week, value=row.value, n=row.n, point=point, period=period, rules_text=words,
                limits_text=limits_text,
            )  # fmt: skip
        chart.rows.append(row)
    chart.status, chart.summary = describe(chart.analysis, weeks)
    chart.baseline_text = _baseline_text(
        baseline, indices is not None, chart.analysis.kind, rebased=bool(is_xmr and rebase)
    )
    if not draw:
        return chart
    marks = _annotation_indices(weeks, annotations)
    where = f" for {scope_name}" if scope_name else ""
    chart.svg = spc_charts.svg(
        chart.analysis,
        title=f"{definition.title}{where}, by week",
        description=f"{definition.description} {chart.summary}",
        labels=[day_text(week) for week in weeks],
        unit=definition.unit,
        annotations=marks,
        value_range=chart.value_range,
        legend=legend,
    )
    return chart


# ---------------------------------------------------------------------------
# The analysed and drawn dashboards of identical inputs, remembered in the process

# Analysing and drawing thirty measures is most of a dashboard's time, and its inputs (the stored
# values, annotations, baselines, period) change at most every 15 minutes: a dashboard whose inputs
# hash the same as one worked out before is that one again. The stored values are keyed by when
# their weeks were last worked out (MeasureWeek.computed_at, one small query), so a dashboard seen
# before reads neither its values nor hashes them; annotations and baselines are read every time.
# Nothing shown can be older than the database; only the arithmetic is kept.
MEMO_SIZE = 16
_memo: OrderedDict[str, object] = OrderedDict()
_memo_lock = threading.Lock()


def _memo_key(*inputs) -> str:
    return hashlib.sha256(repr(inputs).encode()).hexdigest()


def _definitions_key(definitions: dict) -> list:
    return sorted(definitions.items())


def _sorted_cells(values: dict) -> list:
    return sorted(
        (key, str(group), week, cell.value, type(cell.value).__name__, cell.n)
        for key, cells in values.items()
        for (group, week), cell in cells.items()
    )


def memo_clear() -> None:
    """Forget every dashboard worked out in this process (for tests comparing two ways of working
    the same figures out, which the memo would otherwise take for the same dashboard)."""
    with _memo_lock:
        _memo.clear()


def _remembered(key: str, work):
    """``work()``, or what it gave for the same key. Shared, so read only: the views set only the
    charts' URLs on it, which the key (scope, period) decides."""
    with _memo_lock:
        kept = _memo.get(key)
        if kept is not None:
            _memo.move_to_end(key)
            return kept
    result = work()
    with _memo_lock:
        _memo[key] = result
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return result


# ---------------------------------------------------------------------------
# A dashboard


@dataclass
class Group:
    heading: str
    charts: list[MeasureChart]
    drawn: bool = True  # the section shown in full, charts and tables; else each measure in words

    @property
    def slug(self) -> str:
        return section_slug(self.heading)

    @property
    def mentions_honos(self) -> bool:
        return any(chart.mentions_honos for chart in self.charts)


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    groups: list[Group]
    annotations: list[Annotation]
    # What the views made of it that depends on nothing else (the page's sections), kept with it
    # in the memo.
    rendered: dict = field(default_factory=dict)

    @property
    def charts(self) -> list[MeasureChart]:
        return [chart for group in self.groups for chart in group.charts]


def section_slug(heading: str) -> str:
    return slugify(heading)


def sections() -> list[str]:
    """The slugs of the dashboards' sections (one per capability heading), in reading order: a
    dashboard draws one section's charts at a time, and says every measure's status in words."""
    headings = {definition.capability for definition in measures.definitions().values()}
    order = {heading: i for i, heading in enumerate(HEADINGS)}
    return [section_slug(h) for h in sorted(headings, key=lambda h: (order.get(h, len(HEADINGS)), h))]


def _ordered_groups(charts: Iterable[MeasureChart], section: str | None = None) -> list[Group]:
    by_heading: dict[str, list[MeasureChart]] = {}
    for chart in charts:
        by_heading.setdefault(chart.definition.capability, []).append(chart)
    order = {heading: i for i, heading in enumerate(HEADINGS)}
    headings = sorted(by_heading, key=lambda h: (order.get(h, len(HEADINGS)), h))
    return [
        Group(heading=h, charts=by_heading[h], drawn=section is None or section_slug(h) == section)
        for h in headings
    ]


def scope_annotations(scope: Scope, period: Period) -> list[Annotation]:
    """The scope's annotations dated in the period: a team's own and its organisation's; on an
    organisation's dashboard, the organisation-wide ones. One query."""
    where = Q(organisation=scope.organisation, team__isnull=True)
    if scope.team is not None:
        where |= Q(team=scope.team)
    return list(
        Annotation.objects.filter(where, date__gte=period.first, date__lte=period.ends)
        .select_related("created_by", "team")
        .order_by("date", "created_at")
    )


def baselines_in_force(scope: Scope, keys: Iterable[str] | None = None) -> dict[str, Baseline]:
    """The latest baseline of each measure of the scope. One query."""
    rows = Baseline.objects.filter(organisation=scope.organisation, team=scope.team).select_related(
        "created_by"
    )
    if keys is not None:
        rows = rows.filter(measure_key__in=list(keys))
    latest: dict[str, Baseline] = {}
    for baseline in rows.order_by("measure_key", "-created_at"):
        latest.setdefault(baseline.measure_key, baseline)
    return latest


def _cells_by_week(values: dict, group_key=None) -> dict[dt.date, Cell]:
    return {week: cell for (key, week), cell in values.items() if key == group_key}


def stored_weeks(period: Period, *, locality_key: UUID | None = None) -> dict[dt.date, dt.datetime]:
    """The weeks of the period the beat has stored (for the locality: over these teams), each with
    when it was last worked out. One query. A dashboard's stored figures change only when one of
    these times does, so they key the memo (:func:`_remembered`) instead of the figures themselves."""
    rows = MeasureWeek.objects.filter(week__gte=period.first, week__lte=period.last)
    if locality_key is not None:
        rows = rows.filter(locality_key=locality_key)
    return dict(rows.values_list("week", "computed_at"))


def _complete(period: Period, weeks: dict) -> bool:
    return all(week in weeks for week in period.mondays)


def stored_measures(
    scope: Scope, period: Period, *, only: str | None = None, weeks: dict | None = None
) -> dict:
    """The scope's weekly measures over the period, as :func:`measures.collect` gives them, read
    from the values the beat stored (services.weekly_values_refresh): two queries (one when the
    stored ``weeks`` are given), whatever the number of records behind them.

    Weeks the beat has not stored yet (a new installation, before its first run) are worked out
    from the records for this request instead, so a dashboard never shows a stored week as empty
    when it is only missing."""
    stored = set(stored_weeks(period) if weeks is None else weeks)
    rows = WeeklyValue.objects.filter(
        scope_kind=scope.kind, scope_id=scope.pk, week__gte=period.first, week__lte=period.last
    )
    if only is not None:
        rows = rows.filter(measure_key=only)
    result: dict[str, dict] = {}
    for key, week, value, is_whole, n in rows.values_list("measure_key", "week", "value", "is_whole", "n"):
        if week in stored:
            result.setdefault(key, {})[(None, week)] = Cell(int(value) if is_whole else value, n)
    missing = [week for week in period.mondays if week not in stored]
    if missing:
        live = measures.collect(scope.team_ids(), min(missing), max(missing))
        for key, cells in live.items():
            for (group_key, week), cell in cells.items():
                if week not in stored:
                    result.setdefault(key, {})[(group_key, week)] = cell
    return result


@on_replica
def dashboard(
    scope: Scope,
    period: Period,
    *,
    only: str | None = None,
    legend: bool = True,
    draw: bool = True,
    section: str | None = None,
) -> Dashboard:
    """Every measure (or only one) of the scope over the period, with annotations and baselines.
    Without ``legend`` the charts leave theirs out (a page or PDF of many charts draws one key for
    all); without ``draw`` no chart is drawn (the CSV and the API give the figures only); with a
    ``section`` only the charts of that section (see :func:`sections`) are drawn, every measure
    still analysed."""
    every = measures.definitions()
    definitions = {only: every[only]} if only is not None else every
    weeks = stored_weeks(period)
    collected = None
    if _complete(period, weeks):
        # Every week stored: the figures are those of the weeks' last working out.
        figures = ("stored", sorted(weeks.items()))
    else:  # some worked out for this request: the figures themselves
        collected = stored_measures(scope, period, only=only, weeks=weeks)
        figures = ("cells", _sorted_cells(collected))
    annotations = scope_annotations(scope, period)
    for annotation in annotations:
        known = every.get(annotation.measure_key)
        annotation.measure_title = known.title if known else annotation.measure_key
    baselines = baselines_in_force(scope, definitions if only else None)
    key = _memo_key(
        "dashboard",
        scope.kind,
        scope.pk,
        scope.name,
        period,
        only,
        legend,
        draw,
        section,
        _definitions_key(definitions),
        figures,
        [(a.pk, a.date, a.text, a.measure_key, a.team_id, a.created_by.display_name) for a in annotations],
        sorted(
            (k, b.pk, b.first_week, b.last_week, b.reason, b.created_at, b.created_by.display_name)
            for k, b in baselines.items()
        ),
        timezone.localdate(),  # "set on ..." is said in local dates
    )

    def work() -> Dashboard:
        values = (
            collected if collected is not None else stored_measures(scope, period, only=only, weeks=weeks)
        )
        return _dashboard(scope, period, definitions, values, annotations, baselines, legend, draw, section)

    return _remembered(key, work)


def _dashboard(
    scope, period, definitions, collected, annotations, baselines, legend, draw, section
) -> Dashboard:
    charts = []
    for key, definition in definitions.items():
        charts.append(
            measure_chart(
                definition,
                _cells_by_week(collected.get(key, {})),
                period=period,
                baseline=baselines.get(key),
                annotations=[a for a in annotations if a.measure_key in ("", key)],
                scope_name=scope.name,
                legend=legend,
                draw=draw and (section is None or section_slug(definition.capability) == section),
            )
        )
    return Dashboard(
        scope=scope, period=period, groups=_ordered_groups(charts, section), annotations=annotations
    )


# ---------------------------------------------------------------------------
# The locality: de-identified aggregates across participating organisations


@dataclass
class LocalityCell:
    value: float | None
    n: int | None
    suppressed: bool = False


@dataclass
class LocalityWeek:
    week: dt.date
    cells: list[LocalityCell | None]  # one per organisation, None when it had nothing to measure
    total: LocalityCell | None

    @property
    def week_text(self) -> str:
        return day_text(self.week)


@dataclass
class LocalityMeasure:
    definition: MeasureDef
    weeks: list[LocalityWeek]
    chart: MeasureChart

    def format(self, value) -> str:
        return format_value(value, self.definition.unit)

    @property
    def recent_weeks(self) -> list[LocalityWeek]:
        """The latest weeks, for the page: every week is in the CSV."""
        return self.weeks[-RECENT_WEEKS:]


@dataclass
class Locality:
    period: Period
    organisations: list[Organisation]
    groups: list[tuple[str, list[LocalityMeasure]]]
    section: str | None = None  # the section whose charts and tables are drawn (None: all)
    # What the views made of it that depends on nothing else (the page's sections, by their URLs'
    # query; the API's answer, by section), kept with it in the memo.
    rendered: dict = field(default_factory=dict)

    @property
    def measures(self) -> list[LocalityMeasure]:
        return [m for _, ms in self.groups for m in ms]


def suppress_row(cells: list[Cell | None], total: Cell | None) -> tuple[set[int], bool]:
    """Which cells of one week's row (organisations, then the total) to hide.

    Primary suppression: any cell worked out from 1 to 4 people. Complementary suppression, so
    no hidden cell can be worked out by subtracting the shown ones from the total: while the
    hidden organisation cells are fewer than 2 or together count fewer than 5 people, hide the
    next smallest shown organisation cell too; when there is none left to hide, hide the total.
    (Totals count each person once, so subtraction is at best an estimate; hiding enough keeps
    even that estimate from pointing at fewer than 5 people.) Returns (hidden indices, total hidden).
    """
    hidden = {i for i, cell in enumerate(cells) if cell is not None and 0 < cell.n < SMALL_NUMBER}
    total_hidden = total is not None and 0 < total.n < SMALL_NUMBER
    if hidden and not total_hidden:
        shown = sorted(
            (cell.n, i) for i, cell in enumerate(cells) if cell is not None and cell.n > 0 and i not in hidden
        )
        while len(hidden) < 2 or sum(cells[i].n for i in hidden) < SMALL_NUMBER:
            if not shown:
                total_hidden = True
                break
            hidden.add(shown.pop(0)[1])
    return hidden, total_hidden


def locality_team_ids() -> list[UUID]:
    """The teams the locality is worked out over: every team that works with service users (an
    organisation takes part when it has one: access.dashboards_participating_organisations)."""
    return list(Team.objects.filter(works_with_people=True).order_by("pk").values_list("pk", flat=True))


def locality_key(team_ids: Iterable[UUID]) -> UUID:
    """The id the locality's stored figures are kept under for this set of teams: the totals
    count each person once across them, so they hold for this set only."""
    return uuid.uuid5(LOCALITY_NAMESPACE, ",".join(sorted(str(pk) for pk in team_ids)))


LOCALITY_NAMESPACE = uuid.UUID("5b0c3d55-51b1-4c1e-9d0e-6c0b6f1f7a11")


def stored_locality(team_ids: list[UUID], period: Period, *, weeks: dict | None = None) -> tuple[dict, dict]:
    """The locality's measures over the period, per organisation and in total, as
    :func:`measures.collect` gives them (group "organisation" and "all"), read from the values the
    beat stored: two queries (one when the stored ``weeks`` are given). Weeks not stored for this set
    of teams are worked out for the request."""
    key = locality_key(team_ids)
    stored = set(stored_weeks(period, locality_key=key) if weeks is None else weeks)
    kinds = WeeklyValue.ScopeKind
    rows = WeeklyValue.objects.filter(
        Q(scope_kind=kinds.LOCALITY_ORGANISATION) | Q(scope_kind=kinds.LOCALITY, scope_id=key),
        week__gte=period.first,
        week__lte=period.last,
    ).values_list("scope_kind", "scope_id", "measure_key", "week", "value", "is_whole", "n")
    per_org: dict[str, dict] = {}
    totals: dict[str, dict] = {}
    for kind, scope_id, measure_key, week, value, is_whole, n in rows:
        if week not in stored:
            continue
        cell = Cell(int(value) if is_whole else value, n)
        if kind == kinds.LOCALITY:
            totals.setdefault(measure_key, {})[(None, week)] = cell
        else:
            per_org.setdefault(measure_key, {})[(scope_id, week)] = cell
    missing = [week for week in period.mondays if week not in stored]
    if missing:
        for group, into in (("organisation", per_org), ("all", totals)):
            for measure_key, cells in measures.collect(
                team_ids, min(missing), max(missing), group=group
            ).items():
                for (group_key, week), cell in cells.items():
                    if week not in stored:
                        into.setdefault(measure_key, {})[(group_key, week)] = cell
    return per_org, totals


@on_replica
def locality(
    period: Period, *, legend: bool = True, draw: bool = True, section: str | None = None
) -> Locality:
    """Each measure, per participating organisation and in total, week by week; cells from fewer
    than 5 people (of a measure that counts people) suppressed, with complementary cells."""
    organisations = list(dashboards_participating_organisations())
    team_ids = locality_team_ids()
    the_key = locality_key(team_ids)
    weeks = stored_weeks(period, locality_key=the_key)
    stored = None
    if _complete(period, weeks):  # as the dashboards: keyed on when the stored weeks were worked out
        figures = ("stored", the_key, sorted(weeks.items()))
    else:
        stored = stored_locality(team_ids, period, weeks=weeks)
        figures = ("cells", _sorted_cells(stored[0]), _sorted_cells(stored[1]))
    key = _memo_key(
        "locality",
        [(o.pk, o.name) for o in organisations],
        period,
        legend,
        draw,
        section,
        _definitions_key(measures.definitions()),
        figures,
    )

    def work() -> Locality:
        per_org, totals = stored if stored is not None else stored_locality(team_ids, period, weeks=weeks)
        return _locality(period, organisations, per_org, totals, legend=legend, draw=draw, section=section)

    return _remembered(key, work)


def _locality(period, organisations, per_org, totals, *, legend, draw, section) -> Locality:
    result = []
    for key, definition in measures.definitions().items():
        org_values, total_values = per_org.get(key, {}), totals.get(key, {})
        weeks, hidden_totals = [], []
        for week in period.mondays:
            cells = [org_values.get((o.pk, week)) for o in organisations]
            total = total_values.get((None, week))
            if total is None and not any(cells):
                continue
            hidden, total_hidden = suppress_row(cells, total) if definition.counts_people else (set(), False)
            row_cells = [
                None
                if cell is None
                else LocalityCell(None, None, True)
                if i in hidden
                else LocalityCell(cell.value, cell.n)
                for i, cell in enumerate(cells)
            ]
            if total is None:
                total_cell = None
            elif total_hidden:
                total_cell = LocalityCell(None, None, True)
                hidden_totals.append(week)
            else:
                total_cell = LocalityCell(total.value, total.n)
            weeks.append(LocalityWeek(week=week, cells=row_cells, total=total_cell))
        chart = measure_chart(
            definition,
            _cells_by_week(total_values),
            period=period,
            suppressed=hidden_totals,
            scope_name="all participating organisations",
            legend=legend,
            draw=draw and (section is None or section_slug(definition.capability) == section),
        )
        result.append(LocalityMeasure(definition=definition, weeks=weeks, chart=chart))
    groups: dict[str, list[LocalityMeasure]] = {}
    for item in result:
        groups.setdefault(item.definition.capability, []).append(item)
    order = {heading: i for i, heading in enumerate(HEADINGS)}
    ordered = sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(HEADINGS)), kv[0]))
    return Locality(period=period, organisations=organisations, groups=ordered, section=section)
