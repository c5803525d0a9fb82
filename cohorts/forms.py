from django import forms

from dualcare.people.forms import DatePartsField, NHSForm

from .models import ExitReason, Severity


class QuadrantForm(NHSForm):
    mental_health_severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        label="Severity of mental illness",
        error_messages={"required": "Choose low or high."},
    )
    substance_use_severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        label="Severity of substance use",
        error_messages={"required": "Choose low or high."},
    )
    assessed_on = DatePartsField(
        label="Date of the assessment",
        help_text="For example, 15 3 2026",
        label_for_errors="the date of the assessment",
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why this quadrant?",
        help_text="What you saw, heard and read that led to this judgement.",
        error_messages={"required": "Give the reasons for this quadrant."},
    )


class EnrolForm(NHSForm):
    service_user = forms.ChoiceField(label="Person", error_messages={"required": "Choose a person."})
    enrolled_on = DatePartsField(
        label="Date enrolled", help_text="For example, 15 3 2026", label_for_errors="the date enrolled"
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.fields["service_user"].choices = [("", "Choose a person")] + [
            (str(p.pk), p.full_name) for p in people
        ]


class ExitForm(NHSForm):
    reason = forms.ChoiceField(
        choices=ExitReason.choices,
        widget=forms.RadioSelect,
        label="Why did they leave the cohort?",
        error_messages={"required": "Choose a reason."},
    )
    exited_on = DatePartsField(
        label="Date left", help_text="For example, 15 3 2026", label_for_errors="the date left"
    )
    note = forms.CharField(required=False, max_length=300, label="More about why (needed for other)")
