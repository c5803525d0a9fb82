"""The shared care plan: one per person, written together by every involved organisation.

Entries of every section live in one table (PlanEntry) so that each carries the same
author, organisation and version counter, and publishing, comparing and the per-
organisation rules work the same way for all of them; the columns a section uses are
listed in SECTION_FIELDS. Publishing copies the visible plan into an immutable
PlanVersion (a JSON snapshot). The person's agreement, their requested changes and the
carer's views are rows against a version, never overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from dualcare.models import TimeStampedModel


class Section(models.TextChoices):
    WHAT_MATTERS = "what_matters", _("What matters to me")
    GOAL = "goal", _("My goals")
    ACTION = "action", _("Actions: who will do what")
    CRISIS = "crisis", _("Crisis and relapse-prevention plan")
    RISK = "risk", _("Risk history")
    CARER = "carer", _("Carers' involvement")
    DISCHARGE = "discharge", _("Discharge and aftercare")


# The DIALOG life domains (CLINICAL.md) and drug and alcohol use.
class Domain(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("Mental health")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    JOB = "job", _("Job situation")
    ACCOMMODATION = "accommodation", _("Accommodation")
    LEISURE = "leisure", _("Leisure activities")
    FRIENDSHIPS = "friendships", _("Friendships")
    PARTNER_FAMILY = "partner_family", _("Partner or family")
    PERSONAL_SAFETY = "personal_safety", _("Personal safety")
    MEDICATION = "medication", _("Medication")
    PRACTICAL_HELP = "practical_help", _("Practical help")
    MEETINGS = "meetings", _("Meetings with professionals")
    DRUG_ALCOHOL = "drug_alcohol", _("Drug and alcohol use")


class ActionOwner(models.TextChoices):
    ORGANISATION = "organisation", _("The organisation")
    WORKER = "worker", _("A named worker")
    SERVICE_USER = "service_user", _("The person themselves")
    CARER = "carer", _("Their carer")


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    STOPPED = "stopped", _("No longer needed")


# The columns each section uses, in the order they are shown and compared.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    Section.WHAT_MATTERS: ("text",),
    Section.GOAL: ("text", "domain", "target_date", "progress"),
    Section.ACTION: ("text", "owner_kind", "owner_worker_name", "due_date", "status"),
    Section.CRISIS: ("warning_signs", "triggers", "what_helps", "who_to_contact", "out_of_hours"),
    Section.RISK: ("recorded_on", "text"),
    Section.CARER: ("carer_views", "shared_with_carer"),
    Section.DISCHARGE: ("text", "how_to_come_back"),
}

FIELD_LABELS = {
    "text": _("Text"),
    "domain": _("Life area"),
    "target_date": _("Target date"),
    "progress": _("Progress"),
    "owner_kind": _("Who will do it"),
    "owner_worker_name": _("Named worker"),
    "due_date": _("Due by"),
    "status": _("Status"),
    "warning_signs": _("Early warning signs"),
    "triggers": _("Triggers"),
    "what_helps": _("What helps"),
    "who_to_contact": _("Who to contact"),
    "out_of_hours": _("Out of hours"),
    "recorded_on": _("Date"),
    "carer_views": _("The carer's views"),
    "shared_with_carer": _("What is shared with the carer"),
    "how_to_come_back": _("How to come back"),
}
SECTION_TEXT_LABEL = {
    Section.WHAT_MATTERS: _("In their words"),
    Section.GOAL: _("The goal, in their words"),
    Section.ACTION: _("What will be done"),
    Section.RISK: _("Risk summary"),
    Section.DISCHARGE: _("Follow-up after discharge"),
}

# The same plan on the pages the person and their carer read (GLOSSARY.md: on their own pages
# say "you"). "{name}" is the person's known-as name, for the carer.
READER_SECTION_LABELS = {
    "person": {
        Section.WHAT_MATTERS: _("What matters to you"),
        Section.GOAL: _("Your goals"),
        Section.CRISIS: _("Your crisis and relapse-prevention plan"),
        Section.RISK: _("Your risk history"),
        Section.CARER: _("How your carers are involved"),
        Section.DISCHARGE: _("When you leave the service"),
    },
    "carer": {
        Section.WHAT_MATTERS: _("What matters to {name}"),
        Section.GOAL: _("{name}'s goals"),
        Section.CRISIS: _("{name}'s crisis and relapse-prevention plan"),
        Section.CARER: _("How you are involved"),
        Section.DISCHARGE: _("When {name} leaves the service"),
    },
}
READER_TEXT_LABELS = {
    "person": {
        Section.WHAT_MATTERS: _("In your words"),
        Section.GOAL: _("Your goal"),
        Section.DISCHARGE: _("Follow-up after you leave"),
    },
    "carer": {
        Section.WHAT_MATTERS: _("In {name}'s words"),
        Section.GOAL: _("{name}'s goal"),
        Section.DISCHARGE: _("Follow-up after {name} leaves"),
    },
}
READER_FIELD_LABELS = {
    "person": {
        "owner_worker_name": _("Who the worker is"),
        "domain": _("Part of your life"),
        "carer_views": _("Your carer's views"),
        "shared_with_carer": _("What is shared with your carer"),
    },
    "carer": {
        "owner_worker_name": _("Who the worker is"),
        "domain": _("Part of {name}'s life"),
        "carer_views": _("Your views"),
        "shared_with_carer": _("What is shared with you"),
    },
}
# Keyed by the English label a published snapshot keeps (PlanEntry.snapshot_fields).
READER_OWNERS = {
    "person": {
        "The person themselves": _("You"),
        "Their carer": _("Your carer"),
        "A named worker": _("A worker from your care team"),
        "The organisation": _("The service that wrote this"),
    },
    "carer": {
        "The person themselves": _("{name}"),
        "Their carer": _("You"),
        "A named worker": _("A worker from {name}'s care team"),
        "The organisation": _("The service that wrote this"),
    },
}


class CarePlan(TimeStampedModel):
    """The person's one shared plan. Its content is its entries; its history is its versions."""

    service_user = models.OneToOneField(
        "people.ServiceUser", on_delete=models.PROTECT, related_name="care_plan"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Denormalised from the latest version, so lists need no subquery.
    current_version_number = models.PositiveIntegerField(default=0)
    review_due = models.DateField(null=True, blank=True)
    # Bumped with every change of an entry: "changed since published" is a comparison of two numbers.
    changes = models.PositiveIntegerField(default=0)
    changes_at_publish = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["review_due"])]

    def __str__(self) -> str:
        return f"Care plan ({self.pk})"

    @property
    def is_published(self) -> bool:
        return self.current_version_number > 0

    @property
    def has_unpublished_changes(self) -> bool:
        return self.changes != self.changes_at_publish

    def review_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.review_due is not None and self.review_due < today


