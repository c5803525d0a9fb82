"""SPC rules against worked examples computed by hand (CLINICAL.md "SPC").

Each example gives the arithmetic in a comment, so a reader can check it without the code.
"""

import math

import pytest

from dualcare.spc import rules
from dualcare.spc.rules import analyse, run_chart, runs_signal, xmr


def flagged(analysis, rule):
    return [i for i, point in enumerate(analysis.points) if rule in point.rules]


def special(analysis):
    return [i for i, point in enumerate(analysis.points) if point.special_cause]


# Two points far from the mean, one each side, among points ON the mean (which cannot make a
# shift), spaced so that neither makes a trend.
#   n = 12, sum = 10 × 12 + 30 − 6 = 144, mean = 12
#   mR: 0,0,18,18,0,0,0,18,18,0,0 → sum 72 over 11 → mean mR = 6.545454…
#   2.66 × 72/11 = 17.410909… → limits 29.410909 and −5.410909
#   2/3 × 2.66 × 72/11 = 11.607272… → near limits 23.607272 and 0.392727
OUTLIERS = [12, 12, 12, 30, 12, 12, 12, 12, -6, 12, 12, 12]


class XmrLimitsTests:
    def test_it_works_out_mean_moving_range_and_limits_from_a_worked_example(self):
        # mean (10+12+11+13+9)/5 = 11; mR 2,1,2,4 → 9/4 = 2.25;
        # limits 11 ± 2.66 × 2.25 = 11 ± 5.985; near limits 11 ± 3.99
        chart = xmr([10, 12, 11, 13, 9], improvement="up")
        assert chart.kind == "xmr"
        assert chart.mean == pytest.approx(11)
        assert chart.mean_moving_range == pytest.approx(2.25)
        assert chart.upper_limit == pytest.approx(16.985)
        assert chart.lower_limit == pytest.approx(5.015)
        assert chart.upper_near == pytest.approx(14.99)
        assert chart.lower_near == pytest.approx(7.01)
        assert chart.baseline == (0, 5)
        assert special(chart) == []
        assert {p.variation for p in chart.points} == {"common"}

    def test_it_flags_points_outside_the_limits_each_side(self):
        chart = xmr(OUTLIERS, improvement="up")
        assert chart.mean == pytest.approx(12)
        assert chart.mean_moving_range == pytest.approx(72 / 11)
        assert chart.upper_limit == pytest.approx(29.410909, abs=1e-6)
        assert chart.lower_limit == pytest.approx(-5.410909, abs=1e-6)
        assert chart.upper_near == pytest.approx(23.607272, abs=1e-6)
        assert chart.lower_near == pytest.approx(0.392727, abs=1e-6)
        assert special(chart) == [3, 8]
        assert chart.points[3].rules == ("outside_limits",)
        assert chart.points[8].rules == ("outside_limits",)

    def test_a_point_exactly_on_a_limit_is_not_outside(self):
        # [0, 2, 0, 2]: mean 1, mR 2 → limits 1 ± 5.32; add the limit itself as a point by
        # fixing the baseline to the first four points.
        chart = xmr([0, 2, 0, 2, 1 + 2.66 * 2], improvement="up", baseline=(0, 4))
        assert chart.upper_limit == pytest.approx(6.32)
        assert "outside_limits" not in chart.points[4].rules

    def test_it_charts_two_values(self):
        # mean 2, mR 2 → limits 2 ± 5.32
        chart = xmr([1, 3], improvement="up")
        assert (chart.mean, chart.upper_limit, chart.lower_limit) == pytest.approx((2, 7.32, -3.32))

    def test_identical_values_give_limits_on_the_mean_and_no_signal(self):
        chart = xmr([5] * 20, improvement="up")
        assert chart.upper_limit == chart.lower_limit == chart.mean == 5
        assert special(chart) == []


