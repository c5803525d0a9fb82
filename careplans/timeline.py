"""The care plans' timeline sources (dualcare/timeline): each published version of the person's plan
and each of their answers to one (agreed, asked for changes, a carer's views). Shown to whoever may
see the plan (access.care_plans_visible_to); a version's entries are filtered on its own page."""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import Agreement, CarePlan, PlanVersion


def _plans(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    return access.care_plans_visible_to(viewer, CarePlan.objects.filter(service_user=service_user)).values(
        "pk"
    )


def version_rows(viewer, service_user):
    plans = _plans(viewer, service_user)
    if plans is None:
        return None
    return entries(
        PlanVersion.objects.filter(plan__in=plans),
        key="careplans.version",
        at="published_at",
        organisation="published_by_organisation_id",
        organisation_name="published_by_organisation__name",
        title=text("Care plan version ", Cast("number", CharField()), " published"),
    )


_ANSWERS = [
    (Agreement.Kind.AGREED, "They agreed their care plan"),
    (Agreement.Kind.CHANGES, "They asked for changes to their care plan"),
    (Agreement.Kind.CARER_VIEWS, "Their carer gave their views on the care plan"),
]


def agreement_rows(viewer, service_user):
    plans = _plans(viewer, service_user)
    if plans is None:
        return None
    return entries(
        Agreement.objects.filter(version__plan__in=plans),
        key="careplans.agreement",
        at="recorded_at",
        organisation=None,
        organisation_name=None,
        title=text(label_of("kind", _ANSWERS), " (version ", Cast("version__number", CharField()), ")"),
        detail=Case(When(~Q(comment=""), then=F("comment")), default=Value("")),
        ref="version_id",
    )


def version_link(ref) -> str:
    return reverse("careplans:version", kwargs={"pk": ref})
