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
        PACK = "pack", "Shared Care meeting pack"  # issue 19 (dashboards/pack.py)

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


class WeeklyValue(models.Model):
    """One measure's figure for one week of one scope (a team, or an organisation), as the beat
    worked it out from the capability apps' records (dashboards.weekly): the dashboards read these
    rows instead of aggregating raw records per request. Aggregates only: no row names a person.

    ``scope_id`` is the team's or the organisation's id (no foreign key: one column for both kinds).
    A week with nothing to measure has no row, exactly as the providers leave it out.
    """

    class ScopeKind(models.TextChoices):
        TEAM = "team", "Team"
        ORGANISATION = "organisation", "Organisation"
        # The locality: each organisation over its teams that work with service users, and all of
        # them together (scope_id: selectors.locality_key of those teams, each person once).
        LOCALITY_ORGANISATION = "locality_organisation", "Organisation in the locality"
        LOCALITY = "locality", "Locality"

    measure_key = models.CharField(max_length=100)
    scope_kind = models.CharField(max_length=30, choices=ScopeKind.choices)
    scope_id = models.UUIDField()
    week = models.DateField()  # the Monday (Europe/London) that starts the week
    value = models.FloatField(null=True, blank=True)  # None when it cannot be worked out
    # The provider gave a whole number (a count): read back as one, so the CSV and API say 12, not 12.0.
    is_whole = models.BooleanField(default=False)
    n = models.IntegerField()  # the people (or events) the value is worked out from
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_id", "week", "measure_key"], name="dash_weekly_value_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_key} {self.scope_kind} {self.week}: {self.value}"


class MeasureWeek(models.Model):
    """A week whose figures are stored for every scope: when they were last worked out, and
    whether they must be worked out again (a correction written into a week already settled).

    Weeks still settling (the open week and the few before it, whose figures depend on deadlines
    still running) are worked out on every run; a settled week once, then only when marked stale.
    """

    week = models.DateField(primary_key=True)  # a Monday
    computed_at = models.DateTimeField()
    stale = models.BooleanField(default=False)
    # The locality's teams the week's locality figures were worked out over (selectors.locality_key):
    # when a team starts or stops working with people the week is worked out again.
    locality_key = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["week"]

    def __str__(self) -> str:
        return f"{self.week}{' (stale)' if self.stale else ''}"


class AgreedMeasure(TimeStampedModel):
    """A measure an organisation has agreed to be held to at the Shared Care meetings (its Shared
    Care contract's measures, issue 19 item 4), with the target it agreed, if any. History as rows:
    a withdrawn agreement stays, with who withdrew it and when; at most one is in force per
    organisation and measure. Names no person."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    measure_key = models.CharField(max_length=100)
    # The figure the organisation agreed to reach (at least it, when higher is better; at most it,
    # when lower is better), in the measure's own unit; none for a measure agreed to be watched.
    target = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    agreed_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organisation", "measure_key", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure_key"],
                condition=Q(withdrawn_at__isnull=True),
                name="dash_agreed_one_in_force",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="dash_agreed_withdrawn_by_whom",
            ),
        ]

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None

    def __str__(self) -> str:
        return f"{self.measure_key} (target {self.target})" if self.target is not None else self.measure_key
