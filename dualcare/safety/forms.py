"""Forms for risk assessments and safety flags. The services decide; these gather and check input."""

from __future__ import annotations

from django import forms

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm

from .models import MAX_FLAG_TEXT, MAX_TEXT, Domain, FlagCode, Level, SafetyFlag
from .services import DomainInput

_NOT_ASSESSED = ""


class RiskAssessmentForm(NHSForm):
    assessed_on = DatePartsField(
        label="Date of the assessment", label_for_errors="the date of the assessment", window=limits.PAST
    )
    person_view = forms.CharField(
        label="Their own view of their risks (optional)",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In their words: what they think puts them or others at risk, and what helps.",
    )
    review_due = DatePartsField(
        label="Review by (optional)",
        required=False,
        label_for_errors="the review date",
        window=limits.TARGET,
        help_text=(
            "If you leave this empty, the review is due in 6 months. Your team is reminded when it is due."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Domain.choices:
            self.fields[f"{value}_level"] = forms.ChoiceField(
                label=f"{label}: level",
                choices=[(_NOT_ASSESSED, "Not assessed this time"), *Level.choices],
                required=False,
                error_messages={"invalid_choice": "Choose a level from the list."},
            )
            self.fields[f"{value}_evidence"] = forms.CharField(
                label=f"{label}: the evidence",
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"{value}_worse_or_better"] = forms.CharField(
                label=f"{label}: what makes it worse or better",
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"{value}_plan"] = forms.CharField(
                label=f"{label}: the plan",
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def domain_groups(self):
        """(label, [bound fields]) for each domain, in order, for the template."""
        return [
            (label, [self[f"{value}_{part}"] for part in ("level", "evidence", "worse_or_better", "plan")])
            for value, label in Domain.choices
        ]

    def clean(self):
        cleaned = super().clean()
        chosen = 0
        for value, label in Domain.choices:
            if cleaned.get(f"{value}_level"):
                chosen += 1
                if not cleaned.get(f"{value}_evidence") and f"{value}_evidence" not in self.errors:
                    self.add_error(
                        f"{value}_evidence", f"Enter the evidence for the level of {label.lower()}."
                    )
        if not chosen and f"{Domain.TO_SELF}_level" not in self.errors:
            self.add_error(f"{Domain.TO_SELF}_level", "Choose a level for at least one area of risk.")
        return cleaned

    def domains(self) -> list[DomainInput]:
        data = self.cleaned_data
        return [
            DomainInput(
                domain=value,
                level=data[f"{value}_level"],
                evidence=data.get(f"{value}_evidence", ""),
                worse_or_better=data.get(f"{value}_worse_or_better", ""),
                plan=data.get(f"{value}_plan", ""),
            )
            for value in Domain.values
            if data.get(f"{value}_level")
        ]


class RiskFilterForm(NHSForm):
    domain = forms.ChoiceField(
        label="Area of risk",
        required=False,
        choices=[("", "All areas"), *Domain.choices],
        error_messages={"invalid_choice": "Choose an area of risk from the list."},
    )
    q = forms.CharField(label="Search the evidence and plans", required=False, max_length=limits.SHORT_TEXT)


class FlagRaiseForm(NHSForm):
    code = forms.ChoiceField(
        label="Kind of warning",
        choices=FlagCode.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the kind of warning.",
            "invalid_choice": "Choose the kind of warning from the list.",
        },
    )
    warning = forms.CharField(
        label="Warning",
        max_length=MAX_FLAG_TEXT,
        help_text=(
            "Short, so everyone reads it at a glance. For example: overdose risk, recent release from prison."
        ),
        error_messages={"required": "Enter the warning."},
    )
    reason = forms.CharField(
        label="Why it is needed",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why the flag is needed."},
    )
    review_on = DatePartsField(label="Review by", label_for_errors="the review date", window=limits.TARGET)


class FlagReviewForm(NHSForm):
    review_on = DatePartsField(
        label="Next review by", label_for_errors="the next review date", window=limits.TARGET
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class FlagRemoveForm(NHSForm):
    reason = forms.CharField(
        label="Why the flag is no longer needed",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the flag is no longer needed."},
    )


class RemovalDecideForm(NHSForm):
    decision = forms.ChoiceField(
        label="Do you agree the flag should be removed?",
        choices=[("confirm", "Yes, remove the flag"), ("refuse", "No, keep the flag")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether to remove the flag.",
            "invalid_choice": "Choose whether to remove the flag.",
        },
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class FlagsFilterForm(NHSForm):
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "All flags"), *SafetyFlag.Status.choices],
        error_messages={"invalid_choice": "Choose what to show from the list."},
    )
