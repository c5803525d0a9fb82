"""The pure parts of the dashboards: periods, summaries in words, baselines and annotations
placed on the series, small-number suppression."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from dualcare.dashboards.measures import Cell
from dualcare.dashboards.selectors import (
    describe,
    format_value,
    measure_chart,
    period_for,
    suppress_row,
)
from dualcare.spc import rules

from .conftest import CASELOAD, SHARE

MONDAY = dt.date(2026, 1, 5)


def weeks(count, start=MONDAY):
    return [start + dt.timedelta(weeks=i) for i in range(count)]


class PeriodTests:
    def test_it_ends_with_the_latest_week_that_has_ended(self):
        period = period_for(52, today=dt.date(2026, 11, 22))  # a Sunday: its week has not ended
        assert period.last == dt.date(2026, 11, 9)
        assert period.first == dt.date(2025, 11, 17)
        assert len(period.mondays) == 52 and period.ends == dt.date(2026, 11, 15)

    def test_it_falls_back_to_52_weeks(self):
        assert period_for(7, today=dt.date(2026, 11, 23)).weeks == 52


class DescribeTests:
    def test_a_shift_is_counted_from_its_first_week(self):
        values = [58, 62, 60, 61, 59, 63, 57, 60, 62, 58] + [90, 91, 89, 92, 90, 88, 91, 90]
        analysis = rules.xmr(values, improvement="up")
        status, words = describe(analysis, weeks(len(values)))
        assert status == "improvement"
        start = MONDAY + dt.timedelta(weeks=10)
        assert words.startswith("Special cause: improvement — 8 weeks in a row above the average since ")
        assert f"since {start.day} {start:%b %Y}" in words

    def test_a_concern_below_the_average_when_down_is_better(self):
        values = [5, 6, 5, 4, 6, 5, 5, 6, 4, 5, 9, 9, 10, 9, 9, 10, 9]
        status, words = describe(rules.xmr(values, improvement="down"), weeks(len(values)))
        assert status == "concern"
        assert words.startswith("Special cause: concern — 7 weeks in a row above the average")

    def test_an_earlier_special_cause_is_reported_after_the_latest_weeks(self):
        values = [0, 40, 0, 40, 0, 40, 0, 200, 40, 0, 40, 0, 40, 0, 40, 0]
        status, words = describe(rules.xmr(values, improvement="up"), weeks(len(values)))
        assert status == "common"
        outlier = MONDAY + dt.timedelta(weeks=7)
        assert words.startswith(
            "Common cause variation in the latest week. Earlier, special cause: improvement"
        )
        assert f"the week of {outlier.day} {outlier:%b %Y} is above the upper limit" in words

    def test_a_trend_names_its_length_and_direction(self):
        values = [10, 12, 11, 10, 12, 11, 10, 12, 11, 10, 11, 12, 13, 14, 15, 16]
        status, words = describe(rules.xmr(values, improvement="up"), weeks(len(values)))
        assert "7 weeks in a row rising" in words and status == "improvement"

    def test_common_cause_only(self):
        values = [10, 12, 11, 10, 12, 11, 10, 12, 11, 10, 11, 12, 10, 11, 12]
        status, words = describe(rules.xmr(values, improvement="up"), weeks(len(values)))
        assert (status, words) == ("common", "Common cause variation: no special cause in these 15 weeks.")

    def test_a_run_chart_speaks_of_the_median(self):
        values = [1, 2, 1, 2, 1, 2, 1, 2, 8, 9, 8, 9, 8, 9]
        status, words = describe(rules.run_chart(values, improvement="up"), weeks(len(values)))
        assert "6 weeks in a row above the median" in words and status == "improvement"

    def test_no_data(self):
        assert describe(None, []) == ("none", "No data for this period.")


class MeasureChartTests:
    def period(self, count):
        return SimpleNamespace(mondays=weeks(count), first=MONDAY, last=weeks(count)[-1])

    def test_a_run_chart_below_15_weeks_and_an_xmr_chart_from_15(self):
        cells = {w: Cell(30 + i % 3, 30) for i, w in enumerate(weeks(14))}
        assert measure_chart(CASELOAD, cells, period=self.period(14)).analysis.kind == "run"
        cells = {w: Cell(30 + i % 3, 30) for i, w in enumerate(weeks(15))}
        assert measure_chart(CASELOAD, cells, period=self.period(15)).analysis.kind == "xmr"

    def test_weeks_without_a_value_are_listed_but_not_charted(self):
        cells = {w: Cell(50, 10) for w in weeks(20)}
        cells[weeks(20)[3]] = Cell(None, 2)
        del cells[weeks(20)[4]]
        chart = measure_chart(SHARE, cells, period=self.period(20))
        assert len(chart.analysis.points) == 18
        assert len(chart.rows) == 19 and chart.rows[3].point is None

    def test_the_baseline_in_force_sets_the_limits(self):
        values = [60 + (i % 3) for i in range(20)] + [90 + (i % 3) for i in range(12)]
        cells = {w: Cell(v, 10) for w, v in zip(weeks(32), values, strict=True)}
        baseline = SimpleNamespace(
            is_all_points=False,
            first_week=weeks(32)[0],
            last_week=weeks(32)[19],
            reason="Before the huddle",
            created_by=SimpleNamespace(display_name="Helen Examplewood"),
            created_at=dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC),
        )
        chart = measure_chart(SHARE, cells, period=self.period(32), baseline=baseline)
        assert chart.analysis.baseline == (0, 20)
        assert chart.analysis.upper_limit < 70
        assert "outside_limits" in chart.analysis.points[-1].rules
        assert chart.baseline_text == (
            "Limits calculated from 5 Jan 2026 to 24 May 2026, set by Helen Examplewood on 1 Sep 2026, "
            "reason: Before the huddle."
        )

    def test_recalculating_from_a_later_week_splits_the_chart(self):
        # 16 weeks round 61 then 16 round 91: recalculated from week 16 with limits from weeks
        # 16-31, the first 16 weeks keep their own mean (61) and limits and are not flagged
        # against the new ones (limits from the later weeks only, applied to every week, put
        # all 16 below the lower limit)
        values = [60 + (i % 3) for i in range(16)] + [90 + (i % 3) for i in range(16)]
        cells = {w: Cell(v, 10) for w, v in zip(weeks(32), values, strict=True)}
        baseline = SimpleNamespace(
            is_all_points=False,
            first_week=weeks(32)[16],
            last_week=weeks(32)[31],
            reason="New triage",
            created_by=SimpleNamespace(display_name="Helen Examplewood"),
            created_at=dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC),
        )
        chart = measure_chart(SHARE, cells, period=self.period(32), baseline=baseline)
        assert chart.analysis.rebase == (16,)
        before, after = chart.analysis.periods
        assert before.mean == pytest.approx(sum(values[:16]) / 16)
        assert after.mean == pytest.approx(sum(values[16:]) / 16) == pytest.approx(chart.analysis.mean)
        assert not any(p.special_cause for p in chart.analysis.points[:16])
        assert chart.rows[0].period is before and chart.rows[31].period is after
        assert chart.rebased and chart.rows[31].limits_text == "90.9 (87.4 to 94.5)"
        table = render_to_string("dashboards/_table.html", {"chart": chart})
        assert "Average (limits)" in table and "each week's average and limits are in its row" in table
        assert chart.baseline_text.endswith(
            "The weeks before it keep the average and limits of their own period."
        )

    def test_a_baseline_with_too_few_weeks_shown_falls_back_to_every_week(self):
        cells = {w: Cell(50 + i % 4, 10) for i, w in enumerate(weeks(20))}
        baseline = SimpleNamespace(
            is_all_points=False,
            first_week=dt.date(2020, 1, 6),
            last_week=dt.date(2020, 6, 1),
            reason="Old",
            created_by=SimpleNamespace(display_name="A Manager"),
            created_at=dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC),
        )
        chart = measure_chart(SHARE, cells, period=self.period(20), baseline=baseline)
        assert chart.analysis.baseline == (0, 20)
        assert "limits calculated from every week shown" in chart.baseline_text

    def test_annotations_are_placed_at_the_week_they_fall_in(self, monkeypatch):
        placed = {}

        def fake_svg(analysis, **kwargs):
            placed.update(annotations=kwargs["annotations"])
            return ""

        monkeypatch.setattr("dualcare.spc.charts.svg", fake_svg)
        cells = {w: Cell(50, 10) for w in weeks(10)}
        notes = [
            SimpleNamespace(date=weeks(10)[4] + dt.timedelta(days=3), text="Huddle"),
            SimpleNamespace(date=MONDAY - dt.timedelta(days=30), text="Before the chart"),
        ]
        measure_chart(SHARE, cells, period=self.period(10), annotations=notes)
        thursday = weeks(10)[4] + dt.timedelta(days=3)
        # The chart's key puts the point's date (the week's Monday) first; the annotation's own day
        # follows the text, once.
        assert placed["annotations"] == [(4, f"Huddle (on {thursday.day} {thursday:%b %Y})")]

    def test_an_annotation_on_the_weeks_first_day_names_its_date_once(self):
        # Issue 13: the key read "1 Jun 2026: 1 Jun 2026: Daily referral huddle started".
        cells = {w: Cell(50 + i % 3, 10) for i, w in enumerate(weeks(10))}
        notes = [SimpleNamespace(date=weeks(10)[4], text="Daily referral huddle started")]
        chart = measure_chart(SHARE, cells, period=self.period(10), annotations=notes)
        assert "2 Feb 2026: Daily referral huddle started" in str(chart.svg)
        assert str(chart.svg).count("2 Feb 2026") == 2  # the date axis label and the key, once


class ProportionLimitTests:
    """A percentage is a proportion: its limits and axis stay within 0 to 100 %."""

    VALUES = [40, 95] * 10  # mean 67.5, moving range 55: formula limits -78.8 to 213.8

    def period(self, count):
        return SimpleNamespace(mondays=weeks(count), first=MONDAY, last=weeks(count)[-1])

    def chart(self, definition):
        cells = {w: Cell(v, 10) for w, v in zip(weeks(20), self.VALUES, strict=True)}
        return measure_chart(definition, cells, period=self.period(20))

    @staticmethod
    def axis_numbers(svg) -> list[float]:
        axis = re.search(r'<g text-anchor="end">(.*?)</g>', str(svg)).group(1)
        ticks = re.findall(r">([-0-9.,]+)</text>", axis)
        return [float(tick.replace(",", "")) for tick in ticks]

    def test_a_percentage_draws_its_limits_and_axis_within_0_and_100(self):
        chart = self.chart(SHARE)
        assert chart.analysis.upper_limit > 200 and chart.analysis.lower_limit < 0  # the formula's
        assert chart.limits == (0, 100, True)
        numbers = self.axis_numbers(chart.svg)
        assert numbers and max(numbers) == 100 and min(numbers) == 0
        svg = str(chart.svg)
        assert "Upper limit 100<" in svg and "Lower limit 0<" in svg
        drawn = [float(y) for y in re.findall(r'<line x1="72" y1="([-0-9.]+)" x2="660"', svg)]
        drawn += [float(y) for y in re.findall(r"M72 ([-0-9.]+)H660", svg)]  # the grid, one path
        top, bottom = min(drawn), max(drawn)  # the axis's 100 and 0 grid lines
        assert top >= 0 and all(top <= y <= bottom for y in drawn)  # no line above 100 or below 0
        assert "upper process limit 100%, lower process limit 0% (capped at 0% to 100%" in svg

    def test_the_data_table_says_the_limits_are_capped(self):
        html = render_to_string("dashboards/_table.html", {"chart": self.chart(SHARE)})
        assert "process limits 0 to 100, capped at 0 to 100 as a proportion cannot go beyond them" in html

    def test_a_count_is_not_capped(self):
        chart = self.chart(CASELOAD)
        lower, upper, capped = chart.limits
        assert upper > 200 and not capped
        assert max(self.axis_numbers(chart.svg)) > 200


class FormatTests:
    @pytest.mark.parametrize(
        "value,unit,text",
        [(60.0, "%", "60%"), (62.5, "%", "62.5%"), (3, "people", "3 people"), (None, "%", "")],
    )
    def test_values_read_as_people_write_them(self, value, unit, text):
        assert format_value(value, unit) == text


def c(n, value=1.0):
    return Cell(value, n)


class SuppressionTests:
    def test_nothing_is_hidden_when_every_cell_counts_5_or_more(self):
        assert suppress_row([c(5), c(9), c(12)], c(26)) == (set(), False)

    def test_a_small_cell_hides_the_next_smallest_so_it_cannot_be_subtracted(self):
        hidden, total = suppress_row([c(3), c(9), c(6)], c(18))
        assert hidden == {0, 2} and not total

    def test_it_hides_more_until_the_hidden_cells_count_5_people(self):
        # 1 + 2 hidden would leave "3 people" derivable from the total: hide the 7 too.
        hidden, total = suppress_row([c(1), c(2), c(7), c(20)], c(30))
        assert hidden == {0, 1, 2} and not total

    def test_with_nothing_left_to_hide_the_total_is_hidden(self):
        hidden, total = suppress_row([c(3), None], c(3))
        assert hidden == {0} and total

    def test_a_lone_organisation_with_few_people_hides_both(self):
        hidden, total = suppress_row([c(4), c(20)], c(24))
        assert hidden == {0, 1} and not total

    def test_organisations_with_nothing_to_count_are_not_hidden(self):
        hidden, total = suppress_row([None, c(2), c(0, None), c(8)], c(10))
        assert hidden == {1, 3} and not total
