"""Incident forms: report, a review action, lessons, close, and the list's filters. Choices come
from the models and access; the services decide."""

from __future__ import annotations

from django import forms

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm

from .models import MAX_TEXT, MAX_TITLE, Harm, Kind, State


class ReportForm(NHSForm):
    kind = forms.ChoiceField(
        label="What are you reporting?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it is an incident, a near miss or a complaint."},
    )
    harm = forms.ChoiceField(
        label="Level of harm",
        choices=Harm.choices,
        widget=forms.RadioSelect,
        help_text="As the NHS patient safety reporting scale records it. Moderate harm or worse tells the "
        "managers of every organisation it is shared with at once.",
        error_messages={"required": "Choose the level of harm, from no harm to fatal."},
    )
    title = forms.CharField(
        label="Short title", max_length=MAX_TITLE, error_messages={"required": "Enter a short title."}
    )
    occurred_on = DatePartsField(
        label="When did it happen?", label_for_errors="the date it happened", window=limits.PAST
    )
    what_happened = forms.CharField(
        label="What happened",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The facts, in order. Do not name other people who use services.",
        error_messages={"required": "Enter what happened."},
    )
    immediate_actions = forms.CharField(
        label="What was done straight away (optional)",
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.teams = {str(team.pk): team for team in teams}
            self.fields["team"] = forms.ChoiceField(
                label="Which team is it about?",
                choices=[(key, f"{team.name}, {team.organisation.name}") for key, team in self.teams.items()],
                widget=forms.RadioSelect,
                error_messages={"required": "Choose one of your teams."},
            )
            self.order_fields(
                ["team", "kind", "harm", "title", "occurred_on", "what_happened", "immediate_actions"]
            )

    def clean_team(self):
        return self.teams[self.cleaned_data["team"]]


class ActionForm(NHSForm):
    text = forms.CharField(
        label="What will be done",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the action."},
    )
    owner_organisation = forms.ChoiceField(
        label="Which organisation owns it?",
        error_messages={"required": "Choose the organisation that owns it."},
    )
    due_date = DatePartsField(label="Due by", label_for_errors="the due date", window=limits.APPOINTMENT)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(org.pk): org for org in organisations}
        self.fields["owner_organisation"].choices = [("", "Choose an organisation")] + [
            (key, org.name) for key, org in self.organisations.items()
        ]

    def clean_owner_organisation(self):
        return self.organisations[self.cleaned_data["owner_organisation"]]


class LessonsForm(NHSForm):
    lessons_learned = forms.CharField(
        label="Lessons learned",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the organisations will do differently. It is shared, without names, in the "
        "Shared Care meeting pack.",
        error_messages={"required": "Enter the lessons learned."},
    )


class CloseForm(NHSForm):
    closure_summary = forms.CharField(
        label="Closing summary",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter a closing summary."},
    )


class FilterForm(NHSForm):
    q = forms.CharField(label="Search by title or what happened", max_length=100, required=False)
    kind = forms.ChoiceField(label="Kind", choices=[("", "Any kind"), *Kind.choices], required=False)
    harm = forms.ChoiceField(
        label="Level of harm", choices=[("", "Any level"), *Harm.choices], required=False
    )
    state = forms.ChoiceField(label="Status", choices=[("", "Any status"), *State.choices], required=False)