class XmrDirectionTests:
    def test_up_is_better_makes_a_high_point_improvement_and_a_low_one_concern(self):
        chart = xmr(OUTLIERS, improvement="up")
        assert chart.points[3].variation == "improvement"
        assert chart.points[8].variation == "concern"

    def test_down_is_better_turns_them_round(self):
        chart = xmr(OUTLIERS, improvement="down")
        assert chart.points[3].variation == "concern"
        assert chart.points[8].variation == "improvement"

    def test_neither_gives_special_cause_without_a_direction(self):
        chart = xmr(OUTLIERS, improvement="neither")
        assert chart.points[3].variation == chart.points[8].variation == "neither"
        assert chart.points[0].variation == "common"
        assert chart.improvement == "neither"


# 21 points; sum 48 + 90 + 10 + 14 + 66 + 14 + 10 = 252, mean exactly 12.
#   indices 4–10 are 13,13,13,12,13,13,13: the 12 sits ON the mean and breaks the run of 13s
#   indices 13–18 are six 11s below the mean: one short of a shift
ON_THE_MEAN = [14, 10, 14, 10, 13, 13, 13, 12, 13, 13, 13, 10, 14, 11, 11, 11, 11, 11, 11, 14, 10]


class XmrShiftTests:
    def test_a_point_on_the_mean_breaks_a_shift(self):
        chart = xmr(ON_THE_MEAN, improvement="up")
        assert chart.mean == 12
        assert flagged(chart, "shift") == []

    def test_seven_in_a_row_above_the_mean_flags_all_seven(self):
        # the 12 becomes 13: sum 253, mean 12.047…; indices 4–10 are all 13, above it
        values = list(ON_THE_MEAN)
        values[7] = 13
        chart = xmr(values, improvement="up")
        assert chart.mean == pytest.approx(253 / 21)
        assert flagged(chart, "shift") == list(range(4, 11))
        assert {chart.points[i].variation for i in range(4, 11)} == {"improvement"}

    def test_six_in_a_row_is_not_a_shift_but_seven_below_is_a_concern(self):
        chart = xmr(ON_THE_MEAN, improvement="up")
        assert all("shift" not in chart.points[i].rules for i in range(13, 19))
        # one more 11 in place of the 14 at index 19: sum 249, mean 11.857…; now the 10 at
        # index 11 is below too, but the 14 at index 12 separates it: run = indices 13–19
        values = list(ON_THE_MEAN)
        values[19] = 11
        chart = xmr(values, improvement="up")
        assert chart.mean == pytest.approx(249 / 21)
        assert chart.mean > 11
        # index 20 (10) is below as well: the run is indices 13–20, eight points, a concern.
        # The lower mean also lifts the 12 at index 7 off it: 13,13,13,12,13,13,13 are now
        # all above, a shift of seven (an improvement).
        assert flagged(chart, "shift") == list(range(4, 11)) + list(range(13, 21))
        assert {chart.points[i].variation for i in range(13, 21)} == {"concern"}
        assert {chart.points[i].variation for i in range(4, 11)} == {"improvement"}


