"""The conversations' timeline source (dualcare/timeline): each message about the person that the
viewer may read in its thread (access.conversation_messages_visible_to: the conversation's kind of
information, by the person's consent). A withdrawn message shows that it was withdrawn, never its
words, as in the thread."""

from __future__ import annotations

from django.db.models import Case, F, Value, When
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, text

from .selectors import messages_for_timeline


def message_rows(viewer, service_user):
    if not access.is_active_staff(viewer):
        return None
    return entries(
        messages_for_timeline(viewer, service_user),
        key="conversations.message",
        at="created_at",
        organisation="organisation_id",
        organisation_name="organisation__name",
        title=text("Message: ", F("conversation__subject")),
        detail=Case(
            When(withdrawn_at__isnull=False, then=Value("Withdrawn by the person who sent it")),
            default=F("text"),
        ),
        ref="conversation_id",
    )


def conversation_link(ref) -> str:
    return reverse("conversations:detail", kwargs={"pk": ref})
