"""Statistical process control: run charts and XmR charts, as pure functions.

The rules are those of CLINICAL.md "SPC" (NHS England "Making Data Count"; IHI run-chart
rules from Perla, Provost & Murray, BMJ Qual Saf 2011;20:46-51). Where a rule leaves a
choice open, the choice is written beside the code that makes it.

XmR charts follow NHSRplotthedots (the NHS-R Community's implementation of Making Data
Count), R/ptd_spc_standard.R and R/ptd_calculate_point_type.R:

- **periods** (plotthedots' ``rebase``): a recalculation starts a new period at a point; each
  period has its own mean, moving ranges (the first point of a period has none: mR is
  never taken across a recalculation) and limits, and every rule below runs within one
  period only (plotthedots groups by ``rebase_group`` for both the limits and the point
  types). The chart's top-level figures are those of the last period;
- limits are mean ± 2.66 × mean(mR) and the near-limit zone starts at mean ± (2/3 × 2.66) ×
  mean(mR), both from the period's baseline points only (``fix_after_n_points``, applied
  within each period in plotthedots), then applied to every point of that period. A fixed
  baseline without recalculations is one period: its limits apply to every point;
- optional screening drops moving ranges at or above 3.267 × mean(mR) and recalculates the
  mean moving range (the mean itself is not changed);
- a **trend** is 7 *points* (6 increases or 6 decreases in a row): plotthedots'
  ``ptd_seven_point_trend`` looks at ``sign(diff(y[i - 0:6]))``, 7 points and 6 differences.
  A tie has sign 0 and breaks it. Every point of the run is flagged;
- a **shift** is 7 points in a row on one side of the mean; a point on the mean has sign 0
  and breaks it. Every point of the run is flagged;
- **two of three**: in any 3 consecutive points, all three on the same side of the mean and
  at least two of them in the near-limit zone (beyond the near limit but *not* outside the
  process limit — plotthedots' ``close_to_limits``). Only the points in the zone are flagged,
  not the third point (plotthedots' ``ptd_part_of_two_in_three``);
- **outside the limits** is flagged whatever side of the mean the point is on, its direction
  that of the limit it is beyond (above the upper: up; below the lower: down);
- sides of the mean are decided by exact comparison, with an absolute tolerance of a few
  units in the last place of the largest value (``_tolerance``): the rounding a mean of those
  values can carry, and nothing more. A relative tolerance on the difference from the mean
  (as before) called a point 0.009 above a mean of ten million "on the mean", and a point
  outside limits 0.005 wide went unflagged. Rises and falls compare the values themselves,
  exactly: they are data, not arithmetic;
- a point's direction (for improvement or concern) is taken from the first rule it breaks in
  the order outside limits, trend, two of three, shift (plotthedots' ``case_when`` order).

**Where we differ from plotthedots, deliberately**: a point's trend direction. plotthedots
(``ptd_special_cause_type``) gives a point in a trend the direction of its step to the next
point whenever that next point is in a trend too ("use right side"), else of its step from
the previous one. At a turning point shared by a rising and a falling trend that is the
later trend, as here. But where two trends meet without sharing a point (7 rising, a drop,
7 rising again), plotthedots calls the top of the first rising trend "decreasing" (its step
to the next point is the drop); we give every point of a trend the direction of the trend
it belongs to, and a point in two trends the later one's.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

MIN_POINTS_FOR_XMR = 15
RULES_XMR = ("outside_limits", "shift", "trend", "two_of_three")
RULES_RUN = ("shift", "trend", "runs", "astronomical")
IMPROVEMENTS = ("up", "down", "neither")
VARIATIONS = ("improvement", "concern", "neither", "common")

LIMIT_FACTOR = 2.66  # 3 / d2 for moving ranges of 2 points (d2 = 1.128)
NEAR_LIMIT_FACTOR = 2 / 3 * LIMIT_FACTOR
SCREEN_FACTOR = 3.267  # D4 for moving ranges of 2 points: the upper limit of the mR chart
XMR_SHIFT = 7
XMR_TREND = 7  # points, i.e. 6 increases or 6 decreases
RUN_SHIFT = 6
RUN_TREND = 5  # points, i.e. 4 increases or 4 decreases (equal neighbours ignored)
RUNS_MIN_USEFUL = 10  # Perla et al.'s table of runs starts at 10 useful observations
RUNS_TAIL = 0.025  # each tail of the exact Swed & Eisenhart runs test (5 % in all)
ASTRONOMICAL_IQR = 3.0  # Tukey's "far out" fences: beyond Q1 - 3 IQR or Q3 + 3 IQR
ASTRONOMICAL_MIN_POINTS = 5


@dataclass(frozen=True)
class Point:
    value: float
    special_cause: bool
    rules: tuple[str, ...]  # the rules this point broke, in RULES_XMR / RULES_RUN order
    variation: str  # "improvement", "concern", "neither" (special cause, no direction) or "common"


@dataclass(frozen=True)
class Period:
    """A stretch of an XmR chart with its own mean and limits: points [start, end)."""

    start: int
    end: int
    baseline: tuple[int, int]  # [first, last) within the period: the points its limits come from
    mean: float
    upper_limit: float
    lower_limit: float
    upper_near: float
    lower_near: float
    mean_moving_range: float


@dataclass(frozen=True)
class XmR:
    kind: ClassVar[str] = "xmr"
    improvement: str
    mean: float
    upper_limit: float
    lower_limit: float
    upper_near: float
    lower_near: float
    mean_moving_range: float
    baseline: tuple[int, int]  # [first, last) indices of the points the limits come from
    points: tuple[Point, ...]
    screened: bool = False  # whether large moving ranges were screened out
    periods: tuple[Period, ...] = ()  # one, or one per recalculation (rebase) and the first

    def period_of(self, index: int) -> Period:
        """The period point ``index`` is in: its mean and limits are the ones in force for it."""
        return next(period for period in self.periods if period.start <= index < period.end)

    @property
    def rebase(self) -> tuple[int, ...]:
        """The indices where a recalculation started a new period (none for one period)."""
        return tuple(period.start for period in self.periods[1:])


@dataclass(frozen=True)
class RunChart:
    kind: ClassVar[str] = "run"
    improvement: str
    median: float
    points: tuple[Point, ...]
    runs: int
    useful_observations: int
    runs_signal: str | None  # "too_few" | "too_many" | None


# -- validation ------------------------------------------------------------------------


def _clean(values: Sequence[float], *, minimum: int) -> list[float]:
    if isinstance(values, (str, bytes)):
        raise ValueError("Values must be a list of numbers, not text.")
    cleaned = []
    for position, value in enumerate(values, start=1):
        if isinstance(value, bool):
            raise ValueError(f"Value {position} is not a number.")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"Value {position} is not a number.") from None
        if not math.isfinite(number):
            raise ValueError(f"Value {position} is not a finite number.")
        cleaned.append(number)
    if len(cleaned) < minimum:
        needed = "At least 1 value is needed" if minimum == 1 else f"At least {minimum} values are needed"
        raise ValueError(f"{needed}; {len(cleaned)} given.")
    return cleaned


def _check_improvement(improvement: str) -> None:
    if improvement not in IMPROVEMENTS:
        raise ValueError(f"Improvement must be one of {', '.join(IMPROVEMENTS)}.")


def _check_baseline(baseline: tuple[int, int] | None, count: int) -> tuple[int, int]:
    if baseline is None:
        return (0, count)
    message = "Baseline must be two point numbers: the first and the last (not included)."
    try:
        if len(baseline) != 2:
            raise ValueError(message)
        first, last = (int(baseline[0]), int(baseline[1]))
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not 0 <= first < last <= count:
        raise ValueError(f"Baseline must lie within the {count} points (0 ≤ first < last ≤ {count}).")
    if last - first < 2:
        raise ValueError("Baseline must cover at least 2 points.")
    return (first, last)


def _check_rebase(rebase: Sequence[int] | None, count: int) -> list[int]:
    """The sorted starts of the periods after the first (0 itself starts the first: ignored)."""
    if not rebase:
        return []
    message = "Recalculations must be a list of point numbers (from 0) where a new period starts."
    if isinstance(rebase, (str, bytes)):
        raise ValueError(message)
    starts = set()
    for index in rebase:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(message)
        if not 0 <= index < count:
            raise ValueError(f"A recalculation must start at a point from 0 to {count - 1}; {index} given.")
        if index:
            starts.add(index)
    bounds = [0, *sorted(starts), count]
    for begin, end in zip(bounds, bounds[1:], strict=False):
        if end - begin < 2:
            raise ValueError(
                f"Each period needs at least 2 points: the one from point {begin} has {end - begin}."
            )
    return sorted(starts)


# -- helpers shared by both charts ------------------------------------------------------


def _tolerance(values: Sequence[float]) -> float:
    """The rounding a mean or median of ``values`` can carry: a few units in the last place of
    the largest of them (an absolute tolerance from the data's scale, never relative to the
    difference being judged)."""
    return 8 * math.ulp(max((abs(v) for v in values), default=0.0))


def _side(value: float, centre: float, tolerance: float = 0.0) -> int:
    """+1 above the centre line, -1 below, 0 on it (within ``tolerance``: see _tolerance)."""
    if abs(value - centre) <= tolerance:
        return 0
    return 1 if value > centre else -1


def _step(before: float, after: float) -> int:
    # values are data: equal means equal, and a rise of a millionth is a rise
    if after == before:
        return 0
    return 1 if after > before else -1


def _mark_sides(sides: Sequence[int], length: int, *, skip_zero: bool) -> list[int]:
    """Direction (+1/-1) of every point in a run of ``length`` or more on one side, else 0.

    A zero side (on the centre line) breaks the run, or, with ``skip_zero``, neither counts
    nor breaks it (IHI run charts); skipped points are not flagged.
    """
    marks = [0] * len(sides)
    run_side, run_members = 0, []

    def close_run():
        if run_side and len(run_members) >= length:
            for index in run_members:
                marks[index] = run_side

    for index, side in enumerate(sides):
        if side == 0:
            if skip_zero:
                continue
            close_run()
            run_side, run_members = 0, []
        elif side == run_side:
            run_members.append(index)
        else:
            close_run()
            run_side, run_members = side, [index]
    close_run()
    return marks


def _mark_trends(values: Sequence[float], length: int, *, skip_ties: bool) -> list[int]:
    """Direction (+1 rising/-1 falling) of every point in a trend of ``length`` points, else 0.

    Without ``skip_ties`` a tie ends the trend (Making Data Count). With it, equal
    neighbours are one point for counting (IHI: "if the value of two or more successive
    points is the same, ignore the like points when counting") but all are flagged.
    """
    marks = [0] * len(values)
    # groups of consecutive indices counted as one point
    groups: list[list[int]] = []
    for index, value in enumerate(values):
        if skip_ties and groups and _step(values[groups[-1][0]], value) == 0:
            groups[-1].append(index)
        else:
            groups.append([index])
    steps = [_step(values[a[0]], values[b[0]]) for a, b in zip(groups, groups[1:], strict=False)]
    i = 0
    while i < len(steps):
        if steps[i] == 0:
            i += 1
            continue
        j = i  # steps i..j all go the same way: groups i..j+1 form the stretch
        while j + 1 < len(steps) and steps[j + 1] == steps[i]:
            j += 1
        if j - i + 2 >= length:
            for group in groups[i : j + 2]:
                for index in group:
                    # the later trend wins at a point in two (as plotthedots at a shared turning
                    # point; where trends meet without sharing one we differ: module docstring)
                    marks[index] = steps[i]
        i = j + 1
    return marks


def _variation(direction: int, improvement: str) -> str:
    if improvement == "neither":
        return "neither"
    good = 1 if improvement == "up" else -1
    return "improvement" if direction == good else "concern"


# -- XmR --------------------------------------------------------------------------------


def _period_figures(
    ys: Sequence[float], start: int, end: int, window: tuple[int, int], screen: bool
) -> Period:
    """A period's mean and limits from its baseline window (indices into ``ys``); moving ranges
    are taken within the window only, never across the period's start."""
    base = ys[window[0] : window[1]]
    mean = statistics.fmean(base)
    moving_ranges = [abs(b - a) for a, b in zip(base, base[1:], strict=False)]
    mean_mr = statistics.fmean(moving_ranges)
    if screen:
        kept = [mr for mr in moving_ranges if mr < SCREEN_FACTOR * mean_mr]
        mean_mr = statistics.fmean(kept) if kept else mean_mr
    return Period(
        start=start,
        end=end,
        baseline=window,
        mean=mean,
        upper_limit=mean + LIMIT_FACTOR * mean_mr,
        lower_limit=mean - LIMIT_FACTOR * mean_mr,
        upper_near=mean + NEAR_LIMIT_FACTOR * mean_mr,
        lower_near=mean - NEAR_LIMIT_FACTOR * mean_mr,
        mean_moving_range=mean_mr,
    )


def _period_points(ys: Sequence[float], period: Period, improvement: str, tolerance: float) -> list[Point]:
    """The rules run within one period, against its own mean and limits."""
    mean, upper, lower = period.mean, period.upper_limit, period.lower_limit
    sides = [_side(y, mean, tolerance) for y in ys]
    # beyond a limit is outside whatever the side of the mean (a limit on the mean: mR 0)
    outside = [1 if y > upper else -1 if y < lower else 0 for y in ys]
    near = [
        not out and (y > period.upper_near or y < period.lower_near)
        for y, out in zip(ys, outside, strict=True)
    ]

    two_of_three = [0] * len(ys)
    for i in range(len(ys) - 2):
        window = range(i, i + 3)
        window_sides = {sides[j] for j in window}
        if len(window_sides) == 1 and 0 not in window_sides and sum(near[j] for j in window) >= 2:
            for j in window:
                if near[j]:
                    two_of_three[j] = sides[j]
    shift = _mark_sides(sides, XMR_SHIFT, skip_zero=False)
    trend = _mark_trends(ys, XMR_TREND, skip_ties=False)

    points = []
    for i, y in enumerate(ys):
        broken = {
            "outside_limits": outside[i],
            "shift": shift[i],
            "trend": trend[i],
            "two_of_three": two_of_three[i],
        }
        rules = tuple(name for name in RULES_XMR if broken[name])
        direction = next(
            (broken[name] for name in ("outside_limits", "trend", "two_of_three", "shift") if broken[name]),
            0,
        )
        points.append(
            Point(
                value=y,
                special_cause=bool(rules),
                rules=rules,
                variation=_variation(direction, improvement) if rules else "common",
            )
        )
    return points


def xmr(
    values: Sequence[float],
    *,
    improvement: str,
    baseline: tuple[int, int] | None = None,
    rebase: Sequence[int] | None = None,
    screen_moving_ranges: bool = False,
) -> XmR:
    """An XmR chart with Making Data Count special-cause rules (see the module docstring).

    ``rebase``: the indices (from 0) where a recalculation starts a new period, each period
    with its own mean and limits and its own rules (plotthedots' ``rebase``). ``baseline``
    [first, last): the points the limits come from; without ``rebase`` they apply to every
    point (a fixed baseline, plotthedots' ``fix_after_n_points`` when first is 0); with it, the
    baseline must lie within one period and sets that period's limits only.
    """
    _check_improvement(improvement)
    ys = _clean(values, minimum=2)
    starts = _check_rebase(rebase, len(ys))
    bounds = [0, *starts, len(ys)]
    spans = list(zip(bounds, bounds[1:], strict=False))
    windows = {span: span for span in spans}
    if baseline is not None:
        first, last = _check_baseline(baseline, len(ys))
        span = next((s for s in spans if s[0] <= first and last <= s[1]), None)
        if span is None:
            raise ValueError("Baseline must lie within one period: a recalculation falls inside it.")
        windows[span] = (first, last)
    tolerance = _tolerance(ys)
    periods = []
    points: list[Point] = []
    for start, end in spans:
        period = _period_figures(ys, start, end, windows[(start, end)], screen_moving_ranges)
        periods.append(period)
        points += _period_points(ys[start:end], period, improvement, tolerance)
    last_period = periods[-1]
    return XmR(
        improvement=improvement,
        mean=last_period.mean,
        upper_limit=last_period.upper_limit,
        lower_limit=last_period.lower_limit,
        upper_near=last_period.upper_near,
        lower_near=last_period.lower_near,
        mean_moving_range=last_period.mean_moving_range,
        baseline=last_period.baseline,
        points=tuple(points),
        screened=screen_moving_ranges,
        periods=tuple(periods),
    )


# -- run charts ---------------------------------------------------------------------------


def _log_comb(n: int, k: int) -> float:
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _runs_cdf(runs: int, above: int, below: int) -> tuple[float, float]:
    """P(R <= runs) and P(R >= runs) for the number of runs of ``above`` + ``below`` points
    in random order (Swed & Eisenhart 1943, the distribution Perla et al.'s table comes from).
    Worked in logarithms so that long series cost microseconds, not big-integer arithmetic.
    """
    log_total = _log_comb(above + below, above)

    def probability(r: int) -> float:
        if r < 2:
            return 0.0
        if r % 2 == 0:
            k = r // 2
            logs = [math.log(2) + _log_comb(above - 1, k - 1) + _log_comb(below - 1, k - 1)]
        else:
            k = (r - 1) // 2
            logs = [
                _log_comb(above - 1, k) + _log_comb(below - 1, k - 1),
                _log_comb(above - 1, k - 1) + _log_comb(below - 1, k),
            ]
        return sum(math.exp(log - log_total) for log in logs if log > -math.inf)

    most = 2 * min(above, below) + (1 if above != below else 0)
    below_runs = math.fsum(probability(r) for r in range(2, min(runs, most) + 1))
    above_runs = math.fsum(probability(r) for r in range(max(runs, 2), most + 1))
    return below_runs, above_runs


def runs_signal(runs: int, above: int, below: int) -> str | None:
    """ "too_few", "too_many" or None for ``runs`` runs of ``above`` and ``below`` points.

    Perla, Provost & Murray's table (2011, table 1) gives, for 10 to 60 useful observations,
    the fewest and most runs expected by chance, from the Swed & Eisenhart (1943) runs test
    at a 5 % risk. We do not copy the printed table (it could not be checked against the
    paper here); we compute that test exactly, 2.5 % in each tail, from the actual counts
    above and below the median: too few when P(R <= runs) <= 0.025, too many when
    P(R >= runs) <= 0.025. For 10 observations split 5/5 that is too few below 3 and too many
    above 9, as in the table; it stays exact when the split is uneven and beyond 60 points.
    With fewer than 10 useful observations (points not on the median) there is no signal,
    as in the table.
    """
    if above + below < RUNS_MIN_USEFUL or not above or not below:
        return None
    at_most, at_least = _runs_cdf(runs, above, below)
    if at_most <= RUNS_TAIL:
        return "too_few"
    if at_least <= RUNS_TAIL:
        return "too_many"
    return None


def run_chart(values: Sequence[float], *, improvement: str) -> RunChart:
    """A run chart on the median with the IHI rules (Perla, Provost & Murray 2011).

    - shift: 6 or more points in a row on one side of the median; points on the median
      neither count nor break it and are not flagged;
    - trend: 5 or more points all rising or all falling; equal neighbours count as one point
      and neither make nor break the trend (they are flagged with it);
    - runs: too few or too many crossings of the median, reported for the chart
      (``runs_signal``), not on points: it is a property of the whole series;
    - astronomical point: IHI leaves this to judgement ("an obviously different value").
      We operationalise it as Tukey's far-out fences: below Q1 − 3 × IQR or above
      Q3 + 3 × IQR (quartiles by the inclusive method), only with 5 or more points and a
      non-zero IQR. Not the XmR limits: a run chart makes no assumption of that kind.
    """
    _check_improvement(improvement)
    ys = _clean(values, minimum=1)
    median = statistics.median(ys)
    sides = [_side(y, median, _tolerance(ys)) for y in ys]

    useful = [s for s in sides if s]
    runs = sum(1 for a, b in zip(useful, useful[1:], strict=False) if a != b) + (1 if useful else 0)
    signal = runs_signal(runs, useful.count(1), useful.count(-1))

    shift = _mark_sides(sides, RUN_SHIFT, skip_zero=True)
    trend = _mark_trends(ys, RUN_TREND, skip_ties=True)
    astronomical = [0] * len(ys)
    if len(ys) >= ASTRONOMICAL_MIN_POINTS:
        q1, _, q3 = statistics.quantiles(ys, n=4, method="inclusive")
        iqr = q3 - q1
        if iqr > 0:
            low, high = q1 - ASTRONOMICAL_IQR * iqr, q3 + ASTRONOMICAL_IQR * iqr
            astronomical = [1 if y > high else -1 if y < low else 0 for y in ys]

    points = []
    for i, y in enumerate(ys):
        broken = {"shift": shift[i], "trend": trend[i], "runs": 0, "astronomical": astronomical[i]}
        rules = tuple(name for name in RULES_RUN if broken[name])
        direction = next((broken[name] for name in ("astronomical", "trend", "shift") if broken[name]), 0)
        points.append(
            Point(
                value=y,
                special_cause=bool(rules),
                rules=rules,
                variation=_variation(direction, improvement) if rules else "common",
            )
        )
    return RunChart(
        improvement=improvement,
        median=median,
        points=tuple(points),
        runs=runs,
        useful_observations=len(useful),
        runs_signal=signal,
    )


def analyse(
    values: Sequence[float],
    *,
    improvement: str,
    baseline: tuple[int, int] | None = None,
    rebase: Sequence[int] | None = None,
) -> XmR | RunChart:
    """A run chart while there are fewer than MIN_POINTS_FOR_XMR points, then an XmR chart.

    ``baseline`` and ``rebase`` apply to XmR charts only (a run chart's median is over every
    point).
    Raises ValueError for no values, a value that is not a finite number, or a bad
    ``improvement``.
    """
    if len(values) < MIN_POINTS_FOR_XMR:
        return run_chart(values, improvement=improvement)
    return xmr(values, improvement=improvement, baseline=baseline, rebase=rebase)
