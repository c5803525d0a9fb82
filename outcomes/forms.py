"""Capture forms. They convert what was typed; every rule lives in outcomes.validation, so a
page and the API refuse the same things with the same words."""

from django import forms
from django.utils import timezone

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm

from . import validation
from .models import (
    DIALOG_ITEMS,
    HONOS_ITEMS,
    TOP_SUBSTANCES,
    TOP_WEEKLY_DAYS_FIELDS,
    TOP_WEEKS,
    FFTAnswer,
    HonosStage,
    Item8Type,
    RatingPeriod,
    TopStage,
)

HONOS_SCALE = [
    ("0", "0 no problem"),
    ("1", "1 minor, no action"),
    ("2", "2 mild"),
    ("3", "3 moderate"),
    ("4", "4 severe to very severe"),
    ("9", "9 not known or not applicable"),
]
YES_NO = [("yes", "Yes"), ("no", "No"), ("", "Not answered")]
NOT_ANSWERED = "Leave blank if the person did not answer (blank is not 0)."


def _date(label, what):
    # the same window and words as outcomes.validation, which the API answers with
    return DatePartsField(
        label=label, help_text="For example, 15 3 2026", label_for_errors=what, window=limits.PAST
    )


class InstrumentForm(NHSForm):
    """A capture form whose errors all show at once.

    A box Django could not read (letters in a number, a date that does not exist) must not hide
    the instrument's own errors on every other answer: clean() runs outcomes.validation over
    what was read and adds its messages, skipping a rule that reads an answer that could not be
    read (DEPENDS_ON). A valid form is judged again, in full, by the service."""

    # an answer whose rule reads other answers: {field: (fields it reads, ...)}
    DEPENDS_ON: dict[str, tuple[str, ...]] = {}

    # more rules on what could be read, set by the view: callable(cleaned) -> {field: [message]}
    more_problems = None

    def problems(self, cleaned: dict) -> dict[str, list[str]]:
        """outcomes.validation's errors over what could be read."""
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            problems = self.problems(cleaned)
            for name, messages in (self.more_problems(cleaned) if self.more_problems else {}).items():
                problems.setdefault(name, messages)
            for name, messages in problems.items():
                if name not in self.fields or name in self.errors:
                    continue
                if any(other in self.errors for other in self.DEPENDS_ON.get(name, ())):
                    continue  # its rule reads an answer that could not be read
                for message in messages:
                    self.add_error(name, message)
        return cleaned


class HonosForm(InstrumentForm):
    rated_on = _date("Date of the rating", "the date of the rating")
    stage = forms.ChoiceField(
        choices=HonosStage.choices,
        widget=forms.RadioSelect,
        label="Stage",
        error_messages={"required": "Choose assessment, review or discharge."},
    )
    rating_period = forms.ChoiceField(
        choices=RatingPeriod.choices,
        widget=forms.RadioSelect,
        label="Period rated",
        initial=RatingPeriod.TWO_WEEKS,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, label in enumerate(HONOS_ITEMS, start=1):
            self.fields[f"item{number}"] = forms.ChoiceField(
                choices=HONOS_SCALE,
                widget=forms.RadioSelect,
                label=f"{number}. {label}",
                error_messages={
                    "required": f"Rate item {number} (0 to 4, or 9 if not known).",
                    "invalid_choice": validation.honos_item_message(number),
                },
            )
            if number == 8:
                self.fields["item8_type"] = forms.ChoiceField(
                    choices=[("", "No problem type (item 8 rated 0 or 9)"), *Item8Type.choices],
                    required=False,
                    label="8a. Type of other problem",
                    help_text="Needed when item 8 is rated 1 to 4.",
                )
                self.fields["item8_other"] = forms.CharField(
                    required=False, max_length=200, label="8b. If type J (other), say what"
                )

    DEPENDS_ON = {"item8_type": ("item8",), "item8_other": ("item8", "item8_type")}

    def _values(self, data: dict) -> dict:
        return {
            "rated_on": data.get("rated_on"),
            "stage": data.get("stage"),
            "rating_period": data.get("rating_period"),
            "items": [int(data[f"item{n}"]) if data.get(f"item{n}") else None for n in range(1, 13)],
            "item8_type": data.get("item8_type") or "",
            "item8_other": data.get("item8_other") or "",
        }

    def problems(self, cleaned: dict) -> dict[str, list[str]]:
        return validation.validate_honos(**self._values(cleaned), today=timezone.localdate())

    def service_kwargs(self) -> dict:
        return self._values(self.cleaned_data)


def _days(label):
    return forms.IntegerField(required=False, label=label, help_text=f"0 to 28. {NOT_ANSWERED}")


def _amount(label):
    return forms.DecimalField(
        required=False, label=label, help_text=NOT_ANSWERED, max_digits=8, decimal_places=2
    )


def _yes_no(label):
    return forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, required=False, label=label, initial=""
    )