class XmrTrendTests:
    def test_seven_rising_points_make_a_trend_and_all_seven_are_flagged(self):
        # 7 points = 6 increases (NHSRplotthedots' ptd_seven_point_trend); the 9 at index 0
        # and the 3 at index 8 are not part of it
        chart = xmr([9, 1, 2, 3, 4, 5, 6, 7, 3], improvement="up")
        assert flagged(chart, "trend") == list(range(1, 8))
        assert {chart.points[i].variation for i in range(1, 8)} == {"improvement"}
        assert "trend" not in chart.points[0].rules and "trend" not in chart.points[8].rules

    def test_six_rising_points_are_not_a_trend(self):
        chart = xmr([9, 1, 2, 3, 4, 5, 6, 2], improvement="up")
        assert flagged(chart, "trend") == []

    def test_a_tie_breaks_a_trend(self):
        # 1,2,3,4 | 4,5,6,7: the equal pair splits eight points into two runs of four
        chart = xmr([1, 2, 3, 4, 4, 5, 6, 7], improvement="up")
        assert flagged(chart, "trend") == []

    def test_a_falling_trend_is_improvement_when_down_is_better(self):
        chart = xmr([1, 9, 8, 7, 6, 5, 4, 3, 8], improvement="down")
        assert flagged(chart, "trend") == list(range(1, 8))
        assert {chart.points[i].variation for i in range(1, 8)} == {"improvement"}

    def test_the_point_at_a_turn_between_two_trends_takes_the_later_trend(self):
        # limits from [0, 40, 0, 40]: mean 20, mR 40 → 20 ± 106.4, far from the rest.
        # 14…26 rises for 7 points (indices 4–10), 26…14 falls for 7 (10–16); index 10 is in
        # both and, as plotthedots does ("use right side"), takes the falling direction.
        # Sides of the mean 20: 20 itself (indices 7 and 13) is on it, so no shift.
        values = [0, 40, 0, 40, 14, 16, 18, 20, 22, 24, 26, 24, 22, 20, 18, 16, 14]
        chart = xmr(values, improvement="up", baseline=(0, 4))
        assert flagged(chart, "trend") == list(range(4, 17))
        assert [chart.points[i].variation for i in range(4, 10)] == ["improvement"] * 6
        assert [chart.points[i].variation for i in range(10, 17)] == ["concern"] * 7
        assert flagged(chart, "shift") == []


# Limits from the first 8 points [10, 14] × 4: mean 12, mR 4 → limits 12 ± 10.64 (22.64 and
# 1.36), near-limit zone beyond 12 ± 7.0933 (19.0933 and 4.9067).
TWO_OF_THREE = [10, 14, 10, 14, 10, 14, 10, 14]
TWO_OF_THREE += [20, 13, 20]  # 8–10: both 20s in the zone, 13 above the mean → 8 and 10
TWO_OF_THREE += [12, 12]  # on the mean
TWO_OF_THREE += [20, 11, 20]  # 13–15: the 11 is below the mean → not the same side → none
TWO_OF_THREE += [12]
TWO_OF_THREE += [23, 20, 12]  # 17 is outside the limit, not in the zone: one in the zone → none
TWO_OF_THREE += [12]
TWO_OF_THREE += [4, 11, 4]  # 21–23: both 4s in the low zone, 11 below the mean → 21 and 23


class XmrTwoOfThreeTests:
    def test_it_flags_the_points_in_the_zone_when_all_three_are_on_one_side(self):
        chart = xmr(TWO_OF_THREE, improvement="up", baseline=(0, 8))
        assert (chart.mean, chart.mean_moving_range) == pytest.approx((12, 4))
        assert chart.upper_near == pytest.approx(12 + 2 / 3 * 2.66 * 4)
        assert flagged(chart, "two_of_three") == [8, 10, 21, 23]
        assert flagged(chart, "outside_limits") == [17]
        assert [chart.points[i].variation for i in (8, 10, 21, 23)] == [
            "improvement",
            "improvement",
            "concern",
            "concern",
        ]
        assert special(chart) == [8, 10, 17, 21, 23]

    def test_down_is_better_turns_the_directions_round(self):
        chart = xmr(TWO_OF_THREE, improvement="down", baseline=(0, 8))
        assert [chart.points[i].variation for i in (8, 10, 17, 21, 23)] == [
            "concern",
            "concern",
            "concern",
            "improvement",
            "improvement",
        ]


