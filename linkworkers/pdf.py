"""Agenda and notes of a link meeting as PDF, rendered in the Celery task that emails them.

Downloaded in DualCare, a notified case names the person only as it would on the meeting page to
the one downloading it (access.linkworkers_identified_case_ids with that viewer). The copies
attached to email leave DualCare for mailboxes it cannot vouch for, so they name nobody: each
case is "a person aged 35 to 39, known to <team>", with the link to the meeting in DualCare.
No network fetches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors

if TYPE_CHECKING:
    from dualcare.people.models import User


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("Link-meeting documents load no external resources.")


def _render(template: str, meeting, *, viewer, for_email: bool) -> bytes:
    from weasyprint import HTML

    context = selectors.meeting_context(meeting, viewer=viewer, deidentified=for_email)
    context["printed_at"] = timezone.now()
    html = render_to_string(template, context)
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def agenda_pdf(meeting, *, viewer: User | None, for_email: bool = False) -> bytes:
    """The agenda as `viewer` may read it; `viewer=None` (email) names nobody."""
    return _render("linkworkers/agenda_pdf.html", meeting, viewer=viewer, for_email=for_email)


def notes_pdf(meeting, *, viewer: User | None, for_email: bool = False) -> bytes:
    """The notes as `viewer` may read them; `viewer=None` (email) names nobody."""
    return _render("linkworkers/notes_pdf.html", meeting, viewer=viewer, for_email=for_email)
