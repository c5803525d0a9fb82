"""Agenda and notes of a link meeting as PDF, rendered in the Celery task that emails them.

Sent to everyone invited, so a notified case names the person only when every other
organisation present holds their care-plan consent (access.linkworkers_identified_case_ids).
No network fetches.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("Link-meeting documents load no external resources.")


def _render(template: str, meeting) -> bytes:
    from weasyprint import HTML

    context = selectors.meeting_context(meeting, viewer=None)
    context["printed_at"] = timezone.now()
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def agenda_pdf(meeting) -> bytes:
    return _render("linkworkers/agenda_pdf.html", meeting)


def notes_pdf(meeting) -> bytes:
    return _render("linkworkers/notes_pdf.html", meeting)
