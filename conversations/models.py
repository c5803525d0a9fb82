"""Case conversations: threads between agencies about one person (issue 16).

A conversation is about one person and one kind of information (care plan, risk, outcomes,
contacts, or general care coordination); the kind is the consent scope its messages cross
organisations under (access.conversations). It is started by a team (or by the person, from
their portal), addressed to teams and/or named staff of teams working with the person, and
holds messages in order. A message is never edited: a correction is a new message, and one sent
in error is withdrawn by its author (its text kept for the audit only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel

MAX_SUBJECT = 150
MAX_TEXT = 5000


class Kind(models.TextChoices):
    GENERAL = "general", "General care coordination"
    CARE_PLAN = "care_plan", "Care plan"
    RISK = "risk", "Risk"
    OUTCOMES = "outcomes", "Outcomes"
    CONTACTS = "contacts", "Appointments and collections"


class Conversation(TimeStampedModel):
    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.PROTECT, related_name="conversations"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    subject = models.CharField(max_length=MAX_SUBJECT)
    # Who started it: a team of an organisation, or the person (both empty) from their portal.
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # "Ask Sam": the person reads and replies in their portal.
    includes_service_user = models.BooleanField(default=False)
    reply_by = models.DateField(null=True, blank=True)
    # Set once, by the beat's claim, when an unanswered reply-by passed and the manager was told.
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_message_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["service_user", "-last_message_at"], name="conv_person_latest"),
            # The beat's scan: unanswered, not yet alerted, by reply-by date.
            models.Index(
                fields=["reply_by"],
                condition=Q(
                    reply_by__isnull=False, first_reply_at__isnull=True, overdue_alerted_at__isnull=True
                ),
                name="conv_reply_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class Participant(TimeStampedModel):
    """A team addressed in a conversation, as a whole (user empty) or through one named member."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "team", "user"], name="conv_participant_once"),
            models.UniqueConstraint(
                fields=["conversation", "team"], condition=Q(user__isnull=True), name="conv_team_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="conv_participant_user")]


class Message(TimeStampedModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    # The conversation's person, kept on the row so a person's messages are read newest first
    # through one index (the timeline).
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The conversation's kind (which never changes), on the row: the consent scope it is shared
    # under is tested on the message itself (access.ORG_WRITTEN).
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The author's organisation and team; both empty for the person's own messages.
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # What was made from it (each carries a link back to the message).
    plan_entry = models.ForeignKey(
        "careplans.PlanEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_notification = models.ForeignKey(
        "linkworkers.CaseNotification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["service_user", "-created_at"], name="conv_message_person_latest"),
            models.Index(fields=["conversation", "created_at"], name="conv_message_thread"),
        ]

    def __str__(self) -> str:
        return f"Message in {self.conversation_id}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def from_service_user(self) -> bool:
        return self.organisation_id is None
