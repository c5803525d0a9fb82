"""Outcome measures: HoNOS, TOP, DIALOG and the service user's satisfaction (FFT).

Every form is a new row (history as rows); nothing is overwritten. Values are stored as the
instrument defines them (CLINICAL.md): HoNOS 0-4 or 9 (not known), TOP "not answered" is NULL
and distinct from 0, DIALOG 1-7. Scores are computed by outcomes.scoring, never stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel

HONOS_ITEMS = [
    "Overactive, aggressive, disruptive or agitated behaviour",
    "Non-accidental self-injury",
    "Problem drinking or drug-taking",
    "Cognitive problems",
    "Physical illness or disability problems",
    "Problems associated with hallucinations and delusions",
    "Problems with depressed mood",
    "Other mental and behavioural problems",
    "Problems with relationships",
    "Problems with activities of daily living",
    "Problems with living conditions",
    "Problems with occupation and activities",
]
HONOS_VALUES = (0, 1, 2, 3, 4, 9)
HONOS_COPYRIGHT = "HoNOS © Royal College of Psychiatrists. Used under licence."

DIALOG_ITEMS = [
    "Mental health",
    "Physical health",
    "Job situation",
    "Accommodation",
    "Leisure activities",
    "Friendships",
    "Partner or family",
    "Personal safety",
    "Medication",
    "Practical help",
    "Meetings with professionals",
]


class HonosStage(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    REVIEW = "review", "Review"
    DISCHARGE = "discharge", "Discharge"


class RatingPeriod(models.TextChoices):
    TWO_WEEKS = "two_weeks", "The previous 2 weeks"
    THREE_DAYS = "three_days", "The previous 3 days (discharge from inpatient care)"


class Item8Type(models.TextChoices):
    A = "A", "A: phobic"
    B = "B", "B: anxiety"
    C = "C", "C: obsessive-compulsive"
    D = "D", "D: stress"
    E = "E", "E: dissociative"
    F = "F", "F: somatoform"
    G = "G", "G: eating"
    H = "H", "H: sleep"
    I = "I", "I: sexual"  # noqa: E741
    J = "J", "J: other (say what)"


class TopStage(models.TextChoices):
    START = "start", "Start"
    REVIEW = "review", "Review"
    EXIT = "exit", "Exit"
    POST_TREATMENT_EXIT = "post_treatment_exit", "Post-treatment exit"


class FFTAnswer(models.TextChoices):
    VERY_GOOD = "very_good", "Very good"
    GOOD = "good", "Good"
    NEITHER = "neither", "Neither good nor poor"
    POOR = "poor", "Poor"
    VERY_POOR = "very_poor", "Very poor"
    DONT_KNOW = "dont_know", "Don't know"


class OutcomeRecord(TimeStampedModel):
    """Who the form is about, who rated it and for which organisation (the consent owner)."""

    service_user = models.ForeignKey("people.ServiceUser", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


def _honos_item_field(number: int):
    return models.PositiveSmallIntegerField(HONOS_ITEMS[number - 1])


class HonosRating(OutcomeRecord):
    rated_on = models.DateField()
    stage = models.CharField(max_length=12, choices=HonosStage.choices)
    rating_period = models.CharField(
        max_length=12, choices=RatingPeriod.choices, default=RatingPeriod.TWO_WEEKS
    )
    item1 = _honos_item_field(1)
    item2 = _honos_item_field(2)
    item3 = _honos_item_field(3)
    item4 = _honos_item_field(4)
    item5 = _honos_item_field(5)
    item6 = _honos_item_field(6)
    item7 = _honos_item_field(7)
    item8 = _honos_item_field(8)
    item9 = _honos_item_field(9)
    item10 = _honos_item_field(10)
    item11 = _honos_item_field(11)
    item12 = _honos_item_field(12)
    item8_type = models.CharField(max_length=1, choices=Item8Type.choices, blank=True)
    item8_other = models.CharField("other problem (type J)", max_length=200, blank=True)

    class Meta:
        ordering = ["-rated_on", "-created_at"]
        indexes = [models.Index(fields=["service_user", "rated_on"])]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"item{n}__in": HONOS_VALUES}), name=f"honos_item{n}_valid"
                )
                for n in range(1, 13)
            ],
            models.CheckConstraint(
                condition=Q(item8__in=(0, 9), item8_type="") | Q(item8__in=(1, 2, 3, 4)) & ~Q(item8_type=""),
                name="honos_item8_type_when_rated",
            ),
        ]

    @property
    def items(self) -> list[int]:
        return [getattr(self, f"item{n}") for n in range(1, 13)]

    @property
    def when(self):
        return self.rated_on


# TOP section 1: (prefix, label, amount field suffix, amount unit)
TOP_SUBSTANCES = [
    ("alcohol", "Alcohol", "units_per_day", "units"),
    ("opiates", "Illicit opiates", "grams_per_day", "grams"),
    ("crack", "Crack", "grams_per_day", "grams"),
    ("cocaine", "Cocaine", "grams_per_day", "grams"),
    ("amphetamines", "Amphetamines", "grams_per_day", "grams"),
    ("cannabis", "Cannabis", "spliffs_per_day", "spliffs"),
    ("other_substance", "Other substance", "grams_per_day", "grams"),
]
TOP_DAYS_FIELDS = [
    *[f"{prefix}_days" for prefix, *_ in TOP_SUBSTANCES],
    "tobacco_days",
    "injecting_days",
    "shoplifting_days",
    "drug_selling_days",
    "paid_work_days",
    "college_days",
]
# Section 1's days are asked week by week on the form: four boxes of 0-7, the 28-day total their
# sum. The boxes' names at the edges (form, API, CSV): alcohol_days_week4 ... alcohol_days_week1,
# in the order the form prints them, week 4 (the earliest) first and week 1 the latest.
# Checked against the published form (NTA's Treatment Outcomes Profile, as reissued by PHE; a
# transcript: https://studyres.com/doc/1236685/top-form): section 1 reads "Record the average
# amount on a using day and number of days substances used in each of past four weeks", with
# the columns Average, Week 4, Week 3, Week 2, Week 1 (each 0-7) and Total (0-28); section 2
# "(if no, enter zero and 'N', and go to section 3)". The secure-setting form prints the same
# columns in the same order, with tobacco in section 1.
TOP_WEEKLY_DAYS_FIELDS = [*[f"{prefix}_days" for prefix, *_ in TOP_SUBSTANCES], "tobacco_days"]
TOP_WEEKS = (4, 3, 2, 1)
TOP_WEEK_FIELDS = [f"{name}_week{week}" for name in TOP_WEEKLY_DAYS_FIELDS for week in TOP_WEEKS]
TOP_AMOUNT_FIELDS = [f"{prefix}_{suffix}" for prefix, _, suffix, _ in TOP_SUBSTANCES]
TOP_RATING_FIELDS = ["psychological_health", "physical_health", "quality_of_life"]
TOP_YES_NO_FIELDS = [
    "shared_needle",
    "shared_paraphernalia",
    "vehicle_theft",
    "property_theft",
    "fraud",
    "assault",
    "acute_housing_problem",
    "eviction_risk",
]
TOP_ITEM_FIELDS = [
    *[f for prefix, _, suffix, _ in TOP_SUBSTANCES for f in (f"{prefix}_days", f"{prefix}_{suffix}")],
    "tobacco_days",
    "injecting_days",
    "shared_needle",
    "shared_paraphernalia",
    "shoplifting_days",
    "drug_selling_days",
    "vehicle_theft",
    "property_theft",
    "fraud",
    "assault",
    *TOP_RATING_FIELDS,
    "paid_work_days",
    "college_days",
    "acute_housing_problem",
    "eviction_risk",
]


def _days():
    return models.PositiveSmallIntegerField(null=True, blank=True)


def _amount():
    return models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)


def _rating():
    return models.PositiveSmallIntegerField(null=True, blank=True)


def _yes_no():
    return models.BooleanField(null=True, blank=True)


class TopForm(OutcomeRecord):
    """A Treatment Outcomes Profile. NULL means "not answered", which is not 0."""

    completed_on = models.DateField()
    stage = models.CharField(max_length=20, choices=TopStage.choices)
    # Section 1: substance use, days in the past 28 and amount on a typical using day.
    alcohol_days = _days()
    alcohol_units_per_day = _amount()
    opiates_days = _days()
    opiates_grams_per_day = _amount()
    crack_days = _days()
    crack_grams_per_day = _amount()
    cocaine_days = _days()
    cocaine_grams_per_day = _amount()
    amphetamines_days = _days()
    amphetamines_grams_per_day = _amount()
    cannabis_days = _days()
    cannabis_spliffs_per_day = _amount()
    other_substance_name = models.CharField(max_length=100, blank=True)
    other_substance_days = _days()
    other_substance_grams_per_day = _amount()
    tobacco_days = _days()
    # The week boxes, where they were given: {"alcohol_days": [week 4, week 3, week 2, week 1]},
    # each 0-7, adding up to the 28-day figure above, which stays the one the measures read (a
    # form given as totals alone, as imports and the API may, has none).
    days_by_week = models.JSONField(default=dict, blank=True)
    # Section 2: injecting.
    injecting_days = _days()
    shared_needle = _yes_no()
    shared_paraphernalia = _yes_no()
    # Section 3: crime.
    shoplifting_days = _days()
    drug_selling_days = _days()
    vehicle_theft = _yes_no()
    property_theft = _yes_no()
    fraud = _yes_no()
    assault = _yes_no()
    # Section 4: health and social functioning.
    psychological_health = _rating()
    physical_health = _rating()
    quality_of_life = _rating()
    paid_work_days = _days()
    college_days = _days()
    acute_housing_problem = _yes_no()
    eviction_risk = _yes_no()

    class Meta:
        ordering = ["-completed_on", "-created_at"]
        indexes = [models.Index(fields=["service_user", "completed_on"])]
        constraints = [
            *[
                models.CheckConstraint(condition=Q(**{f"{name}__lte": 28}), name=f"top_{name}_max_28")
                for name in TOP_DAYS_FIELDS
            ],
            *[
                models.CheckConstraint(condition=Q(**{f"{name}__lte": 20}), name=f"top_{name}_max_20")
                for name in TOP_RATING_FIELDS
            ],
        ]

    @property
    def when(self):
        return self.completed_on


class DialogRating(OutcomeRecord):
    rated_on = models.DateField()
    item1 = models.PositiveSmallIntegerField(DIALOG_ITEMS[0])
    item2 = models.PositiveSmallIntegerField(DIALOG_ITEMS[1])
    item3 = models.PositiveSmallIntegerField(DIALOG_ITEMS[2])
    item4 = models.PositiveSmallIntegerField(DIALOG_ITEMS[3])
    item5 = models.PositiveSmallIntegerField(DIALOG_ITEMS[4])
    item6 = models.PositiveSmallIntegerField(DIALOG_ITEMS[5])
    item7 = models.PositiveSmallIntegerField(DIALOG_ITEMS[6])
    item8 = models.PositiveSmallIntegerField(DIALOG_ITEMS[7])
    item9 = models.PositiveSmallIntegerField(DIALOG_ITEMS[8])
    item10 = models.PositiveSmallIntegerField(DIALOG_ITEMS[9])
    item11 = models.PositiveSmallIntegerField(DIALOG_ITEMS[10])
    # DIALOG+ (issue 20 item 2): the item numbers (1-11) the person said they want more help with.
    more_help = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-rated_on", "-created_at"]
        indexes = [models.Index(fields=["service_user", "rated_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"item{n}__gte": 1, f"item{n}__lte": 7}), name=f"dialog_item{n}_1_to_7"
            )
            for n in range(1, 12)
        ]

    @property
    def items(self) -> list[int]:
        return [getattr(self, f"item{n}") for n in range(1, 12)]

    @property
    def when(self):
        return self.rated_on


class DialogPlusDiscussion(OutcomeRecord):
    """DIALOG+ (issue 20 item 2): the four-step approach for one item the person wants more help
    with, worked through by a worker with the person: understanding, looking forward, exploring
    options, agreeing actions. The agreed actions are care plan actions (careplans.services), their
    entry ids kept here; what was said is the outcomes scope, as the rating it belongs to."""

    rating = models.ForeignKey(DialogRating, on_delete=models.PROTECT, related_name="discussions")
    item = models.PositiveSmallIntegerField()
    discussed_on = models.DateField()
    understanding = models.TextField()
    looking_forward = models.TextField()
    options = models.TextField()
    action_entry_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["item"]
        constraints = [
            models.UniqueConstraint(fields=["rating", "item"], name="one_dialog_plus_per_item"),
            models.CheckConstraint(condition=Q(item__gte=1, item__lte=11), name="dialog_plus_item_1_to_11"),
        ]
        indexes = [models.Index(fields=["service_user", "discussed_on"])]

    @property
    def item_label(self) -> str:
        return DIALOG_ITEMS[self.item - 1]

    @property
    def when(self):
        return self.discussed_on


class SatisfactionResponse(OutcomeRecord):
    """The Friends and Family Test question about joint care, with the person's own words."""

    responded_on = models.DateField()
    answer = models.CharField(max_length=10, choices=FFTAnswer.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-responded_on", "-created_at"]
        indexes = [
            models.Index(fields=["service_user", "responded_on"]),
            models.Index(fields=["responded_on"]),
        ]

    @property
    def when(self):
        return self.responded_on


class OutcomeReminder(TimeStampedModel):
    """One reminder per overdue item: the unique key makes a second scan (or a second beat) a no-op."""

    involvement = models.ForeignKey("people.Involvement", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=12)
    kind = models.CharField(max_length=10)  # baseline, review, exit
    due_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["involvement", "instrument", "kind", "due_on"], name="one_reminder_per_due_item"
            )
        ]
