"""The person's copy of a published care plan version (PDF/UA-1: tagged, real text).

Rendered once per version in Celery (careplans.tasks) and then served as a stored file: a
published version never changes (DESIGN.md "Engineering decisions: PDFs"). No network
fetches: no external stylesheets, fonts or images.
"""

from __future__ import annotations

import datetime as dt
import re

from django.template.loader import render_to_string
from django.utils import translation

from dualcare.access import CarePlanAccess
from dualcare.people.models import User

from .models import PlanVersion

# The person's own copy: every section, as the person sees it in the portal.
_PERSON = CarePlanAccess(can_view=True, kind=User.Kind.SERVICE_USER)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("The care plan PDF loads no external resources.")


def person_language(person) -> str:
    """The language the person chose for their pages, and so for their copy (English until then)."""
    user = getattr(person, "user", None)
    return (user.language if user is not None else "") or User.Language.ENGLISH


def version_pdf(version: PlanVersion, *, language: str | None = None) -> bytes:
    """The person's copy, in their language (or `language`)."""
    from weasyprint import HTML

    from .selectors import version_sections

    person = version.plan.service_user
    with translation.override(language or person_language(person)):
        html = render_to_string(
            "careplans/pdf.html",
            {
                "version": version,
                "person": person,
                "sections": version_sections(_PERSON, version, reader="person"),
                "LANGUAGE_CODE": translation.get_language(),
            },
        )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(pdf_variant="pdf/ua-1")


# Easy read: one idea a line. A line longer than this is broken at its commas and "and"s.
_EASY_READ_LINE = 80


def easy_read_lines(text: str) -> list[str]:
    """A piece of the plan as short lines: one sentence (or one part of a long one) a line."""
    lines = []
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", text or ""):
        sentence = sentence.strip(" ;")
        if not sentence:
            continue
        if len(sentence) > _EASY_READ_LINE:
            lines.extend(part.strip() for part in re.split(r",\s+|\s+and\s+", sentence) if part.strip())
        else:
            lines.append(sentence)
    return lines


def easy_read_pdf(version: PlanVersion, *, language: str | None = None) -> bytes:
    """The person's plan in easy read: short sentences, one idea a line, large type, in their
    language. Small (a few pages), so rendered when asked for rather than stored."""
    from weasyprint import HTML

    person = version.plan.service_user
    sections = version.content.get("sections", {})

    def entries(key: str) -> list[dict]:
        return [entry["fields"] for entry in sections.get(key, [])]

    def with_lines(fields: dict) -> dict:
        from .selectors import reader_owner

        day = fields.get("target_date") or fields.get("due_date")
        return {
            "lines": easy_read_lines(fields.get("text", "")),
            "by": dt.date.fromisoformat(day) if day else None,
            "who": reader_owner(fields.get("owner_kind", "")),
            "worker": fields.get("owner_worker_name", ""),
        }

    with translation.override(language or person_language(person)):
        html = render_to_string(
            "careplans/easy_read_pdf.html",
            {
                "version": version,
                "person": person,
                "what_matters": [easy_read_lines(f.get("text", "")) for f in entries("what_matters")],
                "goals": [with_lines(f) for f in entries("goal")],
                "actions": [with_lines(f) for f in entries("action")],
                "crisis": [{name: easy_read_lines(f.get(name, "")) for name in f} for f in entries("crisis")],
                "LANGUAGE_CODE": translation.get_language(),
            },
        )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(pdf_variant="pdf/ua-1")
