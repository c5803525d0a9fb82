"""Contacts: appointments and supervised-consumption collections, and what happened at each.

A supervised-consumption schedule (which pharmacy, which medicine and dose, which days)
makes one expected collection per due day; a beat task writes the day's rows, and the
unique (schedule, due_on) makes a second run add nothing. Every contact is then recorded
as attended, missed or cancelled; a changed outcome is a correction, kept as an event row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel


class Kind(models.TextChoices):
    KEY_WORKER = "key_worker", "Key worker appointment"
    CLINIC = "clinic", "Clinic appointment"
    DEPOT = "depot", "Depot injection"
    HOME_VISIT = "home_visit", "Home visit"
    COLLECTION = "collection", "Supervised consumption"


APPOINTMENT_KINDS = [Kind.KEY_WORKER, Kind.CLINIC, Kind.DEPOT, Kind.HOME_VISIT]


class Outcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    MISSED = "missed", "Missed"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class SupervisedConsumption(TimeStampedModel):
    """A prescription taken in front of the pharmacist on set days, from start to end."""

    service_user = models.ForeignKey(
        "people.ServiceUser", on_delete=models.PROTECT, related_name="supervised_consumptions"
    )
    pharmacy_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    prescribing_team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    medicine = models.CharField(max_length=100, help_text="For example: methadone oral solution 1 mg/ml.")
    dose = models.DecimalField(max_digits=6, decimal_places=2)
    dose_unit = models.CharField(max_length=10, default="mg")
    # ISO weekdays as digits, Monday = 0: "0123456" is every day.
    days_of_week = models.CharField(max_length=7, default="0123456")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="The last day of supervised consumption.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="sc_end_after_start"
            ),
            models.CheckConstraint(condition=Q(dose__gt=0), name="sc_dose_positive"),
            models.CheckConstraint(condition=~Q(days_of_week=""), name="sc_some_days"),
        ]
        indexes = [models.Index(fields=["start", "end"])]

    def __str__(self) -> str:
        return f"{self.medicine} {self.dose_display}"

    @property
    def dose_display(self) -> str:
        return f"{self.dose.normalize():f} {self.dose_unit}"

    @property
    def days_display(self) -> str:
        if self.days_of_week == "0123456":
            return "Every day"
        return ", ".join(WEEKDAYS[int(d)] for d in self.days_of_week)

    def is_due_on(self, day) -> bool:
        return (
            self.stopped_at is None
            and self.start <= day
            and (self.end is None or day <= self.end)
            and str(day.weekday()) in self.days_of_week
        )


class Contact(TimeStampedModel):
    """One appointment or one expected collection, and its outcome once recorded."""

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="contacts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    starts_at = models.DateTimeField()
    due_on = models.DateField(help_text="The local day of the contact.")
    place = models.CharField(max_length=200, blank=True)
    schedule = models.ForeignKey(
        SupervisedConsumption, null=True, blank=True, on_delete=models.PROTECT, related_name="collections"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Claimed by the reminder scan (conditional UPDATE): one reminder per appointment.
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the not-recorded scan (conditional UPDATE): a collection left unrecorded after its
    # day is looked at once, and alerted at most once.
    not_recorded_checked_at = models.DateTimeField(null=True, blank=True)
    # The person said "I can't come" through their reminder's link (issue 20): the team was told.
    person_cannot_come_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "due_on"],
                condition=Q(schedule__isnull=False),
                name="one_collection_per_day",
            ),
            models.CheckConstraint(
                condition=(Q(kind="collection") & Q(schedule__isnull=False))
                | (~Q(kind="collection") & Q(schedule__isnull=True)),
                name="collection_has_schedule",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_recorded_at__isnull=False), name="outcome_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "due_on", "starts_at"]),
            models.Index(fields=["service_user", "starts_at"]),
            models.Index(fields=["service_user", "outcome", "starts_at"]),
            # Contacts of a day for the people a user may see (access.contacts_visible_to is driven
            # by the user's permission rows): one probe per person, not all their contacts.
            models.Index(fields=["service_user", "due_on"], name="contact_person_day"),
            models.Index(
                fields=["starts_at"],
                condition=Q(reminder_claimed_at__isnull=True),
                name="contact_reminder_due",
            ),
            models.Index(
                fields=["due_on"],
                condition=Q(kind="collection", outcome="", not_recorded_checked_at__isnull=True),
                name="contact_not_recorded_due",
            ),
            # A pharmacy's collections still not recorded from the days before (its page's "not
            # recorded" list): the few of its team, not every unrecorded contact of the trust
            # (85,000 read through the outcome index to find 11, 134 ms; issue 15).
            models.Index(
                fields=["team", "due_on"],
                condition=Q(kind="collection", outcome=""),
                name="contact_unrecorded_team_day",
            ),
            # The dashboards' weekly measures: by team and week of the day due.
            models.Index(fields=["kind", "team", "due_on"], name="contact_kind_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.due_on}"

    @property
    def is_collection(self) -> bool:
        return self.kind == Kind.COLLECTION


class ContactOutcomeEvent(models.Model):
    """Each recording of an outcome, in order: the first, and any correction after it."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="outcome_events")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    previous_outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_correction(self) -> bool:
        return bool(self.previous_outcome)


