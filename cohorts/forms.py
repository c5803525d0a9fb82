from django import forms

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm

from .models import ExitReason, Severity


class QuadrantForm(NHSForm):
    mental_health_severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        label="Severity of mental illness",
        error_messages={
            "required": "Choose low or high for the severity of mental illness.",
            "invalid_choice": "Choose low or high for the severity of mental illness.",
        },
    )
    substance_use_severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        label="Severity of substance use",
        error_messages={
            "required": "Choose low or high for the severity of substance use.",
            "invalid_choice": "Choose low or high for the severity of substance use.",
        },
    )
    assessed_on = DatePartsField(
        label="Date of the assessment",
        help_text="For example, 15 3 2026",
        label_for_errors="the date of the assessment",
    )
    rationale = limits.text(
        what="the reasons for this quadrant",
        max_length=limits.LONG_TEXT,
        multiline=True,
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
    note = limits.text(
        what="more about why",
        max_length=limits.SHORT_TEXT,
        required=False,
        label="More about why (needed for other)",
    )


def _target(quadrant: str, words: str):
    return forms.IntegerField(
        label=f"Quadrant {quadrant}: {words}",
        min_value=0,
        max_value=10000,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"Enter the target for quadrant {quadrant}, or 0.",
            "invalid": f"The target for quadrant {quadrant} must be a whole number, like 8.",
            "min_value": f"The target for quadrant {quadrant} must be 0 or more.",
            "max_value": f"The target for quadrant {quadrant} must be 10,000 or fewer.",
        },
    )


class CohortForm(NHSForm):
    """A cohort's details: the shape of what was typed. The rules are in services._check_cohort."""

    name = forms.CharField(
        max_length=200,
        label="Name",
        help_text="For example, North locality dual diagnosis cohort 2026.",
        error_messages={
            "required": "Give the cohort a name.",
            "max_length": "The name must be 200 characters or fewer.",
        },
    )
    locality = forms.CharField(
        max_length=200,
        required=False,
        label="Locality (optional)",
        error_messages={"max_length": "The locality must be 200 characters or fewer."},
    )
    teams = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Teams taking part",
        help_text="People are enrolled from these teams' caseloads. Select all that apply.",
    )
    target_i = _target("I", "low mental illness, low substance use")
    target_ii = _target("II", "high mental illness, low substance use")
    target_iii = _target("III", "low mental illness, high substance use")
    target_iv = _target("IV", "high mental illness, high substance use")
    start = DatePartsField(
        label="Start date", help_text="For example, 1 4 2026", label_for_errors="the start date"
    )
    end = DatePartsField(
        required=False,
        label="End date (optional)",
        help_text="Leave blank if the cohort has no planned end. For example, 31 3 2027",
        label_for_errors="the end date",
    )

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team_objects = {str(team.pk): team for team in teams}
        self.fields["teams"].choices = [(str(team.pk), team.name) for team in teams]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be the same as or after the start date.")
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "locality": data["locality"],
            "teams": [self.team_objects[pk] for pk in data["teams"]],
            "targets": {
                "I": data["target_i"],
                "II": data["target_ii"],
                "III": data["target_iii"],
                "IV": data["target_iv"],
            },
            "start": data["start"],
            "end": data.get("end"),
        }

    @classmethod
    def initial_for(cls, cohort) -> dict:
        return {
            "name": cohort.name,
            "locality": cohort.locality,
            "teams": [str(pk) for pk in cohort.teams.values_list("pk", flat=True)],
            "target_i": cohort.target_i,
            "target_ii": cohort.target_ii,
            "target_iii": cohort.target_iii,
            "target_iv": cohort.target_iv,
            "start": cohort.start,
            "end": cohort.end,
        }