def _rating(label):
    return forms.IntegerField(required=False, label=label, help_text=f"0 (poor) to 20 (good). {NOT_ANSWERED}")


def _week(week: int):
    return forms.IntegerField(
        required=False,
        label=f"Week {week}",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": f"Enter the days in week {week} as a number from 0 to 7."},
    )


class TopCaptureForm(InstrumentForm):
    completed_on = _date("Date completed", "the date the form was completed")
    stage = forms.ChoiceField(
        choices=TopStage.choices,
        widget=forms.RadioSelect,
        label="Treatment stage",
        error_messages={"required": "Choose start, review, exit or post-treatment exit."},
    )

    SECTIONS = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.week_legends: dict[str, str] = {}
        s1 = []
        for prefix, label, suffix, unit in TOP_SUBSTANCES:
            if prefix == "other_substance":
                self.fields["other_substance_name"] = forms.CharField(
                    required=False, max_length=100, label="Other substance: name"
                )
                s1.append("other_substance_name")
            self._add_weeks(f"{prefix}_days", label)
            self.fields[f"{prefix}_days"] = _days(f"{label}: days used in the past 28")
            self.fields[f"{prefix}_{suffix}"] = _amount(f"{label}: average {unit} on a using day")
            s1 += [f"{prefix}_days", f"{prefix}_{suffix}"]
        self._add_weeks("tobacco_days", "Tobacco")
        self.fields["tobacco_days"] = _days("Tobacco: days used in the past 28")
        s1.append("tobacco_days")
        for name in TOP_WEEKLY_DAYS_FIELDS:
            self.fields[name].help_text = (
                "0 to 28: the four weeks added up. Leave it blank when you give the weeks: it is worked "
                f"out from them. {NOT_ANSWERED}"
            )
        self.fields["injecting_days"] = _days("Days injected non-prescribed drugs in the past 28")
        self.fields["shared_needle"] = _yes_no("Injected with a needle or syringe used by someone else?")
        self.fields["shared_paraphernalia"] = _yes_no(
            "Injected with a spoon, water or filter used by someone else?"
        )
        for name in ("shared_needle", "shared_paraphernalia"):
            self.fields[name].help_text = "If the person did not inject (0 days), answer No."
        self.fields["shoplifting_days"] = _days("Shoplifting: days in the past 28")
        self.fields["drug_selling_days"] = _days("Selling drugs: days in the past 28")
        self.fields["vehicle_theft"] = _yes_no("Theft from or of a vehicle?")
        self.fields["property_theft"] = _yes_no("Other property theft or burglary?")
        self.fields["fraud"] = _yes_no("Fraud, forgery or handling stolen goods?")
        self.fields["assault"] = _yes_no("Committed assault or violence?")
        self.fields["psychological_health"] = _rating("Psychological health (the person's rating)")
        self.fields["physical_health"] = _rating("Physical health (the person's rating)")
        self.fields["quality_of_life"] = _rating("Overall quality of life (the person's rating)")
        self.fields["paid_work_days"] = _days("Days in paid work in the past 28")
        self.fields["college_days"] = _days("Days at college or school in the past 28")
        self.fields["acute_housing_problem"] = _yes_no("Acute housing problem?")
        self.fields["eviction_risk"] = _yes_no("At risk of eviction?")
        self.sections = [
            ("Section 1: substance use in the past four weeks", s1),
            (
                "Section 2: injecting (if 0 days, answer no to the sharing questions)",
                ["injecting_days", "shared_needle", "shared_paraphernalia"],
            ),
            (
                "Section 3: crime in the past four weeks",
                [
                    "shoplifting_days",
                    "drug_selling_days",
                    "vehicle_theft",
                    "property_theft",
                    "fraud",
                    "assault",
                ],
            ),
            (
                "Section 4: health and social functioning",
                [
                    "psychological_health",
                    "physical_health",
                    "quality_of_life",
                    "paid_work_days",
                    "college_days",
                    "acute_housing_problem",
                    "eviction_risk",
                ],
            ),
        ]

    def _add_weeks(self, name: str, label: str) -> None:
        for week in TOP_WEEKS:
            self.fields[f"{name}_week{week}"] = _week(week)
        self.week_legends[name] = f"{label}: days used in each of the past four weeks"

    def section_fields(self):
        """Each section's fields; a days answer asked week by week comes with its four week boxes
        (``weeks``: the bound fields, week 4 first), drawn as one group before its total."""
        sections = []
        for title, names in self.sections:
            items = []
            for name in names:
                weeks = (
                    [self[f"{name}_week{week}"] for week in TOP_WEEKS] if name in self.week_legends else []
                )
                if weeks:
                    items.append({"weeks": weeks, "legend": self.week_legends[name], "name": name})
                items.append({"field": self[name]})
            sections.append((title, items))
        return sections

    def _answers(self, cleaned: dict) -> dict:
        values = {}
        for name, value in cleaned.items():
            if name in ("completed_on", "stage"):
                continue
            if name.endswith(("_week1", "_week2", "_week3", "_week4")):
                values[name] = value
            elif isinstance(self.fields[name], forms.ChoiceField):
                values[name] = {"yes": True, "no": False}.get(value)
            elif name == "other_substance_name":
                values[name] = value or ""
            else:
                values[name] = value
        return values

    def problems(self, cleaned: dict) -> dict[str, list[str]]:
        return validation.validate_top(
            completed_on=cleaned.get("completed_on"),
            stage=cleaned.get("stage"),
            answers=self._answers(cleaned),
            today=timezone.localdate(),
        )

    DEPENDS_ON = validation.TOP_DEPENDS_ON

    def service_kwargs(self) -> dict:
        return {
            "completed_on": self.cleaned_data["completed_on"],
            "stage": self.cleaned_data["stage"],
            **self._answers(self.cleaned_data),
        }