# The limits an organisation admin may set each threshold within (the page and the service
# check them; the database holds the same lower bounds).
RULE_RANGES = {
    "urgent_after_missed_collections": (2, 7),
    "escalate_urgent_after_minutes": (15, 1440),
    "disengaged_after_days": (7, 180),
    "reminder_hours_before": (1, 168),
    "not_recorded_alert_hour": (0, 23),
}


class ContactRules(TimeStampedModel):
    """An organisation's own thresholds for contact alerts; without a row, the settings' defaults.

    Changed only through services.contact_rules_set (audited with the old and new values)."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, related_name="contact_rules"
    )
    urgent_after_missed_collections = models.PositiveSmallIntegerField(default=3)
    escalate_urgent_after_minutes = models.PositiveIntegerField(default=240)
    disengaged_after_days = models.PositiveSmallIntegerField(default=28)
    reminder_hours_before = models.PositiveSmallIntegerField(default=24)
    # A collection still unrecorded at this hour (Europe/London) of the morning after its day, by the
    # pharmacy's organisation's rules, raises one "not recorded" alert.
    not_recorded_alert_hour = models.PositiveSmallIntegerField(default=9)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "contact rules"
        constraints = [
            models.CheckConstraint(condition=Q(not_recorded_alert_hour__lte=23), name="rules_hour_of_day"),
            models.CheckConstraint(
                condition=Q(urgent_after_missed_collections__gte=2), name="rules_urgent_at_least_2"
            ),
            models.CheckConstraint(
                condition=Q(disengaged_after_days__gte=7), name="rules_disengaged_at_least_7"
            ),
        ]


class DoNotContact(TimeStampedModel):
    """A way DualCare must not reach the person, e.g. texting is unsafe (someone else reads their
    phone). Reminders are not sent on that channel while it is in force; ending it keeps the row."""

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.CharField(max_length=300, blank=True, help_text="Seen by staff only.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["channel", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_user", "channel"],
                condition=Q(ended_at__isnull=True),
                name="one_do_not_contact_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"Do not contact by {self.get_channel_display().lower()}"


class ReminderReply(models.Model):
    """The single-use "I can't come" link sent with one reminder: a random token is the URL's only
    part. One per appointment (`contact`) or per expected collection (`schedule` and `due_on`, as
    tomorrow's collection rows are written on the day); the row is also the reminder's claim."""

    token = models.CharField(max_length=64, unique=True)
    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="reminder_reply"
    )
    schedule = models.ForeignKey(
        SupervisedConsumption, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "due_on"],
                condition=Q(schedule__isnull=False),
                name="one_reminder_per_collection",
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(schedule__isnull=False),
                name="reminder_reply_for_something",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder reply for {self.due_on}"
