"""Referrals from one team to another, their history of transitions and their handovers.

A referral moves draft -> sent -> acknowledged -> accepted | declined, may be withdrawn
by the referring team while sent or acknowledged, and an accepted one is closed when the
handover is done. Every move is a ReferralEvent row; nothing is overwritten that matters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dualcare.exceptions import StateConflict
from dualcare.models import TimeStampedModel


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed"


# The legal moves. Anything else is refused and changes nothing.
TRANSITIONS: dict[str, set[str]] = {
    State.DRAFT: {State.SENT},
    State.SENT: {State.ACKNOWLEDGED, State.ACCEPTED, State.DECLINED, State.WITHDRAWN},
    State.ACKNOWLEDGED: {State.ACCEPTED, State.DECLINED, State.WITHDRAWN},
    State.ACCEPTED: {State.CLOSED},
    State.DECLINED: set(),
    State.WITHDRAWN: set(),
    State.CLOSED: set(),
}
OPEN_STATES = (State.SENT, State.ACKNOWLEDGED)
# The field that records when the referral entered each state.
STATE_TIME_FIELD = {
    State.SENT: "sent_at",
    State.ACKNOWLEDGED: "acknowledged_at",
    State.ACCEPTED: "accepted_at",
    State.DECLINED: "declined_at",
    State.WITHDRAWN: "withdrawn_at",
    State.CLOSED: "closed_at",
}


class Referral(TimeStampedModel):
    Urgency = Urgency
    State = State

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="referrals")
    from_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="referrals_sent")
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="referrals_received")
    # Blank only on a draft: the referrer may save before deciding; sending needs one.
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True, default="")

    reason = models.TextField(help_text="Why you are referring, in your words.")
    person_wants = models.TextField(
        "what the person wants", blank=True, help_text="What they want from this referral, in their words."
    )
    mental_health_needs = models.TextField(blank=True)
    substance_use = models.TextField("drug and alcohol use", blank=True)
    risk_summary = models.TextField("current risk", blank=True)

    consent_confirmed = models.BooleanField("the person agrees to this referral", default=False)
    consent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_confirmed_at = models.DateTimeField(null=True, blank=True)

    state = models.CharField(max_length=15, choices=State.choices, default=State.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Computed once, when sent, from the urgency and the working-day calendar (referrals.sla).
    acknowledge_due_at = models.DateTimeField(null=True, blank=True)
    decide_due_at = models.DateTimeField(null=True, blank=True)
    # Set when the overdue alert for each breach has been raised: once per breach.
    acknowledge_overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    decide_overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    decline_reason = models.TextField(blank=True)
    signposting_service = models.CharField(
        "service to go to instead", max_length=200, blank=True, help_text="The named service."
    )
    signposting_next_steps = models.TextField(
        "what to do next", blank=True, help_text="How to get there, or what the referrer should do next."
    )
    receiving_key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="referral_state_valid"),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values) | (Q(urgency="") & Q(state=State.DRAFT)),
                name="referral_urgency_valid_or_draft_unset",
            ),
            models.CheckConstraint(condition=~Q(from_team=models.F("to_team")), name="referral_not_to_self"),
            models.CheckConstraint(
                condition=Q(state=State.DRAFT) | (Q(sent_at__isnull=False) & Q(consent_confirmed=True)),
                name="referral_sent_with_consent",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.DECLINED) | (~Q(decline_reason="") & ~Q(signposting_service="")),
                name="referral_decline_has_reason_and_signposting",
            ),
        ]
        indexes = [
            models.Index(fields=["to_team", "state", "decide_due_at"]),
            models.Index(fields=["from_team", "state", "-created_at"]),
            models.Index(fields=["service_user", "-created_at"]),
            models.Index(fields=["state", "acknowledge_due_at"]),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.to_team} ({self.get_state_display()})"

    # -- the state machine ---------------------------------------------------

    def can_move_to(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, set())

    def ensure_can_move_to(self, state: str) -> None:
        if not self.can_move_to(state):
            raise StateConflict(
                f"This referral is {self.get_state_display().lower()}, so it cannot be "
                f"{_past(state)}. Refresh the page to see what has changed."
            )

    # -- time ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def acknowledge_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.state == State.SENT and self.acknowledge_due_at is not None and now > self.acknowledge_due_at
        )

    def decide_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state in OPEN_STATES and self.decide_due_at is not None and now > self.decide_due_at

    def is_overdue(self, now=None) -> bool:
        return self.acknowledge_overdue(now) or self.decide_overdue(now)

    @property
    def next_due_at(self):
        """The next deadline the receiving team faces, if any."""
        if self.state == State.SENT:
            return self.acknowledge_due_at
        if self.state == State.ACKNOWLEDGED:
            return self.decide_due_at
        return None

    @property
    def next_due_step(self) -> str:
        return {State.SENT: "acknowledge", State.ACKNOWLEDGED: "decide"}.get(self.state, "")


def _past(state: str) -> str:
    return {
        State.SENT: "sent",
        State.ACKNOWLEDGED: "acknowledged",
        State.ACCEPTED: "accepted",
        State.DECLINED: "declined",
        State.WITHDRAWN: "withdrawn",
        State.CLOSED: "closed",
    }.get(state, state)


class ReferralEvent(models.Model):
    """One move of a referral: who, when, from which state to which, and their note."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_state = models.CharField(max_length=15, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=15, choices=State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["referral", "at"])]

    def __str__(self) -> str:
        return f"{self.from_state or 'new'} -> {self.to_state}"


class Handover(TimeStampedModel):
    """The three-way handover: the referrer, the receiving worker and the person meet."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="handovers")
    held_on = models.DateField()
    referrer_attended = models.BooleanField(default=True)
    receiver_attended = models.BooleanField(default=True)
    service_user_attended = models.BooleanField(default=True)
    others_attending = models.CharField(
        "others who attended", max_length=300, blank=True, help_text="For example: a carer, an advocate."
    )
    agreed = models.TextField("what was agreed")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-created_at"]

    def __str__(self) -> str:
        return f"Handover on {self.held_on}"

    @property
    def attendees(self) -> list[str]:
        present = []
        if self.referrer_attended:
            present.append("the referrer")
        if self.receiver_attended:
            present.append("the receiving worker")
        if self.service_user_attended:
            present.append("the person")
        if self.others_attending:
            present.append(self.others_attending)
        return present
