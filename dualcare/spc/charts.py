"""Run charts and XmR charts as server-rendered, accessible SVG.

No JavaScript and no stylesheet: every colour, dash and font is an attribute on the element,
so the same markup works in a page and in a WeasyPrint PDF (only the page's cap on its width
is the ``dc-spc-chart`` class in dualcare.css: the Content-Security-Policy forbids style
attributes). Special causes are shown by shape and letter as well as colour (improvement:
circle and "I"; concern: diamond and "C"; special cause with no better direction: square and
"S"), explained in a legend inside the chart. The data table (``templates/spc/_table.html``
fed by :func:`table_rows`) is the alternative for anyone who prefers figures.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString

from .rules import RunChart, XmR

WIDTH = 760
LEFT, RIGHT = 72, 100  # room for the value axis, and for the names of the lines
TOP, PLOT_HEIGHT = 40, 240  # TOP leaves room for annotation numbers
FONT = "Arial, Helvetica, sans-serif"

# NHS identity colours, each at least 3:1 against white and against the pale baseline band
# (WCAG 1.4.11 non-text contrast); ratios against white worked out from the sRGB luminance.
BLACK = "#212b32"  # 14.4:1
DARK_GREY = "#425563"  # 7.8:1
MID_GREY = "#4c6272"  # 6.4:1
GREY = "#768692"  # 3.75:1 (3.2:1 on the band)
BLUE = "#005eb8"  # 6.4:1 improvement
RED = "#d5281b"  # 5.1:1 concern
PURPLE = "#330072"  # 15.2:1 special cause with no direction
PALE = "#e8edee"  # baseline band, decoration only

MARKERS = {
    # variation: (letter, colour, legend text)
    "improvement": ("I", BLUE, "Special cause: improvement"),
    "concern": ("C", RED, "Special cause: concern"),
    "neither": ("S", PURPLE, "Special cause: neither better nor worse"),
    "common": ("", GREY, "Common cause"),
}

VARIATION_WORDS = {
    "improvement": "Special cause: improvement",
    "concern": "Special cause: concern",
    "neither": "Special cause (neither better nor worse)",
    "common": "Common cause",
}

RULE_WORDS = {
    ("xmr", "outside_limits"): "Outside the process limits",
    ("xmr", "shift"): "Shift: 7 or more points in a row on one side of the mean",
    ("xmr", "trend"): "Trend: 7 or more points in a row all rising or all falling",
    ("xmr", "two_of_three"): "Two of three points close to a process limit",
    ("run", "shift"): "Shift: 6 or more points in a row on one side of the median",
    ("run", "trend"): "Trend: 5 or more points in a row all rising or all falling",
    ("run", "astronomical"): "Astronomical point: far from all the other values",
}

RUNS_WORDS = {
    "too_few": "Too few runs: the points cross the median less often than chance would give",
    "too_many": "Too many runs: the points cross the median more often than chance would give",
}


def format_number(value: float) -> str:
    """A value as people write it: up to 2 decimal places, no trailing zeros."""
    if value == 0:
        return "0"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def rules_in_words(analysis: XmR | RunChart, rules: Sequence[str]) -> str:
    return "; ".join(RULE_WORDS[(analysis.kind, rule)] for rule in rules)


def table_rows(analysis: XmR | RunChart, labels: Sequence[str]) -> list[dict]:
    """One row per point for ``templates/spc/_table.html``; on an XmR chart with the mean and
    limits in force for that point (its period's)."""
    _check_labels(analysis, labels)
    in_force = [analysis.period_of(i) for i in range(len(labels))] if analysis.kind == "xmr" else []
    return [
        {
            "label": label,
            "value": format_number(point.value),
            **(
                {
                    "mean": format_number(in_force[index].mean),
                    "upper_limit": format_number(in_force[index].upper_limit),
                    "lower_limit": format_number(in_force[index].lower_limit),
                }
                if in_force
                else {}
            ),
            "special_cause": point.special_cause,
            "rules": rules_in_words(analysis, point.rules),
            "variation": point.variation,
            "variation_words": VARIATION_WORDS[point.variation],
        }
        for index, (label, point) in enumerate(zip(labels, analysis.points, strict=True))
    ]


def summary(
    analysis: XmR | RunChart, unit: str = "", *, value_range: tuple[float, float] | None = None
) -> str:
    """A plain-words summary of the chart: its centre line, limits (as drawn: see
    :func:`shown_limits`) and special causes."""
    points = analysis.points
    suffix = f" {unit}" if unit and unit != "%" else unit
    if analysis.kind == "xmr":
        lower, upper, capped = shown_limits(analysis, value_range)
        sentence = (
            f"Control chart (XmR) of {len(points)} points. Mean {format_number(analysis.mean)}{suffix}, "
            f"upper process limit {format_number(upper)}{suffix}, "
            f"lower process limit {format_number(lower)}{suffix}"
        )
        if capped:
            sentence += (
                f" (capped at {format_number(value_range[0])}{suffix} to "
                f"{format_number(value_range[1])}{suffix}, the range a proportion can take)"
            )
        first, last = analysis.baseline
        if analysis.rebase:
            starts = ", ".join(str(start + 1) for start in analysis.rebase)
            sentence = sentence.replace(
                f"Control chart (XmR) of {len(points)} points. Mean",
                f"Control chart (XmR) of {len(points)} points in {len(analysis.periods)} periods, the "
                f"limits recalculated from point{'s' if len(analysis.rebase) > 1 else ''} {starts}. "
                "Latest period: mean",
            )
            if (first, last) != (analysis.periods[-1].start, len(points)):
                sentence += f", worked out from points {first + 1} to {last}"
        elif (first, last) != (0, len(points)):
            sentence += f", worked out from points {first + 1} to {last}"
        sentence += "."
    else:
        sentence = (
            f"Run chart of {len(points)} point{'s' if len(points) != 1 else ''}. "
            f"Median {format_number(analysis.median)}{suffix}."
        )
    special = [p for p in points if p.special_cause]
    if not special:
        sentence += " No special cause variation."
    else:
        counts = {
            v: sum(1 for p in special if p.variation == v) for v in ("improvement", "concern", "neither")
        }
        parts = [
            f"{n} {word}"
            for word, n in (
                ("improvement", counts["improvement"]),
                ("concern", counts["concern"]),
                ("neither better nor worse", counts["neither"]),
            )
            if n
        ]
        plural = "s show" if len(special) != 1 else " shows"
        sentence += f" {len(special)} point{plural} special cause variation ({', '.join(parts)})."
    if analysis.kind == "run" and analysis.runs_signal:
        sentence += f" {RUNS_WORDS[analysis.runs_signal]}."
    return sentence


def _check_labels(analysis: XmR | RunChart, labels: Sequence[str]) -> None:
    if len(labels) != len(analysis.points):
        raise ValueError(f"{len(labels)} labels given for {len(analysis.points)} points.")


def _coordinate(value: float) -> str:
    """A coordinate to one decimal place, without a trailing ".0" (a chart draws hundreds)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _escaped(value) -> str:
    if isinstance(value, float):
        return _coordinate(value)
    if isinstance(value, int | SafeString):
        return str(value)
    return html.escape(str(value))


def _tag(template: str, *args) -> SafeString:
    """``format_html`` with coordinates rounded to one decimal place (numbers need no escaping,
    and a chart formats a few hundred tags: Django's lazy-aware escape was half its drawing time)."""
    return SafeString(template.format(*map(_escaped, args)))


def shown_limits(analysis: XmR, value_range: tuple[float, float] | None = None) -> tuple[float, float, bool]:
    """The XmR chart's lower and upper process limits as drawn: within ``value_range`` (0 to 100
    for a proportion, which cannot go beyond them) when one is given; and whether either was
    capped. The analysis itself keeps the formula's numbers."""
    return bounded_limits(analysis.lower_limit, analysis.upper_limit, value_range)


def bounded_limits(
    lower: float, upper: float, value_range: tuple[float, float] | None
) -> tuple[float, float, bool]:
    if value_range is None:
        return lower, upper, False
    floor, ceiling = value_range
    shown = max(floor, min(lower, ceiling)), max(floor, min(upper, ceiling))
    return shown[0], shown[1], shown != (lower, upper)


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round-numbered ticks covering [low, high] (Heckbert's "nice numbers")."""
    span = high - low
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, tick = [], first
    while tick <= high + step * 1e-9:
        ticks.append(round(tick, 10))
        tick += step
    if ticks[-1] < high:
        ticks.append(round(tick, 10))
    return ticks


def _shape(variation: str, x: float, y: float) -> str:
    """The point's shape, its colour and outline left to the group it is drawn in."""
    if variation == "common":
        return _tag('<circle cx="{}" cy="{}" r="3.5"/>', x, y)
    if variation == "improvement":
        return _tag('<circle cx="{}" cy="{}" r="6"/>', x, y)
    if variation == "concern":
        return _tag(
            '<polygon points="{},{} {},{} {},{} {},{}"/>', x, y - 7.5, x + 7.5, y, x, y + 7.5, x - 7.5, y
        )
    return _tag('<rect x="{}" y="{}" width="11" height="11"/>', x - 5.5, y - 5.5)


def _shapes_group(variation: str, shapes: Sequence[str]) -> str:
    """Shapes of one kind of point in one group carrying their colour (a chart of 52 weeks draws
    52 of them: the attributes once, not on each, keep a page of 30 charts small)."""
    if not shapes:
        return ""
    colour = MARKERS[variation][1]
    outline = "" if variation == "common" else ' stroke="#ffffff" stroke-width="1"'
    return format_html('<g fill="{}"{}>{}</g>', colour, SafeString(outline), SafeString("".join(shapes)))


def _letters_group(variation: str, letters: Sequence[str]) -> str:
    if not letters:
        return ""
    return format_html(
        '<g font-size="11" font-weight="bold" fill="{}">{}</g>',
        MARKERS[variation][1],
        SafeString("".join(letters)),
    )


def _marker(variation: str, x: float, y: float, *, letter_beside: bool = False, below: bool = False) -> str:
    """The point's shape, and its letter above it (below it for a point under the centre line,
    away from the line; beside it in the legend)."""
    letter = MARKERS[variation][0]
    shape = _shapes_group(variation, [_shape(variation, x, y)])
    if variation == "common":
        return shape
    if letter_beside:
        letter_x, letter_y, anchor = x + 11, y + 4, "start"
    else:
        letter_x, letter_y, anchor = x, (y + 19 if below else y - 10), "middle"
    return shape + _letters_group(
        variation,
        [_tag('<text x="{}" y="{}" text-anchor="{}">{}</text>', letter_x, letter_y, anchor, letter)],
    )


LEGEND_LINES = {
    "centre": (BLACK, "none", 2),
    "limit": (DARK_GREY, "6 4", 1.5),
    "near": (GREY, "2 3", 1.5),
    "annotation": (MID_GREY, "none", 1),
}


def _legend_item(x: float, y: float, kind: str, text: str) -> str:
    """One legend entry whose symbol is centred on ``y``, the text after it."""
    if kind in MARKERS:
        symbol = _marker(kind, x + 10, y, letter_beside=True)
    else:
        stroke, dash, width = LEGEND_LINES[kind]
        symbol = _tag(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" '
            'stroke-dasharray="{}"/>',
            x, y, x + 24, y, stroke, width, dash,
        )  # fmt: skip
    return symbol + _tag('<text x="{}" y="{}" font-size="12" fill="{}">{}</text>', x + 32, y + 4, BLACK, text)


def legend_svg(*, title: str = "Key to the charts") -> SafeString:
    """Every chart's legend as one image: a document of many charts (a dashboard PDF) draws
    it once instead of under each chart."""
    items = [
        ("centre", "Mean (median on a run chart)"),
        ("limit", "Process limits"),
        ("near", "Near the limits"),
        ("annotation", "Change (numbered)"),
        *((kind, MARKERS[kind][2]) for kind in ("common", "improvement", "concern", "neither")),
    ]
    column_width = (WIDTH - 16) / 3
    parts = [
        _legend_item(8 + column * column_width, 16 + row * 22, kind, text)
        for row, column, (kind, text) in ((*divmod(position, 3), item) for position, item in enumerate(items))
    ]
    height = 16 + math.ceil(len(items) / 3) * 22
    return _tag(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="100%" role="img" '
        'aria-label="{2}" font-family="{3}"><rect x="0" y="0" width="{0}" height="{1}" fill="#ffffff"/>'
        "{4}</svg>",
        WIDTH, height, title, FONT, SafeString("".join(parts)),
    )  # fmt: skip


def svg(
    analysis: XmR | RunChart,
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    unit: str = "",
    annotations: Sequence[tuple[int, str]] = (),
    x_label: str = "Date",
    legend: bool = True,
    value_range: tuple[float, float] | None = None,
) -> SafeString:
    """The chart as an ``<svg role="img">`` with a title, a description and a legend.

    ``labels`` name the points (dates, usually), one per point; ``annotations`` are
    ``(point index, text)`` pairs drawn as numbered vertical lines with a key below the
    chart (annotations outside the series are left out). ``description`` is followed by a
    generated summary of the centre line, limits and special causes. ``value_range`` bounds the
    lines drawn and the value axis (0 to 100 for a proportion).
    """
    _check_labels(analysis, labels)
    points = analysis.points
    count = len(points)
    values = [p.value for p in points]
    is_xmr = analysis.kind == "xmr"
    centre = analysis.mean if is_xmr else analysis.median
    floor, ceiling = value_range or (-math.inf, math.inf)

    def bounded(level: float) -> float:
        return max(floor, min(level, ceiling))

    if is_xmr:
        lower_limit, upper_limit, _capped = shown_limits(analysis, value_range)
        period_limits = [bounded_limits(p.lower_limit, p.upper_limit, value_range) for p in analysis.periods]
    extent = values + (
        [level for lower, upper, _ in period_limits for level in (lower, upper)] if is_xmr else [centre]
    )
    low, high = min(extent), max(extent)
    if math.isclose(low, high):
        low, high = bounded(low - 1), bounded(high + 1)
    ticks = [tick for tick in _nice_ticks(low, high) if floor <= tick <= ceiling]
    low, high = min(ticks[0], low), max(ticks[-1], high)

    plot_left, plot_right = LEFT, WIDTH - RIGHT
    bottom = TOP + PLOT_HEIGHT

    def x(index: float) -> float:
        if count == 1:
            return (plot_left + plot_right) / 2
        return plot_left + 8 + (plot_right - plot_left - 16) * index / (count - 1)

    def y(value: float) -> float:
        return bottom - PLOT_HEIGHT * (value - low) / (high - low)

    parts: list[str] = []
    # the baseline band, when a period's limits come from only some of its points
    bands = [p.baseline for p in analysis.periods if p.baseline != (p.start, p.end)] if is_xmr else []
    for first, last in bands:
        left_edge = x(first) - (4 if first == 0 else (x(first) - x(first - 1)) / 2)
        right_edge = x(last - 1) + (4 if last == count else (x(last) - x(last - 1)) / 2)
        parts.append(
            _tag(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="{}">Limits from these points</text>',
                left_edge,
                TOP,
                right_edge - left_edge,
                PLOT_HEIGHT,
                PALE,
                left_edge + 4,
                TOP + 12,
                BLACK,
            )  # fmt: skip
        )
    # value axis, grid and its title (the grid one path, the labels one group: 30 charts a page)
    grid = "".join(f"M{plot_left} {_coordinate(y(tick))}H{plot_right}" for tick in ticks if tick != low)
    if grid:
        parts.append(_tag('<path d="{}" stroke="{}" stroke-width="0.5"/>', grid, PALE))
    if low in ticks:
        parts.append(
            _tag(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="0.5"/>',
                plot_left,
                y(low),
                plot_right,
                y(low),
                MID_GREY,
            )  # fmt: skip
        )
    parts.append(
        format_html(
            '<g text-anchor="end">{}</g>',
            SafeString(
                "".join(
                    _tag('<text x="{}" y="{}">{}</text>', plot_left - 6, y(t) + 4, format_number(t))
                    for t in ticks
                )
            ),
        )
    )
    parts.append(
        _tag(
            '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}"/>'
            '<text transform="translate(16 {4}) rotate(-90)" font-size="12" text-anchor="middle">{5}</text>',
            plot_left,
            TOP,
            bottom,
            MID_GREY,
            TOP + PLOT_HEIGHT / 2,
            unit or "Value",
        )  # fmt: skip
    )
    # date axis: at most 8 labels, always the first and the last
    step = max(1, math.ceil(count / 8))
    shown = sorted({*range(0, count, step), count - 1})
    if len(shown) > 1 and shown[-1] - shown[-2] < step / 2:
        shown.pop(-2)
    parts.append(
        _tag(
            '<path d="{}" stroke="{}"/>',
            "".join(f"M{_coordinate(x(index))} {bottom}v4" for index in shown),
            MID_GREY,
        )
    )
    parts.append(
        format_html(
            '<g text-anchor="middle">{}</g>',
            SafeString(
                "".join(_tag('<text x="{}" y="{}">{}</text>', x(i), bottom + 17, labels[i]) for i in shown)
                + _tag(
                    '<text x="{}" y="{}" font-size="12">{}</text>',
                    (plot_left + plot_right) / 2,
                    bottom + 36,
                    x_label,
                )
            ),
        )
    )

    # centre line, limits and near-limit lines, named at the right; after a recalculation each
    # period's lines span its own points, so the chart shows the step
    def period_lines(period=None) -> list[tuple[str, float, str]]:
        if not is_xmr:
            return [("centre", centre, "Median")]
        if period is None:
            mean, (lower, upper, _) = analysis.mean, (lower_limit, upper_limit, None)
            near_levels = (analysis.upper_near, analysis.lower_near)
        else:
            mean, (lower, upper, _) = (
                period.mean,
                bounded_limits(period.lower_limit, period.upper_limit, value_range),
            )
            near_levels = (period.upper_near, period.lower_near)
        return [
            ("centre", mean, "Mean"),
            ("limit", upper, "Upper limit"),
            ("limit", lower, "Lower limit"),
            # a near-limit line beyond what the measure can take is not drawn
            *(("near", level, "") for level in near_levels if floor <= level <= ceiling),
        ]

    def edge(index: int, side: int) -> float:
        """The left (side -1) or right (+1) end of a period's lines at point ``index``."""
        if side < 0:
            return plot_left if index == 0 else (x(index - 1) + x(index)) / 2
        return plot_right if index == count - 1 else (x(index) + x(index + 1)) / 2

    spans = [(plot_left, plot_right, None)]
    if is_xmr and len(analysis.periods) > 1:
        spans = [(edge(p.start, -1), edge(p.end - 1, 1), p) for p in analysis.periods]
    for number, (left_x, right_x, period) in enumerate(spans, start=1):
        for kind, level, _name in period_lines(period):
            stroke, dash, width = LEGEND_LINES[kind]
            parts.append(
                _tag(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}" '
                    'stroke-dasharray="{}"/>',
                    left_x,
                    y(level),
                    right_x,
                    y(level),
                    stroke,
                    width,
                    dash,
                )  # fmt: skip
            )
        if number < len(spans):
            # the step: a vertical line where the next period starts
            parts.append(
                _tag(
                    '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="1" '
                    'stroke-dasharray="1 3"/>',
                    right_x,
                    TOP,
                    bottom,
                    DARK_GREY,
                )  # fmt: skip
            )
    used_label_ys: list[float] = []
    for _kind, level, name in period_lines(spans[-1][2]):
        if name:
            label_y = y(level) + 4
            while any(abs(label_y - used) < 13 for used in used_label_ys):
                label_y += 13 if level <= centre else -13
            used_label_ys.append(label_y)
            parts.append(
                _tag(
                    '<text x="{}" y="{}">{} {}</text>',
                    plot_right + 6,
                    label_y,
                    name,
                    format_number(level),
                )  # fmt: skip
            )
    # annotations: numbered vertical lines
    # numbered from left to right
    shown_annotations = sorted((i, text) for i, text in annotations if 0 <= i < count)
    for number, (index, _text) in enumerate(shown_annotations, start=1):
        parts.append(
            _tag(
                '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{3}" stroke-width="1"/>'
                '<circle cx="{0}" cy="{4}" r="9" fill="#ffffff" stroke="{3}"/>'
                '<text x="{0}" y="{5}" font-size="11" font-weight="bold" text-anchor="middle" '
                'fill="{6}">{7}</text>',
                x(index),
                TOP - 4,
                bottom,
                MID_GREY,
                TOP - 14,
                TOP - 10,
                BLACK,
                number,
            )  # fmt: skip
        )
    # the series and its points
    if count > 1:
        parts.append(
            _tag(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/>',
                " ".join(f"{_coordinate(x(i))},{_coordinate(y(v))}" for i, v in enumerate(values)),
                MID_GREY,
            )
        )
    shapes: dict[str, list[str]] = {variation: [] for variation in MARKERS}
    letters: dict[str, list[str]] = {variation: [] for variation in MARKERS}
    for index, point in enumerate(points):
        px, py = x(index), y(point.value)
        if point.variation == "common":
            shapes["common"].append(f"M{_coordinate(px)} {_coordinate(py)}h0")
        else:
            shapes[point.variation].append(_shape(point.variation, px, py))
        if point.variation != "common":
            own_centre = analysis.period_of(index).mean if is_xmr else centre
            letter_y = py + 19 if point.value < own_centre else py - 10
            letters[point.variation].append(
                _tag('<text x="{}" y="{}">{}</text>', px, letter_y, MARKERS[point.variation][0])
            )
    # Common-cause points, the most of any chart, are one path of zero-length round-capped
    # strokes: a dot of the circle's size at each (SVG and PDF both paint a degenerate subpath
    # with round caps as a filled circle), a tenth of the markup of a circle each.
    common = shapes.pop("common")
    if common:
        parts.append(
            _tag(
                '<path d="{}" stroke="{}" stroke-width="7" stroke-linecap="round" fill="none"/>',
                "".join(common),
                GREY,
            )
        )
    for variation in shapes:
        parts.append(_shapes_group(variation, shapes[variation]))
    for variation in MARKERS:
        if letters[variation]:
            parts.append(
                format_html(
                    '<g font-size="11" font-weight="bold" text-anchor="middle" fill="{}">{}</g>',
                    MARKERS[variation][1],
                    SafeString("".join(letters[variation])),
                )
            )

    # legend and annotation key below the chart
    cursor = bottom + 52
    if legend:
        items = [("centre", "Mean" if is_xmr else "Median")]
        if is_xmr:
            items += [("limit", "Process limits"), ("near", "Near the limits")]
        if shown_annotations:
            items.append(("annotation", "Change (numbered)"))
        shown_kinds = ("neither",) if analysis.improvement == "neither" else ("improvement", "concern")
        items += [(v, MARKERS[v][2]) for v in ("common", *shown_kinds)]
        column_width = (WIDTH - 16) / 3
        for position, (kind, text) in enumerate(items):
            row, column = divmod(position, 3)
            parts.append(_legend_item(8 + column * column_width, cursor + 8 + row * 22, kind, text))
        cursor += (math.ceil(len(items) / 3)) * 22 + 8
    for number, (_index, text) in enumerate(shown_annotations, start=1):
        parts.append(
            _tag(
                '<text x="8" y="{}" font-size="12" fill="{}">'
                '<tspan font-weight="bold">{}.</tspan> {}: {}</text>',
                cursor + 14,
                BLACK,
                number,
                labels[_index],
                text,
            )  # fmt: skip
        )
        cursor += 20
    height = cursor + 8

    ident = (
        "spc-"
        + hashlib.sha1(
            repr((title, values, tuple(labels), tuple(annotations))).encode(), usedforsecurity=False
        ).hexdigest()[:10]
    )
    full_description = f"{description} {summary(analysis, unit, value_range=value_range)}".strip()
    return _tag(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="100%" role="img" '
        'aria-labelledby="{2}-title {2}-desc" font-family="{3}" font-size="11" fill="{7}" '
        'class="dc-spc-chart">'
        '<title id="{2}-title">{4}</title><desc id="{2}-desc">{5}</desc>'
        '<rect x="0" y="0" width="{0}" height="{1}" fill="#ffffff"/>{6}</svg>',
        WIDTH, height, ident, FONT, title, full_description, SafeString("".join(parts)), BLACK,
    )  # fmt: skip
