"""The incidents' timeline source (dualcare/timeline): each incident, near miss or complaint about
the person that the viewer may read (access.incidents_visible_to: the person's consent of its
scope to the viewer's organisation), on the day it happened."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import Harm, Kind
from .selectors import incidents_for_timeline


def incident_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    return entries(
        incidents_for_timeline(viewer, service_user),
        key="incidents.incident",
        at="occurred_on",
        organisation="organisation_id",
        organisation_name="organisation__name",
        title=text(label_of("kind", Kind.choices), ": ", F("title")),
        detail=text(label_of("harm", Harm.choices), ". ", F("what_happened")),
        ref="pk",
        timed=False,
    )


def incident_link(ref) -> str:
    return reverse("incidents:detail", kwargs={"pk": ref})