class XmrBaselineTests:
    def test_limits_come_from_the_baseline_and_apply_to_every_point(self):
        # baseline [10, 14] × 5: mean 12, mR 4 → limits 1.36 and 22.64; the 40 after it is
        # outside. Without a baseline: sum 160, mean 14.545…, mR (9 × 4 + 26) / 10 = 6.2
        values = [10, 14] * 5 + [40]
        fixed = xmr(values, improvement="up", baseline=(0, 10))
        assert (fixed.mean, fixed.upper_limit, fixed.lower_limit) == pytest.approx((12, 22.64, 1.36))
        assert fixed.baseline == (0, 10)
        assert special(fixed) == [10]
        whole = xmr(values, improvement="up")
        assert whole.mean == pytest.approx(160 / 11)
        assert whole.mean_moving_range == pytest.approx(6.2)
        assert whole.upper_limit == pytest.approx(160 / 11 + 2.66 * 6.2)

    def test_a_baseline_can_start_later_in_the_series(self):
        # points 2 and 3 only: [4, 8] → mean 6, mR 4 → 6 ± 10.64
        chart = xmr([100, 0, 4, 8, 6], improvement="up", baseline=(2, 4))
        assert (chart.mean, chart.upper_limit) == pytest.approx((6, 16.64))
        assert flagged(chart, "outside_limits") == [0]

    @pytest.mark.parametrize("baseline", [(0, 1), (3, 3), (4, 2), (-1, 3), (0, 6), (0,), "ab", None])
    def test_it_refuses_a_baseline_that_does_not_fit(self, baseline):
        if baseline is None:
            xmr([1, 2, 3, 4, 5], improvement="up", baseline=None)  # None means all points
            return
        with pytest.raises(ValueError, match="Baseline"):
            xmr([1, 2, 3, 4, 5], improvement="up", baseline=baseline)


# 20 points [10, 14] × 10, then a pair ±50 (62, −38) and a pair ±20 (32, −8), each between
# points on the mean 12: n = 28, sum 240 + 96 = 336, mean 12, and no shift or trend.
#   mR: 19 × 4 = 76; 48, 50, 50, 50; 20, 20, 20, 20 → 354 / 27 = 13.1111
#   unscreened limits 12 ± 2.66 × 13.1111 = 12 ± 34.8756 → only 62 and −38 are outside
#   screening drops mRs ≥ 3.267 × 13.1111 = 42.834: 48, 50, 50, 50
#   screened mean mR (76 + 80) / 23 = 6.7826 → limits 12 ± 18.0417 → 32 and −8 outside too
SCREENING = [10, 14] * 10 + [62, 12, -38, 12, 32, 12, -8, 12]


class XmrScreeningTests:
    def test_screening_is_off_by_default(self):
        chart = xmr(SCREENING, improvement="up")
        assert not chart.screened
        assert chart.mean == pytest.approx(12)
        assert chart.mean_moving_range == pytest.approx(354 / 27)
        assert chart.upper_limit == pytest.approx(12 + 2.66 * 354 / 27)
        assert flagged(chart, "outside_limits") == [20, 22]

    def test_screening_drops_large_moving_ranges_and_narrows_the_limits(self):
        chart = xmr(SCREENING, improvement="up", screen_moving_ranges=True)
        assert chart.screened
        assert chart.mean == pytest.approx(12)  # the mean is not changed by screening
        assert chart.mean_moving_range == pytest.approx(156 / 23)
        assert chart.upper_limit == pytest.approx(30.0417, abs=1e-4)
        assert chart.lower_limit == pytest.approx(-6.0417, abs=1e-4)
        assert flagged(chart, "outside_limits") == [20, 22, 24, 26]


