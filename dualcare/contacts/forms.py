"""Forms for the contact pages: the shape of input only; the rules are in services.py."""

from django import forms

from dualcare.people.forms import NHSForm

from .models import Outcome


class RecordForm(NHSForm):
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        label="What happened?",
        error_messages={"required": "Choose what happened.", "invalid_choice": "Choose what happened."},
    )
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")
