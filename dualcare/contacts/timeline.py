"""The contacts' timeline source (dualcare/timeline): appointments and supervised-consumption
collections once recorded (attended, missed, cancelled), by the contacts consent
(access.org_written_filter: the team's organisation's own, others' with the person's consent)."""

from __future__ import annotations

from django.db.models import F

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import Contact, Kind, Outcome


def contact_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    recorded = Contact.objects.exclude(outcome="")
    rows = access.org_written_filter(viewer, recorded, service_user=service_user)
    return entries(
        rows,
        key="contacts.contact",
        at="starts_at",
        organisation="team__organisation_id",
        organisation_name="team__organisation__name",
        title=text(
            label_of("kind", Kind.choices),
            ": ",
            label_of("outcome", [(value, label.lower()) for value, label in Outcome.choices]),
        ),
        detail=text("With ", F("team__name")),
        ref=None,
    )
