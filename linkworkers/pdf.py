"""Agenda and notes of a link meeting as PDF, rendered in the Celery task that emails them.

Downloaded in DualCare, a notified case names the person only when every other organisation
present holds their care-plan consent (access.linkworkers_identified_case_ids). The copies
attached to email leave DualCare for mailboxes it cannot vouch for, so they name nobody: each
case is "a person aged 35 to 39, known to <team>", with the link to the meeting in DualCare.
No network fetches.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("Link-meeting documents load no external resources.")


def _render(template: str, meeting, *, for_email: bool = False) -> bytes:
    from weasyprint import HTML

    context = selectors.meeting_context(meeting, viewer=None, deidentified=for_email)
    context["printed_at"] = timezone.now()
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def agenda_pdf(meeting, *, for_email: bool = False) -> bytes:
    return _render("linkworkers/agenda_pdf.html", meeting, for_email=for_email)


def notes_pdf(meeting, *, for_email: bool = False) -> bytes:
    return _render("linkworkers/notes_pdf.html", meeting, for_email=for_email)
