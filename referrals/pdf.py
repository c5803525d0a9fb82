"""The printable referral note (PDF) for the receiving team.

Rendered in the request: a referral note is one or two pages (~0.4 s with WeasyPrint,
measured for 3 pages), unlike care-plan versions and link-meeting minutes, which render
in Celery. No network fetches: the note uses no external stylesheets, fonts or images.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Referral


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("The referral note loads no external resources.")


def referral_note_pdf(referral: Referral) -> bytes:
    from weasyprint import HTML

    html = render_to_string("referrals/note_pdf.html", {"referral": referral, "printed_at": timezone.now()})
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
