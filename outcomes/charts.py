"""Small line charts as server-rendered SVG (no JavaScript). Every chart on a page has a data
table beside it with the same numbers, for screen readers and for anyone who prefers figures."""

from __future__ import annotations

from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD_X, PAD_Y = 320, 140, 36, 16
# Distinct dash patterns as well as colours, so lines differ without colour.
STYLES = [("#005eb8", ""), ("#007f3b", "6 3"), ("#d5281b", "2 3")]


def line_chart(*, title: str, series: list[tuple[str, list[tuple]]], low: int, high: int) -> SafeString:
    """series: [(name, [(date, value or None), ...])]; None values are gaps (not answered)."""
    dates = sorted({day for _, points in series for day, value in points if value is not None})
    if not dates:
        return SafeString("")
    span = max((dates[-1] - dates[0]).days, 1)

    def x(day) -> float:
        if len(dates) == 1:
            return PAD_X + (WIDTH - 2 * PAD_X) / 2
        return PAD_X + (WIDTH - 2 * PAD_X) * (day - dates[0]).days / span

    def y(value) -> float:
        return HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * (float(value) - low) / (high - low)

    parts = []
    for (_name, points), (colour, dash) in zip(series, STYLES, strict=False):
        coords = [(x(day), y(value)) for day, value in points if value is not None]
        if not coords:
            continue
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="{}"/>',
                path,
                colour,
                dash,
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
                ((f"{cx:.1f}", f"{cy:.1f}", colour) for cx, cy in coords),
            )
        )
    axis = format_html(
        '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#4c6272"/>'
        '<text x="4" y="{3}" font-size="10">{4}</text><text x="4" y="{1}" font-size="10">{5}</text>'
        '<text x="{0}" y="{6}" font-size="10">{7}</text>'
        '<text x="{2}" y="{6}" font-size="10" text-anchor="end">{8}</text>',
        PAD_X,
        HEIGHT - PAD_Y,
        WIDTH - PAD_X,
        PAD_Y + 4,
        high,
        low,
        HEIGHT - 2,
        date_format(dates[0], "M Y"),
        date_format(dates[-1], "M Y"),
    )
    legend = format_html_join(
        ", ",
        "{} ({})",
        (
            (name, "solid" if not dash else "dashed")
            for (name, _), (_, dash) in zip(series, STYLES, strict=False)
        ),
    )
    return format_html(
        '<figure class="dc-chart"><svg viewBox="0 0 {} {}" width="100%" class="dc-line-chart" role="img" '
        'aria-label="{}"><title>{}</title>{}{}</svg>'
        '<figcaption class="nhsuk-body-s">{}: {}. The table has the same figures.</figcaption></figure>',
        WIDTH,
        HEIGHT,
        title,
        title,
        axis,
        SafeString("".join(parts)),
        title,
        legend,
    )
