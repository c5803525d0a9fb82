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
