"""What managers add to their dashboards: annotations (a change tested, on a date) and the
baselines from which a measure's control limits are calculated.

A scope is an organisation, or one of its teams. Both are history as rows: a baseline is
never edited; a new one (or a reset to "all points") is recorded, and the latest is in force.
No row names a person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from dualcare.models import TimeStampedModel
from dualcare.people.models import Organisation, Team


class Annotation(TimeStampedModel):
    """A date marked with a change tested ("Link meetings moved to Tuesdays"), shown on charts.

    With no team it belongs to the whole organisation (shown on its dashboard and on every team's);
    with no measure key it is shown on every measure of the scope.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    measure_key = models.CharField(max_length=100, blank=True)
    date = models.DateField()
    text = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["date", "created_at"]
        indexes = [models.Index(fields=["organisation", "team", "date"], name="dash_annotation_scope_date")]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.text}"


class Baseline(TimeStampedModel):
    """A recorded recalculation of a measure's limits for a scope: the weeks the limits are worked
    out from (both Mondays, included), or none for "all points"; the latest row is in force."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    measure_key = models.CharField(max_length=100)
    first_week = models.DateField(null=True, blank=True)
    last_week = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(first_week__isnull=True) & Q(last_week__isnull=True))
                | (Q(first_week__isnull=False) & Q(last_week__gte=F("first_week"))),
                name="dash_baseline_weeks_in_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "team", "measure_key", "-created_at"], name="dash_baseline_scope"
            )
        ]

    @property
    def is_all_points(self) -> bool:
        return self.first_week is None

    def __str__(self) -> str:
        if self.is_all_points:
            return f"{self.measure_key}: all points"
        return f"{self.measure_key}: {self.first_week} to {self.last_week}"


class DashboardPdf(TimeStampedModel):
    """A PDF of a dashboard asked for by a manager, rendered by a worker (WeasyPrint takes
    seconds for 30 charts and their tables: never in the request) and kept for a day.

    The period is fixed when asked for, so the document is the dashboard the manager saw. A render
    that fails (a chart that cannot be drawn, the worker's time limit) is recorded as failed, with
    why, and stays failed until the manager tries again: never a document missing a chart.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        TEAM = "team", "Team"
        ORGANISATION = "organisation", "Organisation"
        LOCALITY = "locality", "Locality"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    weeks = models.PositiveSmallIntegerField()
    first_week = models.DateField()
    last_week = models.DateField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    pdf = models.FileField(upload_to="dashboards/", blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Why the last render failed, in words for the manager (no person's data: dashboards hold none).
    failure = models.CharField(max_length=300, blank=True)
    # Renders started since asked for (or tried again): a worker killed mid-render (the hard time
    # limit, memory) leaves the PDF being prepared, and the sweep must not queue it for ever.
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="dash_pdf_state_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="ready", pdf__gt="") | (~Q(state="ready") & Q(pdf="")),
                name="dash_pdf_ready_has_file",
            ),
        ]

    @property
    def is_ready(self) -> bool:
        return self.state == self.State.READY

    @property
    def has_failed(self) -> bool:
        return self.state == self.State.FAILED
