"""The SVG chart: accessible names, marks by shape and letter, annotations, the data table."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from dualcare.spc import charts
from dualcare.spc.rules import run_chart, xmr

from .test_rules import OUTLIERS, TWO_OF_THREE, TWO_PROCESSES

SVG = "{http://www.w3.org/2000/svg}"

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup):
    return ET.fromstring(str(markup))


def texts(root):
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


class SvgTests:
    def test_it_is_an_image_named_by_its_title_and_described(self):
        chart = xmr(OUTLIERS, improvement="up")
        labels = [f"{i + 1} Jan" for i in range(len(OUTLIERS))]
        root = parse(charts.svg(chart, title="Missed collections", description="Per week.", labels=labels))
        assert root.get("role") == "img"
        title_id, desc_id = root.get("aria-labelledby").split()
        title = root.find("svg:title", NS)
        desc = root.find("svg:desc", NS)
        assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
        assert title.text == "Missed collections"
        assert desc.text.startswith("Per week. Control chart (XmR) of 12 points. Mean 12,")
        assert "2 points show special cause variation (1 improvement, 1 concern)." in desc.text

    def test_it_shows_improvement_and_concern_by_shape_and_letter_with_a_legend(self):
        chart = xmr(OUTLIERS, improvement="up")
        root = parse(charts.svg(chart, title="t", description="", labels=[str(i) for i in range(12)]))
        # one diamond (concern) in the chart and one in the legend; no square (no "neither")
        assert len(root.findall(".//svg:polygon", NS)) == 2
        assert len(root.findall(".//svg:rect[@width='11']", NS)) == 0
        words = texts(root)
        assert words.count("I") == 2 and words.count("C") == 2  # point + legend each
        for entry in ("Mean", "Process limits", "Near the limits", "Common cause",
                      "Special cause: improvement", "Special cause: concern"):  # fmt: skip
            assert entry in words
        assert any(w.startswith("Upper limit 29.41") for w in words)
        assert any(w.startswith("Lower limit -5.41") for w in words)

    def test_without_a_better_direction_special_causes_are_squares_marked_s(self):
        chart = xmr(OUTLIERS, improvement="neither")
        root = parse(charts.svg(chart, title="t", description="", labels=[str(i) for i in range(12)]))
        assert len(root.findall(".//svg:rect[@width='11']", NS)) == 3  # two points and the legend
        assert len(root.findall(".//svg:polygon", NS)) == 0
        words = texts(root)
        assert words.count("S") == 3 and "I" not in words and "C" not in words
        assert "Special cause: neither better nor worse" in words

    def test_a_run_chart_has_a_median_and_no_limits(self):
        chart = run_chart([3, 4, 5, 6, 7, 8, 2], improvement="down")
        root = parse(charts.svg(chart, title="t", description="", labels=list("abcdefg"), unit="days"))
        words = texts(root)
        assert "Median 5" in words and "Median" in words
        assert not any(w.startswith("Upper limit") for w in words)
        assert "days" in words  # the value axis is labelled with the unit
        assert "Date" in words

    def test_annotations_are_numbered_left_to_right_with_a_key(self):
        chart = xmr([10, 14] * 8, improvement="up")
        labels = [f"w{i}" for i in range(16)]
        markup = charts.svg(
            chart, title="t", description="", labels=labels,
            annotations=[(12, "Meetings moved to Tuesdays"), (3, "New form"), (40, "Outside")],
        )  # fmt: skip
        words = texts(parse(markup))
        assert "1. w3: New form" in words
        assert "2. w12: Meetings moved to Tuesdays" in words
        assert not any("Outside" in w for w in words)

    def test_a_partial_baseline_is_shown(self):
        chart = xmr(TWO_OF_THREE, improvement="up", baseline=(0, 8))
        labels = [str(i) for i in range(len(TWO_OF_THREE))]
        root = parse(charts.svg(chart, title="t", description="", labels=labels))
        assert "Limits from these points" in texts(root)
        assert "worked out from points 1 to 8" in root.find("svg:desc", NS).text

    def test_it_escapes_text(self):
        chart = xmr([1, 2, 3], improvement="up")
        markup = charts.svg(chart, title="<script>x</script>", description="a & b", labels=["<b>", "2", "3"])
        assert "<script>" not in markup and "&lt;script&gt;" in markup
        assert "<b>" not in markup
        parse(markup)  # still well-formed XML

    def test_it_needs_one_label_per_point(self):
        with pytest.raises(ValueError, match="2 labels given for 3 points"):
            charts.svg(xmr([1, 2, 3], improvement="up"), title="t", description="", labels=["a", "b"])

    def test_one_point_and_flat_series_draw(self):
        parse(charts.svg(run_chart([4], improvement="up"), title="t", description="", labels=["a"]))
        parse(charts.svg(xmr([4, 4, 4], improvement="up"), title="t", description="", labels=list("abc")))

    def test_ids_differ_between_charts_on_one_page(self):
        one = parse(charts.svg(xmr([1, 2], improvement="up"), title="a", description="", labels=["x", "y"]))
        two = parse(charts.svg(xmr([1, 3], improvement="up"), title="a", description="", labels=["x", "y"]))
        assert one.get("aria-labelledby") != two.get("aria-labelledby")


class TableTests:
    def test_rows_say_in_words_what_each_point_shows(self):
        chart = xmr(TWO_OF_THREE, improvement="up", baseline=(0, 8))
        rows = charts.table_rows(chart, [f"d{i}" for i in range(len(TWO_OF_THREE))])
        assert rows[8] == {
            "label": "d8",
            "value": "20",
            "mean": "12",
            "upper_limit": "22.64",
            "lower_limit": "1.36",
            "special_cause": True,
            "rules": "Two of three points close to a process limit",
            "variation": "improvement",
            "variation_words": "Special cause: improvement",
        }
        assert rows[0]["rules"] == "" and rows[0]["variation_words"] == "Common cause"

    def test_the_table_include_has_a_caption_and_headers(self):
        chart = xmr(OUTLIERS, improvement="down")
        rows = charts.table_rows(chart, [f"{i} Mar" for i in range(12)])
        html = render_to_string("spc/_table.html", {"rows": rows, "caption": "Missed doses", "unit": "%"})
        assert '<caption class="nhsuk-table__caption">Missed doses</caption>' in html
        assert html.count('scope="col"') == 8 and html.count('scope="row"') == 12
        assert "Upper limit (%)" in html
        assert "Value (%)" in html
        assert "Outside the process limits" in html and "Special cause: concern" in html

    def test_the_legend_include_matches_the_kind(self):
        assert "Process limits" in render_to_string("spc/_legend.html", {"kind": "xmr"})
        run = render_to_string("spc/_legend.html", {"kind": "run"})
        assert "Median" in run and "Process limits" not in run


class RebaseChartTests:
    LABELS = [f"w{i}" for i in range(20)]

    def test_the_table_gives_each_point_the_limits_in_force_for_it(self):
        rows = charts.table_rows(xmr(TWO_PROCESSES, improvement="up", rebase=[10]), self.LABELS)
        assert (rows[9]["mean"], rows[9]["upper_limit"], rows[9]["lower_limit"]) == ("12", "22.64", "1.36")
        assert (rows[10]["mean"], rows[10]["upper_limit"], rows[10]["lower_limit"]) == (
            "32",
            "42.64",
            "21.36",
        )

    def test_the_chart_draws_a_step_in_the_limits(self):
        rebased = parse(
            charts.svg(xmr(TWO_PROCESSES, improvement="up", rebase=[10]), title="t", description="",
                       labels=self.LABELS, legend=False)
        )  # fmt: skip
        whole = parse(
            charts.svg(xmr(TWO_PROCESSES, improvement="up"), title="t", description="", labels=self.LABELS,
                       legend=False)
        )  # fmt: skip

        def limit_lines(tree):
            return [line for line in tree.iter(f"{SVG}line") if line.get("stroke-dasharray") == "6 4"]

        # two limits per period, each period's lines spanning its own points, and the step between
        assert len(limit_lines(whole)) == 2 and len(limit_lines(rebased)) == 4
        first_upper, _, second_upper, _ = limit_lines(rebased)
        assert float(first_upper.get("x2")) == pytest.approx(float(second_upper.get("x1")))
        assert float(first_upper.get("y1")) > float(second_upper.get("y1"))  # 22.64 is below 42.64
        assert [line for line in rebased.iter(f"{SVG}line") if line.get("stroke-dasharray") == "1 3"]

    def test_the_summary_says_where_the_limits_were_recalculated(self):
        text = charts.summary(xmr(TWO_PROCESSES, improvement="up", rebase=[10]))
        assert text.startswith(
            "Control chart (XmR) of 20 points in 2 periods, the limits recalculated from point 11. "
            "Latest period: mean 32, upper process limit 42.64, lower process limit 21.36."
        )


class FormatTests:
    @pytest.mark.parametrize(
        "value, text",
        [(0, "0"), (12.0, "12"), (12.5, "12.5"), (1 / 3, "0.33"), (-0.001, "0"), (12345.678, "12,345.68")],
    )
    def test_numbers_are_written_plainly(self, value, text):
        assert charts.format_number(value) == text