class PlanEntry(TimeStampedModel):
    """One entry of one section, written by one organisation, which alone may change it."""

    Section = Section

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="entries")
    section = models.CharField(max_length=20, choices=Section.choices)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Optimistic concurrency: an update names the version it started from and is refused if stale.
    version = models.PositiveIntegerField(default=1)
    removed_at = models.DateTimeField(null=True, blank=True)

    text = models.TextField(blank=True)
    domain = models.CharField(max_length=20, choices=Domain.choices, blank=True)
    target_date = models.DateField(null=True, blank=True)
    progress = models.TextField(blank=True)
    owner_kind = models.CharField(max_length=20, choices=ActionOwner.choices, blank=True)
    owner_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, blank=True)
    warning_signs = models.TextField(blank=True)
    triggers = models.TextField(blank=True)
    what_helps = models.TextField(blank=True)
    who_to_contact = models.TextField(blank=True)
    out_of_hours = models.TextField(blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    carer_views = models.TextField(blank=True)
    shared_with_carer = models.TextField(blank=True)
    how_to_come_back = models.TextField(blank=True)
    # Accepted from the person's own words (OwnWords): shown as "in <name>'s words" wherever it is.
    in_person_words = models.BooleanField(default=False)

    class Meta:
        ordering = ["section", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(section__in=Section.values), name="planentry_section_valid"),
        ]
        indexes = [models.Index(fields=["plan", "removed_at", "section"])]

    def __str__(self) -> str:
        return f"{self.get_section_display()} entry"

    @property
    def owner_worker_name(self) -> str:
        return self.owner_worker.display_name if self.owner_worker_id else ""

    def field_values(self) -> dict:
        """The section's fields as displayed (choices as labels, dates as ISO strings)."""
        values = {}
        for name in SECTION_FIELDS[self.section]:
            value = getattr(self, name)
            if name in ("domain", "owner_kind", "status"):
                # In English whoever publishes: a reader's page translates the label it shows.
                with translation.override("en-gb"):
                    value = str(getattr(self, f"get_{name}_display")()) if value else ""
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            values[name] = value or ""
        return values


