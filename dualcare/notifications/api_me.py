"""/api/v1/me/messages/: what DualCare has sent the caller, newest first, as their "Reminders and
updates" page shows it (notifications.selectors.updates_for). Messages from their care team are
the conversations' (their own API), not repeated here as notifications."""

from __future__ import annotations

from rest_framework import serializers

from dualcare.people.api_me import PersonReadViewSet

from . import selectors


class MyMessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    subject = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    sent_at = serializers.DateTimeField(source="created_at")
    read = serializers.SerializerMethodField()
    link = serializers.CharField(source="url", allow_blank=True, help_text="The page it is about, if any.")

    def get_read(self, message) -> bool:
        return message.read_at is not None


class MyMessageViewSet(PersonReadViewSet):
    """Your messages, newest first (read only: mark them read on the website)."""

    serializer_class = MyMessageSerializer
    audit_action = "me.messages"

    def rows(self, user):
        return selectors.updates_for(user).order_by("-created_at", "pk")
