"""The outcomes' timeline sources (dualcare/timeline): each HoNOS, TOP and DIALOG about the person,
by the outcomes consent (access.org_written_filter)."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import DialogRating, HonosRating, HonosStage, TopForm, TopStage


def _rows(model, *, key, at, title):
    def rows(viewer, service_user):
        if not access.is_active_staff(viewer):
            return None
        return entries(
            access.org_written_filter(viewer, model.objects.all(), service_user=service_user),
            key=key,
            at=at,
            timed=False,
            organisation="organisation_id",
            organisation_name="organisation__name",
            title=title,
            detail=F("team__name"),
            ref="service_user_id",
        )

    return rows


def _stage(choices):
    return label_of("stage", [(value, label.lower()) for value, label in choices])


SOURCES = {
    "outcomes.honos": _rows(
        HonosRating,
        key="outcomes.honos",
        at="rated_on",
        title=text("HoNOS rated (", _stage(HonosStage.choices), ")"),
    ),
    "outcomes.top": _rows(
        TopForm,
        key="outcomes.top",
        at="completed_on",
        title=text("TOP completed (", _stage(TopStage.choices), ")"),
    ),
    "outcomes.dialog": _rows(DialogRating, key="outcomes.dialog", at="rated_on", title=text("DIALOG rated")),
}


def outcomes_link(ref) -> str:
    return reverse("outcomes:person", kwargs={"pk": ref})
