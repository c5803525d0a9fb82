"""The person's copy of a published care plan version (PDF/UA-1: tagged, real text).

Rendered once per version in Celery (careplans.tasks) and then served as a stored file: a
published version never changes (DESIGN.md "Engineering decisions: PDFs"). No network
fetches: no external stylesheets, fonts or images.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from dualcare.access import CarePlanAccess
from dualcare.people.models import User

from .models import PlanVersion

# The person's own copy: every section, as the person sees it in the portal.
_PERSON = CarePlanAccess(can_view=True, kind=User.Kind.SERVICE_USER)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("The care plan PDF loads no external resources.")


def version_pdf(version: PlanVersion) -> bytes:
    from weasyprint import HTML

    from .selectors import version_sections

    html = render_to_string(
        "careplans/pdf.html",
        {
            "version": version,
            "person": version.plan.service_user,
            "sections": version_sections(_PERSON, version, reader="person"),
        },
    )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf(pdf_variant="pdf/ua-1")
