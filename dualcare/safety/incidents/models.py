"""Incidents, near misses and complaints (issue 19 item 3).

Recorded by a team of any organisation involved with a person, or about a team with no person
(a team-only incident: a lost case file, an aggressive visitor in the waiting room). Each has a
harm level on the NHS patient safety reporting scale, what happened and what was done at once; a
joint review by the organisations it is shared with (actions with an owner and a due date, the
lessons learned); and is closed with a summary.

Harm levels, as NHS England's Learn from Patient Safety Events (LFPSE) service records physical
harm: "No physical harm", "Low physical harm", "Moderate physical harm", "Severe physical harm",
"Fatal" (the older NRLS "degree of harm": no harm, low, moderate, severe, death). The labels here
are the LFPSE's, without "physical", since a complaint or a near miss may concern psychological
harm too. Moderate and above are serious: the levels at which a health service body's duty of
candour applies (CQC Regulation 20), and the ones that alert every involved organisation's managers.

A row is history: what happened is never rewritten; the review adds actions and lessons, and the
close adds its summary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel

MAX_TITLE = 150
MAX_TEXT = 5000


class Kind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    NEAR_MISS = "near_miss", "Near miss"
    COMPLAINT = "complaint", "Complaint"


class Harm(models.TextChoices):
    NONE = "none", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    FATAL = "fatal", "Fatal"


# The serious harm levels (moderate and above): every involved organisation's managers are told.
SERIOUS = (Harm.MODERATE, Harm.SEVERE, Harm.FATAL)
# "With harm", for the dashboards: any level above no harm.
WITH_HARM = (Harm.LOW, Harm.MODERATE, Harm.SEVERE, Harm.FATAL)


class State(models.TextChoices):
    OPEN = "open", "Reported"
    REVIEW = "review", "Under joint review"
    CLOSED = "closed", "Closed"


class Incident(TimeStampedModel):
    # Empty for an incident about a team only.
    service_user = models.ForeignKey(
        "people.ServiceUser", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    harm = models.CharField(max_length=20, choices=Harm.choices)
    title = models.CharField(max_length=MAX_TITLE)
    occurred_on = models.DateField()
    what_happened = models.TextField()
    immediate_actions = models.TextField(blank=True)
    # Who reported it: a team of an organisation.
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    lessons_learned = models.TextField(blank=True)
    closure_summary = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set once, by the claim in the transaction that writes the serious-incident alert.
    serious_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["service_user", "-occurred_on"], name="incident_person_latest"),
            models.Index(fields=["organisation", "-occurred_on"], name="incident_org_latest"),
            models.Index(fields=["-occurred_on", "-created_at"], name="incident_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="closed", closed_at__isnull=False)
                | (~Q(state="closed") & Q(closed_at__isnull=True)),
                name="incident_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(harm__in=[h.value for h in Harm]), name="incident_harm_on_the_scale"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_serious(self) -> bool:
        return self.harm in SERIOUS

    @property
    def is_closed(self) -> bool:
        return self.state == State.CLOSED


class ReviewAction(TimeStampedModel):
    """An action agreed in the joint review: what, which organisation owns it (and who, if named),
    by when. Reminded once, on its due date, by the beat's scan (reminded_at claims it)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    text = models.TextField()
    owner_organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["incident", "due_date"], name="incident_action_order"),
            # The beat's scan: open actions not yet reminded, by due date.
            models.Index(
                fields=["due_date"],
                condition=Q(done_at__isnull=True, reminded_at__isnull=True),
                name="incident_action_due",
            ),
        ]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