class RunChartTests:
    def test_it_counts_runs_on_the_median_and_flags_too_few(self):
        # median 5.5; five below then five above → 2 runs of 10 useful observations.
        # P(2 runs | 5 and 5) = 2 / C(10, 5) = 2/252 = 0.0079 ≤ 0.025 → too few.
        # Also 10 rising points: a trend (5 or more) over all of them; 5 each side: no shift.
        chart = run_chart(list(range(1, 11)), improvement="up")
        assert chart.kind == "run"
        assert chart.median == 5.5
        assert (chart.runs, chart.useful_observations, chart.runs_signal) == (2, 10, "too_few")
        assert flagged(chart, "trend") == list(range(10))
        assert flagged(chart, "shift") == []
        assert all("runs" not in p.rules for p in chart.points)  # a chart-level signal

    def test_ten_crossings_are_too_many_runs_and_nine_are_not(self):
        # alternate 1, 9: median 5, 10 runs; P(R ≥ 10 | 5, 5) = 2/252 → too many.
        # 9 runs: P(R ≥ 9) = (2 + 8)/252 = 0.0397 > 0.025 → no signal.
        chart = run_chart([1, 9] * 5, improvement="up")
        assert (chart.runs, chart.runs_signal) == (10, "too_many")
        chart = run_chart([1, 9, 1, 9, 1, 9, 1, 9, 9, 1], improvement="up")
        assert (chart.runs, chart.runs_signal) == (9, None)

    def test_there_is_no_runs_signal_below_ten_useful_observations(self):
        # 9 points, two runs; points on the median are not useful observations
        chart = run_chart([1, 2, 3, 4, 5, 6, 7, 8, 9], improvement="up")
        assert (chart.median, chart.useful_observations, chart.runs) == (5, 8, 2)
        assert chart.runs_signal is None

    def test_points_on_the_median_neither_count_nor_break_a_shift(self):
        # sorted: 1,1,2,2,3,5,5,8,8,8,8,8,8 → median 5 (7th of 13).
        # Above: indices 1,2,3 and 5,6,7 (index 4 is on the median): six → a shift, and the
        # point on the median is not flagged. Below: 8–11 are four → none.
        values = [1, 8, 8, 8, 5, 8, 8, 8, 2, 3, 1, 2, 5]
        chart = run_chart(values, improvement="down")
        assert chart.median == 5
        assert flagged(chart, "shift") == [1, 2, 3, 5, 6, 7]
        assert {chart.points[i].variation for i in (1, 2, 3, 5, 6, 7)} == {"concern"}
        assert chart.points[4].rules == ()
        # useful: below (0), above (1–3, 5–7), below (8–11) → 11 observations in 3 runs
        assert (chart.useful_observations, chart.runs) == (11, 3)

    def test_five_below_the_median_is_not_a_shift(self):
        values = [9, 1, 2, 1, 2, 1, 9, 9, 9, 9, 9]  # median 9: five useful below, rest on it
        chart = run_chart(values, improvement="up")
        assert chart.median == 9
        assert flagged(chart, "shift") == []

    def test_a_trend_is_five_points_and_equal_neighbours_count_once(self):
        # 3,4,5,5,6,7: with the pair of 5s counted once that is 3,4,5,6,7 → five rising;
        # all six are flagged. In an XmR chart the tie would break it.
        chart = run_chart([3, 4, 5, 5, 6, 7, 2], improvement="up")
        assert flagged(chart, "trend") == [0, 1, 2, 3, 4, 5]
        assert chart.points[6].rules == ()
        assert flagged(xmr([3, 4, 5, 5, 6, 7, 2], improvement="up"), "trend") == []

    def test_four_rising_points_are_not_a_trend(self):
        chart = run_chart([9, 1, 2, 3, 4, 0], improvement="up")
        assert flagged(chart, "trend") == []

    def test_an_astronomical_point_is_beyond_three_interquartile_ranges(self):
        # sorted 10,10,10,11,11,11,12,12,50; inclusive quartiles: Q1 = 10 (position 2),
        # Q3 = 12 (position 6); IQR 2 → fences 10 − 6 = 4 and 12 + 6 = 18 → 50 is beyond.
        chart = run_chart([10, 11, 12, 11, 10, 12, 11, 10, 50], improvement="down")
        assert flagged(chart, "astronomical") == [8]
        assert chart.points[8].variation == "concern"
        # 17 is inside the fence
        chart = run_chart([10, 11, 12, 11, 10, 12, 11, 10, 17], improvement="down")
        assert flagged(chart, "astronomical") == []

    def test_no_astronomical_point_when_the_middle_half_has_no_spread(self):
        chart = run_chart([5, 5, 5, 5, 5, 5, 9], improvement="up")
        assert flagged(chart, "astronomical") == []

    def test_one_value_is_a_run_chart_of_one_point(self):
        chart = run_chart([7], improvement="up")
        assert (chart.median, chart.runs, chart.useful_observations) == (7, 0, 0)
        assert chart.points[0].variation == "common"


