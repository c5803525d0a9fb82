"""Forms of the dashboard pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

from django import forms

from dualcare.people.forms import DatePartsField, NHSForm

from .selectors import PERIOD_CHOICES, day_text


class PeriodForm(NHSForm):
    """The period a dashboard shows (?weeks=), read from the query string: a bad one is a message
    at the field and the default period is shown; a download refuses it (400)."""

    weeks = forms.TypedChoiceField(
        label="Period",
        coerce=int,
        choices=[(n, f"Last {n} weeks") for n in PERIOD_CHOICES],
        required=False,
        help_text="Whole weeks, Monday to Sunday, up to the latest week that has ended.",
        error_messages={"invalid_choice": "Choose a period from the list: the last 13, 26, 52 or 104 weeks."},
    )

    def __init__(self, data=None, *, default: int | None = None, **kwargs):
        if data is not None and default is not None and not data.get("weeks"):
            data = data.copy()  # the list shows the period drawn when none was asked for
            data["weeks"] = str(default)
        kwargs.setdefault("auto_id", "period-%s")
        super().__init__(data, **kwargs)

    def weeks_chosen(self, default: int) -> int:
        """The valid number of weeks asked for, else `default`."""
        return (self.cleaned_data.get("weeks") if self.is_valid() else None) or default


class AnnotationForm(NHSForm):
    date = DatePartsField(
        label="Date of the change",
        label_for_errors="the date of the change",
        help_text="For example, 1 6 2026",
    )
    text = forms.CharField(
        label="What changed",
        help_text="For example, “Link meetings moved to Tuesdays”. Do not name anyone.",
        max_length=200,
        error_messages={
            "required": "Enter what changed, for example “Link meetings moved to Tuesdays”.",
            "max_length": "What changed must be 200 characters or fewer.",
        },
    )
    measure_key = forms.ChoiceField(label="Show it on", required=False)

    def __init__(self, *args, definitions=None, **kwargs):
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "Every measure")]
        choices += [(d.key, d.title) for d in (definitions or {}).values()]
        self.fields["measure_key"].choices = choices
        self.fields["measure_key"].error_messages["invalid_choice"] = "Choose a measure from the list."


class BaselineForm(NHSForm):
    first_week = forms.ChoiceField(
        label="First week of the baseline",
        error_messages={"required": "Choose the first week of the baseline."},
    )
    last_week = forms.ChoiceField(
        label="Last week of the baseline",
        error_messages={"required": "Choose the last week of the baseline."},
    )
    reason = forms.CharField(
        label="Why recalculate the limits?",
        help_text="For example, “new triage process from 1 June: limits from the weeks since”.",
        max_length=300,
        error_messages={
            "required": "Enter why the limits are recalculated.",
            "max_length": "The reason must be 300 characters or fewer.",
        },
    )

    def __init__(self, *args, weeks=(), **kwargs):
        kwargs.setdefault("auto_id", "baseline-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a week")] + [(w.isoformat(), f"Week of {day_text(w)}") for w in weeks]
        for name in ("first_week", "last_week"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = "Choose a week from the list."


class BaselineResetForm(NHSForm):
    reason = forms.CharField(
        label="Why go back to every week? (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "The reason must be 300 characters or fewer."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reset-%s")
        super().__init__(*args, **kwargs)


class AgreedMeasureForm(NHSForm):
    """A measure the organisation agrees to be held to at the Shared Care meetings (issue 19)."""

    measure_key = forms.ChoiceField(
        label="Measure",
        error_messages={
            "required": "Choose the measure.",
            "invalid_choice": "Choose a measure from the list.",
        },
    )
    target = forms.DecimalField(
        label="Target (optional)",
        help_text=(
            "In the measure's own unit, for example 90 for 90%. "
            "Leave it blank to watch the measure without a target."
        ),
        required=False,
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "nhsuk-input--width-5"}),
        error_messages={
            "invalid": "Enter the target as a number, for example 90.",
            "max_digits": "Enter a target of 99,999,999.99 or less.",
            "max_decimal_places": "Enter the target with no more than 2 decimal places.",
            "max_whole_digits": "Enter a target of 99,999,999.99 or less.",
        },
    )
    agreed_on = DatePartsField(
        label="Date it was agreed",
        label_for_errors="the date it was agreed",
        help_text="For example, 1 6 2026",
    )
    note = forms.CharField(
        label="Where it was agreed (optional)",
        help_text="For example, “Shared Care contract 2026 to 2027”. Do not name anyone.",
        required=False,
        max_length=200,
        error_messages={"max_length": "The note must be 200 characters or fewer."},
    )

    def __init__(self, *args, definitions=None, **kwargs):
        kwargs.setdefault("auto_id", "agreed-%s")
        super().__init__(*args, **kwargs)
        self.fields["measure_key"].choices = [("", "Choose a measure")] + [
            (d.key, f"{d.capability}: {d.title}") for d in (definitions or {}).values()
        ]
