"""Forms of the carers' pages: the shape of input only; the rules are in services.py."""

from django import forms

from dualcare.people.forms import NHSForm
from dualcare.people.models import Carer

from .models import EXPERIENCE_QUESTIONS, Answer, AssessmentOffer


class CarerRecordForm(NHSForm):
    """A carer identified at first contact, without a login."""

    given_name = forms.CharField(
        max_length=100, label="First name", error_messages={"required": "Enter the carer's first name."}
    )
    family_name = forms.CharField(max_length=100, required=False, label="Last name")
    relationship = forms.CharField(
        max_length=100,
        label="How are they related to the person?",
        help_text="For example: mother, partner, friend.",
        error_messages={"required": "Say how the carer is related to the person."},
    )
    contact_by = forms.ChoiceField(
        choices=[c for c in Carer.ContactBy.choices if c[0] != Carer.ContactBy.PORTAL],
        widget=forms.RadioSelect,
        label="How would they like to be contacted?",
        error_messages={"required": "Choose how the carer would like to be contacted."},
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone number")
    email = forms.EmailField(
        required=False,
        label="Email address",
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    address = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Postal address"
    )
    wants_information = forms.BooleanField(
        required=False,
        initial=True,
        label="They would like information about the person's care, as the person allows",
    )


class CarerNeedsForm(NHSForm):
    """What the carer needs, in their words, and the six Triangle of Care questions."""

    needs = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What do you need as a carer?",
        help_text="For example: a break, help with money, to know who to call in a crisis.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in EXPERIENCE_QUESTIONS:
            self.fields[key] = forms.ChoiceField(
                choices=Answer.choices, required=False, widget=forms.RadioSelect, label=question
            )

    def answers(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key, _ in EXPERIENCE_QUESTIONS}


class AssessmentOfferForm(NHSForm):
    state = forms.ChoiceField(
        choices=AssessmentOffer.State.choices,
        widget=forms.RadioSelect,
        label="Carer's assessment",
        error_messages={"required": "Choose what happened to the offer."},
    )