class RunsTableTests:
    @pytest.mark.parametrize(
        "useful, fewest, most",
        # the exact test at 2.5 % in each tail, split evenly; 10 matches Perla et al.'s table
        [(10, 3, 9), (12, 4, 10), (14, 4, 12), (20, 7, 15), (30, 11, 21)],
    )
    def test_the_exact_runs_test_gives_the_fewest_and_most_runs_expected(self, useful, fewest, most):
        above, below = useful // 2, useful - useful // 2
        assert runs_signal(fewest - 1, above, below) == "too_few"
        assert runs_signal(fewest, above, below) is None
        assert runs_signal(most, above, below) is None
        assert runs_signal(most + 1, above, below) == "too_many"

    def test_long_series_are_tested_too(self):
        # 2,000 alternating points: 2,000 runs, far more than chance; 1,000 low then 1,000
        # high: 2 runs, far fewer
        assert run_chart([1, 9] * 1000, improvement="up").runs_signal == "too_many"
        assert run_chart([1] * 1000 + [9] * 1000, improvement="up").runs_signal == "too_few"

    def test_the_probabilities_sum_to_one(self):
        at_most, _ = rules._runs_cdf(2 * 6, 6, 6)
        assert at_most == pytest.approx(1)
        _, at_least = rules._runs_cdf(2, 6, 7)
        assert at_least == pytest.approx(1)


class AnalyseTests:
    def test_fewer_than_15_points_give_a_run_chart_then_an_xmr_chart(self):
        assert rules.MIN_POINTS_FOR_XMR == 15
        assert analyse(list(range(14)), improvement="up").kind == "run"
        assert analyse(list(range(15)), improvement="up").kind == "xmr"

    def test_a_baseline_is_passed_to_the_xmr_chart(self):
        chart = analyse([10, 14] * 8, improvement="up", baseline=(0, 4))
        assert chart.baseline == (0, 4)

    @pytest.mark.parametrize("count", [1, 2])
    def test_short_series_are_run_charts(self, count):
        assert analyse([3.0] * count, improvement="up").kind == "run"


class ValidationTests:
    @pytest.mark.parametrize("values", [[], [1]])
    def test_an_xmr_chart_needs_two_values(self, values):
        with pytest.raises(ValueError, match="At least 2 values are needed"):
            xmr(values, improvement="up")

    def test_a_run_chart_needs_one_value(self):
        with pytest.raises(ValueError, match="At least 1 value is needed"):
            run_chart([], improvement="up")
        with pytest.raises(ValueError):
            analyse([], improvement="up")

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_it_refuses_values_that_are_not_finite_naming_the_position(self, bad):
        with pytest.raises(ValueError, match="Value 3 is not a finite number"):
            xmr([1, 2, bad, 4], improvement="up")
        with pytest.raises(ValueError, match="Value 3"):
            run_chart([1, 2, bad], improvement="up")

    @pytest.mark.parametrize("bad", ["abc", None, True, [1]])
    def test_it_refuses_values_that_are_not_numbers(self, bad):
        with pytest.raises(ValueError, match="Value 2 is not a number"):
            xmr([1, bad, 3], improvement="up")

    def test_it_accepts_numeric_text_and_integers(self):
        assert xmr(["1", 3], improvement="up").mean == 2

    def test_it_refuses_text_in_place_of_a_list(self):
        with pytest.raises(ValueError, match="list of numbers"):
            xmr("123", improvement="up")

    @pytest.mark.parametrize("improvement", ["", "UP", "better", None])
    def test_it_refuses_an_unknown_improvement_direction(self, improvement):
        with pytest.raises(ValueError, match="Improvement must be one of up, down, neither"):
            xmr([1, 2, 3], improvement=improvement)
        with pytest.raises(ValueError, match="Improvement"):
            run_chart([1, 2, 3], improvement=improvement)

    def test_results_are_immutable(self):
        chart = xmr([1, 2, 3], improvement="up")
        with pytest.raises(AttributeError):
            chart.mean = 0
        with pytest.raises(AttributeError):
            chart.points[0].special_cause = True