DIALOG_SCALE = [
    ("1", "1 totally dissatisfied"),
    ("2", "2 very dissatisfied"),
    ("3", "3 fairly dissatisfied"),
    ("4", "4 in the middle"),
    ("5", "5 fairly satisfied"),
    ("6", "6 very satisfied"),
    ("7", "7 totally satisfied"),
]


class DialogForm(InstrumentForm):
    rated_on = _date("Date of the rating", "the date of the rating")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, label in enumerate(DIALOG_ITEMS, start=1):
            self.fields[f"item{number}"] = forms.ChoiceField(
                choices=DIALOG_SCALE,
                widget=forms.RadioSelect,
                label=f"How satisfied are you with your {label.lower()}?",
                error_messages={
                    "required": validation.dialog_item_message(number),
                    "invalid_choice": validation.dialog_item_message(number),
                },
            )
        # DIALOG+: for each item the person can say they want more help.
        self.fields["more_help"] = forms.MultipleChoiceField(
            choices=[(str(number), label) for number, label in enumerate(DIALOG_ITEMS, start=1)],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label="Which of these would they like more help with?",
            help_text="Ask for each item. Then work through DIALOG+ together for each one they choose.",
        )

    def _values(self, data: dict) -> dict:
        return {
            "rated_on": data.get("rated_on"),
            "items": [int(data[f"item{n}"]) if data.get(f"item{n}") else None for n in range(1, 12)],
        }

    def service_kwargs(self) -> dict:
        return {
            **self._values(self.cleaned_data),
            "more_help": [int(n) for n in self.cleaned_data["more_help"]],
        }

    def problems(self, cleaned: dict) -> dict[str, list[str]]:
        return validation.validate_dialog(**self._values(cleaned), today=timezone.localdate())


