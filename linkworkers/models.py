"""The link-worker register, training, and link meetings (DESIGN.md "Link-worker register").

History is kept as rows: an ended appointment stays with its dates. An appointment holds
the StaffRole "link_worker" it created in the team, so ending one ends the other and
access.py stays in step through the people services.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel


class Appointment(TimeStampedModel):
    """A person appointed link worker of a team, from start until end (the first day without)."""

    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="link_appointments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="link_appointments"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="link_deputyships",
    )
    start = models.DateField()
    end = models.DateField(
        "ends on", null=True, blank=True, help_text="The first day they are no longer link worker."
    )
    staff_role = models.ForeignKey(
        "people.StaffRole", null=True, blank=True, on_delete=models.PROTECT, related_name="link_appointments"
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The "replacement needed" alert to the team manager: claimed once per appointment.
    replacement_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team__name", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="appointment_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "end"]), models.Index(fields=["user", "end"])]

    def __str__(self) -> str:
        return f"Link worker, {self.team}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


class Tier(models.IntegerChoices):
    AWARENESS = 1, "Tier 1: awareness"
    ASSESSMENT = 2, "Tier 2: assessment and interventions"
    SPECIALIST = 3, "Tier 3: specialist"


class Course(TimeStampedModel):
    title = models.CharField(max_length=200, unique=True)
    tier = models.PositiveSmallIntegerField(choices=Tier.choices)
    refresh_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How often it must be refreshed; empty when it never expires."
    )

    class Meta:
        ordering = ["tier", "title"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    attended_on = models.DateField()
    refresh_due = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # "Refresh due" reminder to the person, claimed once per record.
    refresh_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-attended_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "attended_on"], name="one_training_record_per_day"
            ),
        ]
        indexes = [models.Index(fields=["user", "refresh_due"])]


class SupervisionSession(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dd_supervision"
    )
    held_on = models.DateField()
    supervisor = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on"]


class MeetingSchedule(TimeStampedModel):
    """A recurring link meeting: meetings are generated from it ahead of time."""

    class Every(models.TextChoices):
        MONTH = "month", "Every month"
        FOUR_WEEKS = "4weeks", "Every 4 weeks"
        TWO_WEEKS = "2weeks", "Every 2 weeks"

    title = models.CharField(max_length=200)
    every = models.CharField(max_length=10, choices=Every.choices, default=Every.MONTH)
    first_date = models.DateField()
    starts_at = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    location = models.CharField(max_length=300)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    standing_items = models.TextField(blank=True, help_text="One agenda item a line.")
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title

    def dates(self, until: dt.date):
        """The meeting dates from the first up to `until`."""
        day, n = self.first_date, 0
        while day <= until:
            yield day
            n += 1
            if self.every == self.Every.MONTH:
                month = self.first_date.month - 1 + n
                year = self.first_date.year + month // 12
                month = month % 12 + 1
                # The same weekday of the same week of the month (e.g. the second Tuesday).
                week = (self.first_date.day - 1) // 7
                first = dt.date(year, month, 1)
                offset = (self.first_date.weekday() - first.weekday()) % 7
                day = first + dt.timedelta(days=offset + 7 * week)
                if day.month != month:
                    day -= dt.timedelta(days=7)
            else:
                weeks = 4 if self.every == self.Every.FOUR_WEEKS else 2
                day = self.first_date + dt.timedelta(weeks=weeks * n)


class Meeting(TimeStampedModel):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        FINALISED = "finalised", "Minutes finalised"
        CANCELLED = "cancelled", "Cancelled"

    schedule = models.ForeignKey(
        MeetingSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=300)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    finalised_at = models.DateTimeField(null=True, blank=True)
    # Sequence of the calendar invitation: raised when the time or place changes.
    ics_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "starts_at"], name="one_meeting_per_schedule_time"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.starts_at:%d %b %Y}"


class AgendaItem(TimeStampedModel):
    class Kind(models.TextChoices):
        STANDING = "standing", "Standing item"
        ACTIONS = "actions", "Actions carried forward"
        CASE = "case", "Case discussion"
        DISENGAGED = "disengaged", "Multi-agency disengaged list"
        OTHER = "other", "Other item"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=200)
    case = models.OneToOneField(
        "CaseNotification", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_item"
    )
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]


class CaseNotification(TimeStampedModel):
    """A case notified ahead by a key worker, in the set case-presentation format."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="cases")
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    notified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notified_at = models.DateTimeField()
    brief_history = models.TextField()
    mental_health = models.TextField()
    substance_use = models.TextField()
    current_concerns = models.TextField()
    question = models.TextField("the question for the meeting")

    class Meta:
        ordering = ["notified_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "service_user"], name="one_case_per_person_per_meeting"
            ),
        ]


class Attendance(TimeStampedModel):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        DEPUTY_SENT = "deputy", "Deputy sent"
        ABSENT = "absent", "Absent without apologies"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_person")]


class Action(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="link_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["owner", "status"])]


class Dispatch(TimeStampedModel):
    """One email of a meeting to one person (invitation, agenda, notes), with its attachment.

    Unique per meeting, kind and recipient: a beat task scanning again adds nothing; sending
    claims the row with a conditional UPDATE (pending -> sending).
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        AGENDA_7 = "agenda7", "Agenda, a week before"
        AGENDA_1 = "agenda1", "Agenda, the day before"
        NOTES = "notes", "Notes"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="dispatches")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "kind", "recipient"], name="one_dispatch_per_kind"),
        ]
        indexes = [models.Index(fields=["state"])]
