"""Risk assessments and safety-flag changes on the person's timeline (dualcare/timeline): each
row the viewer may see by the risk rule of ORG_WRITTEN, as on the risk and flag pages. The rule
itself, not access.safety's filters: those read the viewer's roles first (a query per source), and
a staff member without a clinical role holds no permission the rule accepts, so sees none here
either (a pharmacist's sight of flags is for the counter, not a timeline they cannot open)."""

from __future__ import annotations

from django.db.models import CharField, F, Value
from django.db.models.functions import Cast
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import FlagEvent, RiskAssessment


def assessment_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    return entries(
        access.org_written_filter(viewer, RiskAssessment.objects.all(), service_user=service_user),
        key="safety.assessment",
        at="created_at",
        organisation="organisation_id",
        organisation_name="organisation__name",
        title=Value("Risk assessment"),
        detail=text("Review by ", Cast("review_due", CharField())),
        ref="service_user_id",
    )


def flag_event_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    return entries(
        access.org_written_filter(viewer, FlagEvent.objects.all(), service_user=service_user),
        key="safety.flag",
        at="created_at",
        organisation="organisation_id",
        organisation_name="organisation__name",
        title=text("Safety flag: ", F("flag__warning"), " (", label_of("kind", FlagEvent.Kind.choices), ")"),
        detail=F("note"),
        ref="flag_id",
    )


def assessment_link(ref) -> str:
    return reverse("safety:risk", kwargs={"pk": ref})


def flag_link(ref) -> str:
    return reverse("safety:flag", kwargs={"pk": ref})