class PlanVersion(TimeStampedModel):
    """A published, numbered version: what the plan said then. Never changed after it is written.

    `content` is {"sections": {section: [entry, ...]}} where each entry has its id, organisation
    (id and name), author, fields and updated time; `contributors` lists the organisations with
    their contacts and the people who wrote entries. The PDF is rendered once, by a task.
    """

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_by_organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    review_due = models.DateField()
    content = models.JSONField()
    contributors = models.JSONField(default=list)
    pdf = models.FileField(upload_to="careplans/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_number_unique"),
        ]
        # The dashboards' care plan measures read the versions of a run of weeks by either date.
        indexes = [models.Index(fields=["published_at"]), models.Index(fields=["review_due"])]

    def __str__(self) -> str:
        return f"Version {self.number}"

    def save(self, *args, **kwargs):
        # Immutable once written: the rendered PDF is stored with a conditional UPDATE instead.
        if not self._state.adding:
            raise ValueError("A published care plan version cannot be changed.")
        super().save(*args, **kwargs)

    def entries(self, section: str) -> list[dict]:
        return self.content.get("sections", {}).get(section, [])


class Agreement(TimeStampedModel):
    """The person's answer to a published version, or their carer's views on it."""

    class Kind(models.TextChoices):
        AGREED = "agreed", "Agreed"
        CHANGES = "changes", "Asked for changes"
        CARER_VIEWS = "carer_views", "Carer's views"

    class Method(models.TextChoices):
        PORTAL = "portal", "By the person, in DualCare"
        IN_PERSON = "in_person", "In person, recorded by staff"
        CARER = "carer", "By their carer, in DualCare"

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="agreements")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    comment = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="changes") | ~Q(comment=""), name="agreement_changes_have_words"
            ),
        ]
        indexes = [models.Index(fields=["version", "kind", "recorded_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class OwnWords(TimeStampedModel):
    """Something the person wrote for their plan (issue 20 item 1): what matters to them, a goal of
    their own, or their part of the crisis plan ("what helps me", "early signs I notice").

    Written by the person, not an organisation. It is proposed for the next version of the plan
    and a worker either accepts it (it becomes a plan entry "in their words") or answers it (a
    reply the person reads); never dropped: still proposed at publishing, it is listed in the
    version as waiting for an answer and carries over. A goal keeps its own ratings (GoalRating)
    whatever its state: how the person feels they are going is theirs to say.
    """

    class Kind(models.TextChoices):
        WHAT_MATTERS = "what_matters", "What matters to me"
        GOAL = "goal", "My goal"
        WHAT_HELPS = "what_helps", "What helps me"
        EARLY_SIGNS = "early_signs", "Early signs I notice"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Waiting for an answer"
        ACCEPTED = "accepted", "Added to the plan"
        ANSWERED = "answered", "Answered"

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()
    domain = models.CharField(max_length=20, choices=Domain.choices, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by_organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    plan_entry = models.ForeignKey(
        PlanEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="from_own_words"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["what_matters", "goal", "what_helps", "early_signs"]),
                name="ownwords_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(reply=""), name="ownwords_answer_has_words"
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(plan_entry__isnull=False),
                name="ownwords_accepted_has_entry",
            ),
        ]
        indexes = [models.Index(fields=["service_user", "state", "created_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()

    # Where the words go in the plan when accepted: (section, column).
    PLACE = {
        Kind.WHAT_MATTERS: (Section.WHAT_MATTERS, "text"),
        Kind.GOAL: (Section.GOAL, "text"),
        Kind.WHAT_HELPS: (Section.CRISIS, "what_helps"),
        Kind.EARLY_SIGNS: (Section.CRISIS, "warning_signs"),
    }


class GoalRating(TimeStampedModel):
    """How the person feels they are going with one of their own goals, 1 (not at all) to 10
    (fully there), on a day: history as rows, charted for them and their workers."""

    goal = models.ForeignKey(OwnWords, on_delete=models.PROTECT, related_name="ratings")
    rated_on = models.DateField()
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["goal", "rated_on", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=10), name="goalrating_score_1_to_10"),
        ]
        indexes = [models.Index(fields=["goal", "rated_on"])]

    def __str__(self) -> str:
        return f"{self.score} of 10"