class SatisfactionForm(InstrumentForm):
    answer = forms.ChoiceField(
        choices=FFTAnswer.choices,
        widget=forms.RadioSelect,
        label="Overall, how was your experience of our service?",
        help_text="Think about all the services working together on your care.",
        error_messages={
            "required": validation.CHOOSE_ONE_ANSWER,
            "invalid_choice": validation.CHOOSE_ONE_ANSWER,
        },
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        label="Please tell us why you gave this answer (optional)",
        error_messages={"max_length": validation.COMMENT_TOO_LONG},
    )

    def problems(self, cleaned: dict) -> dict[str, list[str]]:
        # the date is today's (the page has no date box): only the answer and comment to check
        return validation.validate_satisfaction(
            responded_on=timezone.localdate(),
            answer=cleaned.get("answer"),
            comment=cleaned.get("comment") or "",
            today=timezone.localdate(),
        )


DIALOG_PLUS_OWNER_CHOICES = [
    ("service_user", "The person themselves"),
    ("worker", "Me (the worker recording this)"),
    ("organisation", "My organisation"),
]


class DialogPlusForm(NHSForm):
    """DIALOG+ for one item: the four steps, the last agreeing up to three actions for the plan."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    understanding = limits.text(
        what="what you understood",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Step 1, understanding: why is it not worse, and what is going well?",
        help_text="Listen to what already works, in their words.",
        required=False,
    )
    looking_forward = limits.text(
        what="how they would like things to be",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Step 2, looking forward: how would they like things to be?",
        help_text="The best outcome, and the smallest change that would make a difference.",
        required=False,
    )
    options = limits.text(
        what="the options",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Step 3, exploring options: what could they do, what could you or others do?",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, validation.DIALOG_PLUS_MAX_ACTIONS + 1):
            optional = "" if number == 1 else " (optional)"
            self.fields[f"action{number}_text"] = limits.text(
                what=f"action {number}",
                max_length=limits.SHORT_TEXT,
                label=f"Action {number}: what will be done{optional}",
                required=False,
            )
            self.fields[f"action{number}_owner_kind"] = forms.ChoiceField(
                choices=[("", "Choose who")] + DIALOG_PLUS_OWNER_CHOICES,
                required=False,
                label=f"Who will do action {number}",
            )
            self.fields[f"action{number}_due_date"] = DatePartsField(
                label=f"Action {number}: due by (optional)",
                help_text="For example, 15 3 2027",
                label_for_errors=f"the due date of action {number}",
                window=limits.TARGET,
                required=False,
            )

    def actions(self) -> list:
        from .services import AgreedAction

        agreed = []
        for number in range(1, validation.DIALOG_PLUS_MAX_ACTIONS + 1):
            text = self.cleaned_data.get(f"action{number}_text") or ""
            if not text.strip() and number > 1:
                continue
            agreed.append(
                AgreedAction(
                    text=text,
                    owner_kind=self.cleaned_data.get(f"action{number}_owner_kind") or "",
                    due_date=self.cleaned_data.get(f"action{number}_due_date"),
                )
            )
        return agreed


class NdtmsExtractForm(NHSForm):
    """The NDTMS TOP extract's date range and the report's search (a GET form)."""

    start = DatePartsField(label="From", label_for_errors="the start date", window=limits.PAST)
    end = DatePartsField(label="To", label_for_errors="the end date", window=limits.PAST)
    q = forms.CharField(
        label="Search the report by family name or NHS number", required=False, max_length=limits.SHORT_TEXT
    )

    def clean(self):
        from .ndtms import range_problems

        cleaned = super().clean()
        for field, message in range_problems(
            cleaned.get("start"), cleaned.get("end"), timezone.localdate()
        ).items():
            self.add_error(field, message)
        return cleaned
