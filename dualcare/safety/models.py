"""Structured risk assessments and safety flags (issue 19, items 1 and 2).

A risk assessment is one organisation's dated view of seven domains of risk, each with a level,
the evidence, what makes it worse or better and the plan, with the person's own view beside it.
Assessments are history: a new one is a new row, never an edit, so the risk page shows each
domain across time and organisations. It sits beside the care plan's free-text risk history
(careplans' risk section), which it does not replace.

A safety flag is a short warning shown at the top of the record and on the pharmacy's
collections. Removing one before its review date takes two people of the flag's organisation: a
request and a confirmation by someone else. Both are the 'risk' consent scope
(access.ORG_WRITTEN).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from dualcare.models import TimeStampedModel

MAX_TEXT = 2000
MAX_FLAG_TEXT = 120


class Domain(models.TextChoices):
    TO_SELF = "to_self", "Risk to self"
    TO_OTHERS = "to_others", "Risk to others"
    FROM_OTHERS = "from_others", "Risk from others and exploitation"
    OVERDOSE = "overdose", "Overdose and drug-related death"
    PHYSICAL_HEALTH = "physical_health", "Physical health"
    SAFEGUARDING = "safeguarding", "Safeguarding of children and dependants"
    DISENGAGEMENT = "disengagement", "Disengagement from care"


class Level(models.TextChoices):
    NONE = "none", "No known risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskAssessment(TimeStampedModel):
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    # The person's own view of their risks, in their words, beside the assessment.
    person_view = models.TextField(blank=True)
    review_due = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["service_user", "-assessed_on"], name="risk_person_latest"),
            models.Index(fields=["organisation", "review_due"], name="risk_org_review"),
            models.Index(fields=["service_user", "-created_at"], name="risk_person_timeline"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(review_due__gt=F("assessed_on")), name="risk_review_after"),
        ]

    def __str__(self) -> str:
        return f"Risk assessment of {self.assessed_on}"


class DomainRating(TimeStampedModel):
    """One domain of one assessment. The person, organisation and date are kept on the row so
    a domain's history is read through one index, and its sharing rule is tested on the row."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="ratings")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    domain = models.CharField(max_length=20, choices=Domain.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    evidence = models.TextField()
    worse_or_better = models.TextField(blank=True)
    plan = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="risk_domain_once"),
        ]
        indexes = [
            models.Index(fields=["service_user", "-assessed_on", "domain"], name="risk_rating_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()}: {self.get_level_display()}"


class FlagCode(models.TextChoices):
    OVERDOSE = "overdose", "Overdose risk"
    LONE_VISIT = "lone_visit", "Do not visit alone"
    CHILDREN = "children", "Children at home"
    ALLERGY = "allergy", "Allergy or medicine warning"
    VIOLENCE = "violence", "Violence or aggression"
    EXPLOITATION = "exploitation", "Exploitation"
    OTHER = "other", "Other warning"


class SafetyFlag(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20, choices=FlagCode.choices)
    warning = models.CharField(max_length=MAX_FLAG_TEXT)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField()
    review_on = models.DateField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["service_user", "-starts_on"], condition=Q(status="active"), name="flag_person_active"
            ),
            models.Index(fields=["service_user", "-created_at"], name="flag_person_all"),
            models.Index(fields=["review_on"], condition=Q(status="active"), name="flag_review_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(review_on__gte=F("starts_on")), name="flag_review_after"),
        ]

    def __str__(self) -> str:
        return self.warning

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class FlagEvent(TimeStampedModel):
    """What happened to a flag, in order: raised, reviewed, removal asked, removal confirmed or
    refused, removed, review prompted. The timeline's and the flag page's history."""

    class Kind(models.TextChoices):
        RAISED = "raised", "Raised"
        REVIEWED = "reviewed", "Reviewed"
        REMOVAL_REQUESTED = "removal_requested", "Removal asked for"
        REMOVAL_REFUSED = "removal_refused", "Removal turned down"
        REMOVED = "removed", "Removed"
        REVIEW_PROMPTED = "review_prompted", "Review prompted by missed collections"

    flag = models.ForeignKey(SafetyFlag, on_delete=models.PROTECT, related_name="events")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["service_user", "-created_at"], name="flag_event_person")]


class RemovalRequest(TimeStampedModel):
    """A request to remove a flag before its review date, waiting for a second person."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a second person"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Turned down"

    flag = models.ForeignKey(SafetyFlag, on_delete=models.PROTECT, related_name="removal_requests")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flag"], condition=Q(state="pending"), name="flag_one_pending_removal"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="flag_removal_second_person",
            ),
        ]


class ReviewReminder(TimeStampedModel):
    """A due review (of an assessment or a flag) that the beat scans every minute and sends once:
    claimed by a conditional update of sent_at, so two beats tell nobody twice."""

    assessment = models.OneToOneField(
        RiskAssessment, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder"
    )
    flag = models.ForeignKey(
        SafetyFlag, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="safety_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(assessment__isnull=False, flag__isnull=True)
                | Q(assessment__isnull=True, flag__isnull=False),
                name="safety_reminder_of_one",
            ),
            models.UniqueConstraint(fields=["flag", "due_on"], name="safety_flag_reminder_once"),
        ]


class OverdosePrompt(TimeStampedModel):
    """A run of missed collections reached the setting's number: the prompt to review the
    overdose flag, once per run (keyed by the run's first miss)."""

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    run_start = models.OneToOneField("contacts.Contact", on_delete=models.PROTECT, related_name="+")
    misses = models.PositiveIntegerField()
    flag = models.ForeignKey(SafetyFlag, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