# Two periods of [10, 14] and [30, 34] alternating: each on its own has mean 12 (then 32) and
# mR 4, so limits 12 ± 10.64 (1.36 to 22.64) and 32 ± 10.64 (21.36 to 42.64).
# As one period: mean 22, every point of the first half below it and every point of the second
# above it (two shifts of 10), and mR (18 × 4 + 16) / 19 = 4.6316.
TWO_PROCESSES = [10, 14] * 5 + [30, 34] * 5


class XmrRebaseTests:
    def test_each_period_has_its_own_mean_and_limits(self):
        chart = xmr(TWO_PROCESSES, improvement="up", rebase=[10])
        first, second = chart.periods
        assert (first.start, first.end, second.start, second.end) == (0, 10, 10, 20)
        assert (first.mean, first.upper_limit, first.lower_limit) == pytest.approx((12, 22.64, 1.36))
        assert (second.mean, second.upper_limit, second.lower_limit) == pytest.approx((32, 42.64, 21.36))
        assert chart.period_of(9) is first and chart.period_of(10) is second
        assert chart.rebase == (10,)

    def test_the_chart_s_own_figures_are_those_of_the_last_period(self):
        chart = xmr(TWO_PROCESSES, improvement="up", rebase=[10])
        assert (chart.mean, chart.upper_limit, chart.lower_limit) == pytest.approx((32, 42.64, 21.36))
        assert chart.mean_moving_range == pytest.approx(4)
        assert chart.baseline == (10, 20)

    def test_rules_run_within_each_period(self):
        # one period: two shifts of 10 points; two periods: nothing, each alternates round its mean
        whole = xmr(TWO_PROCESSES, improvement="up")
        assert whole.mean == pytest.approx(22)
        assert flagged(whole, "shift") == list(range(20))
        assert special(xmr(TWO_PROCESSES, improvement="up", rebase=[10])) == []

    def test_the_moving_range_is_not_taken_across_a_recalculation(self):
        # the jump 14 → 30 (mR 16) would widen the first period's limits if it were counted
        chart = xmr(TWO_PROCESSES, improvement="up", rebase=[10])
        assert chart.periods[0].mean_moving_range == pytest.approx(4)
        assert chart.periods[1].mean_moving_range == pytest.approx(4)

    def test_a_trend_does_not_run_across_a_recalculation(self):
        rising = [1, 2, 3, 4, 5, 6, 7, 8]
        assert flagged(xmr(rising, improvement="up"), "trend") == list(range(8))
        assert flagged(xmr(rising, improvement="up", rebase=[4]), "trend") == []

    def test_a_fixed_baseline_still_applies_its_limits_to_every_point(self):
        # limits 1.36 to 22.64 from the first 10 points; all of the last 10 are above 22.64
        chart = xmr(TWO_PROCESSES, improvement="up", baseline=(0, 10))
        assert len(chart.periods) == 1
        assert flagged(chart, "outside_limits") == list(range(10, 20))

    def test_a_baseline_sets_the_limits_of_its_own_period_only(self):
        # period 2 is [30, 34, 30, 34, 50] with limits from its first 4: mean 32, mR 4 → 42.64;
        # the 50 is outside. Period 1 keeps limits from all its points.
        values = [10, 14] * 3 + [30, 34, 30, 34, 50]
        chart = xmr(values, improvement="up", rebase=[6], baseline=(6, 10))
        assert chart.periods[0].baseline == (0, 6)
        assert (chart.mean, chart.upper_limit) == pytest.approx((32, 42.64))
        assert flagged(chart, "outside_limits") == [10]

    def test_a_baseline_across_a_recalculation_is_refused(self):
        with pytest.raises(ValueError, match="within one period"):
            xmr(TWO_PROCESSES, improvement="up", rebase=[10], baseline=(5, 15))

    @pytest.mark.parametrize(
        ("rebase", "message"),
        [([20], "from 0 to 19"), ([-1], "from 0 to 19"), ([19], "at least 2 points"),
         ([5, 6], "at least 2 points"), (["a"], "list of point numbers"), ("10", "list of point numbers")],
    )  # fmt: skip
    def test_it_refuses_recalculations_that_do_not_fit(self, rebase, message):
        with pytest.raises(ValueError, match=message):
            xmr(TWO_PROCESSES, improvement="up", rebase=rebase)

    def test_a_recalculation_at_the_first_point_is_no_recalculation(self):
        chart = xmr(TWO_PROCESSES, improvement="up", rebase=[0])
        assert len(chart.periods) == 1 and chart.mean == pytest.approx(22)

    def test_analyse_passes_recalculations_to_the_xmr_chart(self):
        assert analyse(TWO_PROCESSES, improvement="up", rebase=[10]).rebase == (10,)


