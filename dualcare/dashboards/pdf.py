"""Dashboards as PDF (WeasyPrint): the same SVG charts and data tables as the pages.

Rendered by a worker (services.pdf_render, from tasks): an organisation's 30 measures with a
year of weekly tables measured 8-20 s, too long for a request. No network fetches.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("Dashboard documents load no external resources.")


def _render(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    context = {**context, "printed_at": timezone.now(), "suppressed": selectors.SUPPRESSED}
    return HTML(string=render_to_string(template, context), url_fetcher=_no_fetch).write_pdf()


def dashboard_pdf(board: selectors.Dashboard) -> bytes:
    return _render("dashboards/dashboard_pdf.html", {"board": board, "scope": board.scope})


def locality_pdf(place: selectors.Locality) -> bytes:
    return _render("dashboards/locality_pdf.html", {"locality": place, "period": place.period})
