"""Minkoff quadrant assessments: every assessment kept; the current quadrant is the latest."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from dualcare.models import TimeStampedModel


class Severity(models.TextChoices):
    LOW = "low", "Low"
    HIGH = "high", "High"


class Quadrant(models.TextChoices):
    I = "I", "I: low mental illness, low substance use"  # noqa: E741
    II = "II", "II: high mental illness, low substance use"
    III = "III", "III: low mental illness, high substance use"
    IV = "IV", "IV: high mental illness, high substance use"


def quadrant_for(mental_health_severity: str, substance_use_severity: str) -> str:
    """Minkoff / NASMHPD-NASADAD consensus model (CLINICAL.md)."""
    high_mh = mental_health_severity == Severity.HIGH
    high_su = substance_use_severity == Severity.HIGH
    return {(False, False): "I", (True, False): "II", (False, True): "III", (True, True): "IV"}[
        (high_mh, high_su)
    ]


class QuadrantAssessment(TimeStampedModel):
    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.PROTECT, related_name="quadrant_assessments"
    )
    mental_health_severity = models.CharField(max_length=4, choices=Severity.choices)
    substance_use_severity = models.CharField(max_length=4, choices=Severity.choices)
    quadrant = models.CharField(max_length=3, choices=Quadrant.choices, editable=False)
    assessed_on = models.DateField(default=timezone.localdate)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["service_user", "-assessed_on", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quadrant__in=["I", "II", "III", "IV"]), name="quadrant_is_one_of_four"
            ),
        ]

    def __str__(self) -> str:
        return f"Quadrant {self.quadrant} on {self.assessed_on}"


class Cohort(TimeStampedModel):
    """A named group of people followed over time, e.g. a locality's dual-diagnosis cohort."""

    name = models.CharField(max_length=200)
    locality = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    teams = models.ManyToManyField("people.Team", related_name="cohorts", blank=True)
    target_i = models.PositiveIntegerField("target size, quadrant I", default=0)
    target_ii = models.PositiveIntegerField("target size, quadrant II", default=0)
    target_iii = models.PositiveIntegerField("target size, quadrant III", default=0)
    target_iv = models.PositiveIntegerField("target size, quadrant IV", default=0)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="cohort_end_not_before_start",
            ),
            models.UniqueConstraint(fields=["organisation", "name"], name="cohort_name_unique_in_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def targets(self) -> dict[str, int]:
        return {"I": self.target_i, "II": self.target_ii, "III": self.target_iii, "IV": self.target_iv}


class ExitReason(models.TextChoices):
    DISCHARGED = "discharged", "Discharged"
    DISENGAGED = "disengaged", "Disengaged"
    MOVED_AWAY = "moved_away", "Moved away"
    TRANSFERRED = "transferred", "Transferred"
    DIED = "died", "Died"
    OTHER = "other", "Other"


class Enrolment(TimeStampedModel):
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quadrant_at_entry = models.CharField(max_length=3, choices=Quadrant.choices)
    exited_on = models.DateField(null=True, blank=True)
    exit_reason = models.CharField(max_length=12, choices=ExitReason.choices, blank=True)
    exit_note = models.CharField(max_length=300, blank=True)
    exited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["enrolled_on", "created_at"]
        indexes = [models.Index(fields=["cohort", "exited_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "service_user"],
                condition=models.Q(exited_on__isnull=True),
                name="one_open_enrolment_per_cohort",
            ),
            models.CheckConstraint(
                condition=models.Q(exited_on__isnull=True, exit_reason="")
                | models.Q(exited_on__isnull=False) & ~models.Q(exit_reason=""),
                name="enrolment_exit_has_reason",
            ),
        ]