class XmrExactComparisonTests:
    # Around ten million with a spread of thousandths: limits from the first 4 points,
    # mean 10,000,000.001, mR 0.002 → limits ± 0.00532 (10,000,000.00632 and 9,999,999.99568).
    # 10,000,000.01 is 0.009 above the mean, 9,999,999.993 is 0.008 below: both outside. A
    # relative tolerance of 1e-9 (0.01 at this scale) called both "on the mean" and dropped them.
    TEN_MILLION = [10_000_000.000, 10_000_000.002, 10_000_000.000, 10_000_000.002]

    def test_points_outside_limits_near_a_large_mean_are_flagged(self):
        values = self.TEN_MILLION + [10_000_000.01, 9_999_999.993, 10_000_000.01]
        chart = xmr(values, improvement="up", baseline=(0, 4))
        assert chart.upper_limit == pytest.approx(10_000_000.00632, abs=1e-7)
        assert flagged(chart, "outside_limits") == [4, 5, 6]
        assert [chart.points[i].variation for i in (4, 5, 6)] == ["improvement", "concern", "improvement"]

    def test_every_point_outside_the_limits_is_flagged(self):
        values = self.TEN_MILLION + [10_000_000.0 + k / 100 for k in range(1, 9)]
        chart = xmr(values, improvement="down", baseline=(0, 4))
        assert flagged(chart, "outside_limits") == list(range(4, 12))
        assert {chart.points[i].variation for i in range(4, 12)} == {"concern"}

    def test_sides_near_a_large_mean_are_exact(self):
        # seven points a thousandth above a mean of ten million are a shift
        values = [10_000_000.0, 10_000_000.002] * 2 + [10_000_000.002] * 7
        chart = xmr(values, improvement="up", baseline=(0, 4))
        assert flagged(chart, "shift") == list(range(3, 11))

    def test_a_rise_of_a_millionth_is_a_rise(self):
        values = [10_000_000 + k / 1_000_000 for k in range(7)]
        assert flagged(xmr(values, improvement="up"), "trend") == list(range(7))

    def test_identical_decimals_are_on_their_mean(self):
        # fmean of 0.1 twenty times may differ from 0.1 in the last place: not a shift
        assert special(xmr([0.1] * 20, improvement="up")) == []
