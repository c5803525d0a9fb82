"""The service directory (issue 18): services offered by participating teams and by outside
organisations, who they are for, how to get to them, and when somebody last checked the entry.

Open Referral UK (the UK profile of HSDS 3.0) is the import and export shape (directory/oruk.py),
not this model: a Provider is its organization, a Need its taxonomy term, a Service its service
with its locations (service_at_location) and opening times (schedules) held as rows of its own.

Every entry is kept by one participating organisation (`keeper`): its organisation admins edit
it, mark it checked and are told when nobody has checked it for DIRECTORY_CHECK_MONTHS. An entry
of a participating team links to that team (`team`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel

# The taxonomy DualCare's needs belong to, served as an Open Referral taxonomy.
NEEDS_TAXONOMY = "DualCare needs"


class Need(TimeStampedModel):
    """A need a service meets: a term of a taxonomy (Open Referral's taxonomy_term)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    taxonomy = models.CharField(max_length=100, default=NEEDS_TAXONOMY)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(TimeStampedModel):
    """Who runs a service (Open Referral's organization): a participating organisation (linked)
    or an outside one (housing association, food bank, mutual aid group)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Open"
        TEMPORARILY_CLOSED = "temporarily closed", "Closed for now"
        INACTIVE = "inactive", "Not running"
        DEFUNCT = "defunct", "Closed for good"

    class Gender(models.TextChoices):
        ANY = "any", "Anyone"
        WOMEN = "women", "Women only"
        MEN = "men", "Men only"

    class Referral(models.TextChoices):
        DUALCARE = "dualcare", "DualCare referral"
        SELF = "self", "Self-referral"
        PHONE = "phone", "Phone"
        WEB_FORM = "web_form", "Web form"

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    keeper = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    needs = models.ManyToManyField(Need, related_name="services", blank=True)
    # Who it is for.
    eligibility = models.TextField("who it is for", blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.ANY)
    # The area it serves, e.g. "Northtown"; empty for anywhere.
    area = models.CharField(max_length=100, blank=True)
    # How to get there.
    referral_methods = models.JSONField(default=list, blank=True)
    how_to_refer = models.TextField("how to refer", blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField("website", blank=True)
    languages = models.JSONField(default=list, blank=True)
    cost = models.CharField(max_length=300, blank=True, help_text="Empty for free.")
    last_checked = models.DateField()
    # Set once, when the keeper's organisation admins were told nobody had checked it for
    # DIRECTORY_CHECK_MONTHS; cleared when it is checked again.
    stale_flagged_at = models.DateTimeField(null=True, blank=True)
    # Lower-cased name, description and provider, for the search box.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="directory_service_ages_in_order",
            ),
            models.CheckConstraint(
                condition=Q(maximum_age__isnull=True) | Q(maximum_age__lte=120),
                name="directory_service_age_at_most_120",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"], name="directory_service_open_name"),
            models.Index(fields=["keeper", "name"], name="directory_service_keeper"),
            models.Index(fields=["team"], name="directory_service_team"),
            # The beat's scan: not yet flagged, by the date it was last checked.
            models.Index(
                fields=["last_checked"],
                condition=Q(stale_flagged_at__isnull=True),
                name="directory_service_unflagged",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_free(self) -> bool:
        return not self.cost

    def referral_method_labels(self) -> list[str]:
        labels = dict(self.Referral.choices)
        return [labels[method] for method in self.referral_methods if method in labels]

    def referral_method_labels_for_person(self) -> list[str]:
        """The same, said to the person in their portal."""
        labels = {
            self.Referral.DUALCARE: "your care team can refer you",
            self.Referral.SELF: "you can contact them yourself",
            self.Referral.PHONE: "by phone",
            self.Referral.WEB_FORM: "through their website's form",
        }
        return [labels[method] for method in self.referral_methods if method in labels]


class Location(TimeStampedModel):
    """Where a service is met (Open Referral's location with its address, through
    service_at_location): one row per place the service is at."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300)
    locality = models.CharField(max_length=100, help_text="The town or district, e.g. Northtown.")
    postcode = models.CharField(max_length=10)
    # The outward code, e.g. "NT1" of "NT1 4AB": what a search by place matches.
    postcode_district = models.CharField(max_length=5, editable=False)

    class Meta:
        ordering = ["name", "address"]
        indexes = [
            models.Index(fields=["postcode_district", "service"], name="directory_location_district"),
            models.Index(fields=["locality", "service"], name="directory_location_locality"),
        ]

    def __str__(self) -> str:
        return self.name or self.address


class OpeningTime(TimeStampedModel):
    """One day's opening of a service (Open Referral's weekly schedule, one row per day)."""

    class Day(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="opening_times")
    weekday = models.PositiveSmallIntegerField(choices=Day.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="directory_opens_before_closes"
            ),
        ]
        indexes = [models.Index(fields=["weekday", "opens_at", "service"], name="directory_open_day")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class ImportRun(TimeStampedModel):
    """One import of an Open Referral file, with its report (rows taken, updated, refused and why)."""

    keeper = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    taken = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list)  # [{"row": "...", "why": "..."}]

    class Meta:
        ordering = ["-created_at"]


# Leaflets and information packs (issue 18, item 6) live in their own module.
from .pack_models import Document, InformationPack, PackItem  # noqa: E402, F401

# Signposting (issue 18 item 4): its own module, so that the directory entries above stay apart.
from .signpost_models import Signpost, SignpostFollowUp, SignpostService  # noqa: E402, F401
