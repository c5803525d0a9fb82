"""The cohorts' timeline source (dualcare/timeline): each Minkoff quadrant assessment of the person,
by the outcomes consent (access.ORG_WRITTEN "cohorts.quadrantassessment")."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import Quadrant, QuadrantAssessment


def quadrant_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    rows = access.org_written_filter(viewer, QuadrantAssessment.objects.all(), service_user=service_user)
    return entries(
        rows,
        key="cohorts.quadrant",
        at="assessed_on",
        timed=False,
        organisation="organisation_id",
        organisation_name="organisation__name",
        title=text("Quadrant ", label_of("quadrant", Quadrant.choices)),
        detail=F("rationale"),
        ref="service_user_id",
    )


def quadrant_link(ref) -> str:
    return reverse("cohorts:quadrant", kwargs={"pk": ref})
