"""Dashboards as PDF (WeasyPrint): the same charts as the pages, and every week's figures.

Rendered by a worker (services.pdf_render, from tasks). Where the time went (bench/dashboard_pdf.py,
the demo's organisation on a 2-core machine shared with other work: 15-19 s and 53 pages for 52
weeks, 25-29 s and 70 pages for 104): the charts as inline SVG put ~3,400 elements through the
HTML parser and the CSS cascade, a 5-column table per measure (1,600 rows) was most of the layout,
and each chart drew its own legend. Now each chart, drawn once on the server, is an image served
from memory by its own address (the document fetches nothing else), one key serves every chart,
and each measure's weeks are one paragraph of figures: 5-8 s and 28 pages, 7-8 s and 31 pages.

A chart that cannot be drawn stops the render (ChartRenderError): WeasyPrint logs such a failure
and carries on, leaving an empty frame, and even swallows the worker's soft time limit while
drawing an SVG, so a document could be stored without its charts and the task report success.
"""

from __future__ import annotations

import logging
import sys
import threading
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors

WEASYPRINT_LOGGER = "weasyprint"
CHART_ADDRESS = "chart:{}"  # a scheme nothing else answers to: charts are looked up, never fetched
KEY_ADDRESS = "chart:key"  # the legend, drawn once for every chart of the document


class ChartRenderError(Exception):
    """Part of a dashboard document (a chart, usually) could not be drawn: no PDF is stored."""


def _fetcher(charts: dict[str, bytes]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ChartFetcher(URLFetcher):
        """Answers with the charts drawn for this document; refuses everything else. With
        fail_on_errors, a refusal stops the render instead of leaving an empty frame."""

        def fetch(self, url, headers=None):
            if url not in charts:
                raise ValueError("Dashboard documents load no external resources.")
            return URLFetcherResponse(url, charts[url], {"Content-Type": "image/svg+xml"})

    return ChartFetcher(fail_on_errors=True)


class _RaiseOnError(logging.Handler):
    """Turns an error WeasyPrint logs, in this thread's render, into ChartRenderError. Raised from
    inside WeasyPrint's own `except`, so the render stops there, chained to the real cause."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            raise ChartRenderError(record.getMessage()) from sys.exc_info()[1]


@contextmanager
def _errors_raise():
    logger = logging.getLogger(WEASYPRINT_LOGGER)
    handler = _RaiseOnError()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _chart_images(charts) -> dict[str, bytes]:
    """Give each drawn chart its address (chart.pdf_src, for the template); return what it serves."""
    from dualcare.spc import charts as spc_charts

    images = {KEY_ADDRESS: str(spc_charts.legend_svg()).encode()}
    for number, chart in enumerate(charts):
        chart.pdf_src = ""
        if chart.svg:
            chart.pdf_src = CHART_ADDRESS.format(number)
            images[chart.pdf_src] = str(chart.svg).encode()
    return images


def _render(template: str, context: dict, charts) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    images = _chart_images(charts)
    context = {
        **context,
        "printed_at": timezone.now(),
        "suppressed": selectors.SUPPRESSED,
        "key_src": KEY_ADDRESS,
    }
    html = render_to_string(template, context)
    with _errors_raise():
        try:
            return HTML(string=html, url_fetcher=_fetcher(images)).write_pdf()
        except FatalURLFetchingError as error:
            raise ChartRenderError(str(error)) from error


def dashboard_pdf(board: selectors.Dashboard) -> bytes:
    return _render("dashboards/dashboard_pdf.html", {"board": board, "scope": board.scope}, board.charts)


def pack_pdf(the_pack) -> bytes:
    """The Shared Care meeting pack (dashboards/pack.py): its incidents, lessons and actions, and
    every measure of the locality with its chart."""
    return _render(
        "dashboards/pack_pdf.html",
        {"pack": the_pack, "locality": the_pack.locality, "period": the_pack.period},
        [the_pack.monthly, *(item.chart for item in the_pack.locality.measures)],
    )


def locality_pdf(place: selectors.Locality) -> bytes:
    return _render(
        "dashboards/locality_pdf.html",
        {"locality": place, "period": place.period},
        [item.chart for item in place.measures],
    )
