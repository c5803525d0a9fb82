"""The notifications outbox: one row per event, recipient and channel, delivered by Celery.

A row is written in the same transaction as the event that causes it, so an event that
rolls back sends nothing and a committed one is never lost: if the broker is down, the
sweep task sends it later. The unique (event_key, recipient, channel) makes an event give
one row per recipient whatever the retries; delivery claims a row with a conditional
UPDATE (pending -> sending), so two workers never send the same row twice.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    class Channel(models.TextChoices):
        IN_APP = "in_app", "In DualCare"
        EMAIL = "email", "Email"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_key = models.CharField(max_length=200, help_text="One event, e.g. 'referral:<id>:ack_overdue'.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.IN_APP)
    kind = models.CharField(max_length=60, help_text="What happened, e.g. 'referral.ack_overdue'.")
    # Only what the recipient may see; prefer a link to the record over its contents.
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    related_type = models.CharField(max_length=60, blank=True)
    related_id = models.CharField(max_length=64, blank=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient", "channel"], name="notification_one_per_event_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["recipient", "channel", "-created_at"]),
            models.Index(fields=["related_type", "related_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.channel}, {self.state})"
