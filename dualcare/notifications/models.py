"""The notifications outbox: one row per event, recipient and channel, delivered by Celery.

A row is written in the same transaction as the event that causes it, so an event that
rolls back sends nothing and a committed one is never lost: if the broker is down, the
sweep task sends it later. The unique (event_key, recipient, channel) makes an event give
one row per recipient whatever the retries; delivery claims a row with a conditional
UPDATE (pending -> sending), so two workers never send the same row twice.

Delivery tells the truth about what happened: "sent"; "failed" only when nothing left DualCare
(refused, unreachable; retried with backoff); "unknown" when the send broke after the message was
handed over (or the worker died mid-send). An unknown row is resent once, after
NOTIFY_RESEND_AFTER, with the same message_id (the email's Message-ID, the Notify reference), so
a recipient's mail system and Notify can tell it is the same message; then it waits for a human.
"""

import uuid
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q

# What a person-free email says instead of the person's name.
SEE_WHO = "Open the record to see who."


def new_message_id() -> str:
    """A Message-ID for one outbox row, e.g. <1733…@dualcare.example.org>: random, on the site's
    domain, nothing about the person."""
    domain = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname or "dualcare.invalid"
    return make_msgid(domain=domain)


class Notification(models.Model):
    class Channel(models.TextChoices):
        IN_APP = "in_app", "In DualCare"
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    class Priority(models.TextChoices):
        NORMAL = "normal", "Normal"
        URGENT = "urgent", "Urgent"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        UNKNOWN = "unknown", "May have been sent: check before sending again"
        FAILED = "failed", "Could not be sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_key = models.CharField(max_length=200, help_text="One event, e.g. 'referral:<id>:ack_overdue'.")
    # A login, or (for a reminder to a person without one) an address: phone number or email.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    to_address = models.CharField(max_length=254, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.IN_APP)
    kind = models.CharField(max_length=60, help_text="What happened, e.g. 'referral.ack_overdue'.")
    # Only what the recipient may see; prefer a link to the record over its contents.
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    related_type = models.CharField(max_length=60, blank=True)
    # Whom the alert is about (set by notify from the event): named in the alert pages only to a
    # viewer who may see that person now; never in the subject, body, email or text.
    service_user = models.ForeignKey(
        "people.ServiceUser", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    related_id = models.CharField(max_length=64, blank=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # The same id on every attempt: the email's Message-ID header and the Notify reference.
    message_id = models.CharField(max_length=200, unique=True, default=new_message_id, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sending_at = models.DateTimeField(null=True, blank=True, help_text="When the last attempt was claimed.")
    sent_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(
        null=True, blank=True, help_text="The one automatic resend after an unknown outcome."
    )
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="A failed row (nothing was sent) is tried again from then."
    )
    read_at = models.DateTimeField(null=True, blank=True)

    # An alert: urgent ones not acknowledged by escalate_at go to the managers of `team` (once).
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The team on whose behalf the recipient is told; escalation goes to its managers.",
    )
    # From the kind (kinds.needs_action): asks "What did you do?", else is only marked as read.
    needs_action = models.BooleanField(default=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_key", "recipient", "channel"], name="notification_one_per_event_recipient"
            ),
            models.UniqueConstraint(
                fields=["event_key", "to_address", "channel"],
                condition=Q(recipient__isnull=True),
                name="notification_one_per_event_address",
            ),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(to_address=""),
                name="notification_has_somewhere_to_go",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(acknowledgement_note=""),
                name="notification_acknowledged_with_note",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["recipient", "channel", "-created_at"]),
            models.Index(fields=["related_type", "related_id"]),
            # The dashboards' alert measures: by team and week created.
            models.Index(fields=["team", "created_at"], name="notification_team_created"),
            # The person's timeline: the viewer's alerts about one person, newest first.
            models.Index(fields=["recipient", "service_user", "created_at"], name="notification_person_time"),
            models.Index(
                fields=["escalate_at"],
                condition=Q(escalated_at__isnull=True, acknowledged_at__isnull=True),
                name="notification_to_escalate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id or 'an address'} ({self.channel}, {self.state})"

    @property
    def page_body(self) -> str:
        """The body as the alert pages show it: without the email's "Open the record to see who.",
        since the page says who (or that) just below it (templates/notifications/_about.html)."""
        return " ".join(self.body.replace(SEE_WHO, "").split())

    @property
    def is_urgent(self) -> bool:
        return self.priority == self.Priority.URGENT

    @property
    def acknowledged_by_someone_else(self) -> bool:
        """Dealt with by a colleague told about the same urgent event (or closed by the event)."""
        return self.acknowledged_at is not None and self.acknowledged_by_id != self.recipient_id

    @property
    def time_to_acknowledge(self):
        """How long the person told took to acknowledge it; None if they did not (yet), including
        when a colleague dealt with it for them (as in the dashboards' measures)."""
        if self.acknowledged_at is None or self.acknowledged_by_someone_else:
            return None
        return self.acknowledged_at - self.created_at
