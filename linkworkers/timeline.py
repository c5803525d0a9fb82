"""The link workers' timeline source (dualcare/timeline): each time the person's case was presented
to a link meeting. The record's own rule (templatetags.link_meeting_section): staff who may present
cases and see the record see the meetings it went to; the case's contents stay on the meeting's
page, which names the person only as access.linkworkers_identified_case_ids allows."""

from __future__ import annotations

from django.db.models import Case, F, Value, When
from django.db.models.functions import Now
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, text

from .models import CaseNotification


def case_rows(viewer, service_user):
    if not access.linkworkers_can_notify(viewer) or not access.can_view_record(viewer, service_user):
        return None
    return entries(
        CaseNotification.objects.filter(service_user=service_user),
        key="linkworkers.case",
        at="meeting__starts_at",
        organisation="team__organisation_id",
        organisation_name="team__organisation__name",
        title=text(
            Case(
                When(meeting__starts_at__gt=Now(), then=Value("To be discussed at ")),
                default=Value("Discussed at "),
            ),
            F("meeting__title"),
        ),
        detail=text("Presented by ", F("team__name")),
        ref="meeting_id",
    )


def meeting_link(ref) -> str:
    return reverse("linkworkers:meeting", kwargs={"pk": ref})
