"""Forms for the referral pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from directory.signpost_forms import directory_services_field, offer_services
from dualcare import access, limits
from dualcare.people.forms import DatePartsField, NHSForm, PeopleSearchForm
from dualcare.people.models import StaffRole, Team, User

from .models import Urgency


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team: Team) -> str:
        return f"{team.name}, {team.organisation.name}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.display_name


class ReferralForm(NHSForm):
    from_team = TeamChoiceField(
        queryset=Team.objects.none(),
        label="Which of your teams is referring?",
        empty_label="Choose your team",
        required=False,
    )
    to_team = TeamChoiceField(
        queryset=Team.objects.filter(is_active=True, works_with_people=True).select_related("organisation"),
        label="Which team are you referring to?",
        help_text="Any team of any organisation in DualCare, including other teams in your own.",
        empty_label="Choose a team",
        error_messages={
            "required": "Choose the team you are referring to.",
            "invalid_choice": (
                "Choose a team from the list: not your own team, nor one that does not see people."
            ),
        },
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        required=False,  # a draft may wait; sending needs one (clean)
        label="How urgent is it?",
        help_text=(
            "Emergency: acknowledged within 4 hours. Urgent: within 1 working day. "
            "Routine: within 3 working days. You can save a draft before you choose."
        ),
    )
    reason = limits.text(
        what="a reason",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=5,
        label="Why are you referring them?",
        help_text="In your words: what you are asking the team to do, and why now.",
        error_messages={"required": "Say why you are referring this person."},
    )
    person_wants = limits.text(
        what="what they want",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=3,
        required=False,
        label="What do they want from this referral? (optional)",
        help_text="In their own words, if you can.",
    )
    mental_health_needs = limits.text(
        what="their mental health needs",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=3,
        required=False,
        label="Mental health needs (optional)",
    )
    substance_use = limits.text(
        what="their drug and alcohol use",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=3,
        required=False,
        label="Drug and alcohol use (optional)",
    )
    risk_summary = limits.text(
        what="the current risk",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=3,
        required=False,
        label="Current risk (optional)",
        help_text="To themselves, to others and from others, as it is now.",
    )
    consent_confirmed = forms.BooleanField(required=False, label="The person has agreed to this referral")

    def __init__(self, *args, user: User, service_user, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        involved = access.referral_teams_of(user).filter(
            involvements__service_user=service_user, involvements__end__isnull=True
        )
        self.fields["from_team"].queryset = involved
        self.referring_teams = list(involved)
        if referral is not None:
            # A draft being changed keeps the team that wrote it.
            del self.fields["from_team"]
            self.fields["to_team"].queryset = self.fields["to_team"].queryset.exclude(
                pk=referral.from_team_id
            )
        elif len(self.referring_teams) <= 1:
            del self.fields["from_team"]
            # Not the one team referring: a referral to yourself is refused (services._check_to_team).
            self.fields["to_team"].queryset = self.fields["to_team"].queryset.exclude(
                pk__in=[team.pk for team in self.referring_teams]
            )
        else:
            self.fields["from_team"].required = True
            self.fields["from_team"].error_messages["required"] = "Choose which of your teams is referring."

    def clean(self):
        cleaned = super().clean()
        if self.data.get("action") == "send" and not cleaned.get("urgency"):
            self.add_error("urgency", "Choose how urgent this referral is before you send it.")
        if self.data.get("action") == "send" and not cleaned.get("consent_confirmed"):
            self.add_error(
                "consent_confirmed", "Confirm that the person agrees to this referral before you send it."
            )
        return cleaned


class NoteForm(NHSForm):
    note = limits.text(
        what="a note",
        max_length=limits.NOTE,
        multiline=True,
        rows=3,
        required=False,
        label="Note (optional)",
    )


class SendForm(NoteForm):
    """Send a draft; a draft saved without an urgency chooses it here, and one saved before the
    person agreed confirms their consent here."""

    urgency = forms.ChoiceField(
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        required=False,
        label="How urgent is it?",
        help_text=ReferralForm.base_fields["urgency"].help_text.removesuffix(
            " You can save a draft before you choose."
        ),
    )
    consent_confirmed = forms.BooleanField(
        required=False,
        label=ReferralForm.base_fields["consent_confirmed"].label,
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what the draft still lacks is asked for.
        if referral is not None and referral.urgency:
            del self.fields["urgency"]
        if referral is not None and referral.consent_confirmed:
            del self.fields["consent_confirmed"]


class WithdrawForm(NHSForm):
    note = limits.text(
        what="a reason",
        max_length=limits.NOTE,
        multiline=True,
        rows=3,
        required=False,
        label="Why are you withdrawing it? (optional)",
    )


class AcceptForm(NoteForm):
    key_worker = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Who will be their key worker? (optional)",
        empty_label="Decide later",
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        members = (
            StaffRole.objects.filter(team=team, role__in=list(access.CLINICAL_ROLES), start__lte=today)
            .exclude(end__lte=today)
            .values("user_id")
        )
        self.fields["key_worker"].queryset = User.objects.filter(pk__in=members, is_active=True).order_by(
            "first_name", "last_name"
        )


class DeclineForm(NHSForm):
    reason = limits.text(
        what="a reason",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Why can your team not take this referral?",
        error_messages={"required": "Say why your team cannot take this referral."},
    )
    directory_services = directory_services_field()
    signposting_service = limits.text(
        what="the service",
        max_length=200,
        required=False,
        label="Another service, not in the directory (optional)",
        help_text="Name the service. If there is none, say what the referrer should do next.",
    )
    signposting_next_steps = limits.text(
        what="how they get there",
        max_length=limits.NOTE,
        multiline=True,
        rows=3,
        required=False,
        label="How do they get there? (optional)",
        help_text="For example: a phone number, a website, or whether they can refer themselves.",
    )

    def __init__(self, data=None, *, search: str = "", **kwargs):
        super().__init__(data, **kwargs)
        self.search = search
        offer_services(self, search, data)

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("directory_services")
            and not cleaned.get("signposting_service")
            and not (self.has_error("directory_services") or self.has_error("signposting_service"))
        ):
            self.add_error(
                "directory_services",
                "Choose a service from the directory, or name the service the person should go to instead "
                "or say what the referrer should do next.",
            )
        return cleaned


class HandoverForm(NHSForm):
    ATTENDEES = [
        ("referrer", "The referrer"),
        ("receiver", "The receiving worker"),
        ("service_user", "The person"),
    ]
    held_on = DatePartsField(
        label="When was the handover?",
        help_text="For example, 15 3 2026",
        label_for_errors="the date of the handover",
    )
    attended = forms.MultipleChoiceField(
        choices=ATTENDEES,
        widget=forms.CheckboxSelectMultiple,
        label="Who attended?",
        required=False,
    )
    others_attending = forms.CharField(
        required=False,
        max_length=300,
        label="Anyone else who attended (optional)",
        help_text="For example: a carer, an advocate.",
    )
    agreed = limits.text(
        what="what was agreed",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=5,
        label="What was agreed?",
        error_messages={"required": "Write down what was agreed."},
    )


class ReferralListFilterForm(PeopleSearchForm):
    """A referral list's search, state and team, read from the query string. A bad value is a
    message at its field; the list then shows what the valid fields ask for."""

    state = forms.ChoiceField(required=False, label="Show")
    team = forms.ChoiceField(required=False, label="Team")

    def __init__(self, data, *, tabs: list[tuple[str, str]], teams: list[Team], **kwargs):
        super().__init__(data, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        self.fields["state"].choices = tabs
        self.fields["state"].error_messages["invalid_choice"] = (
            "Choose which referrals to show from the list."
        )
        self.fields["team"].choices = [("", "All my teams"), *[(str(t.pk), t.name) for t in teams]]
        self.fields["team"].error_messages["invalid_choice"] = "Choose one of your teams from the list."

    def chosen(self, *, default_state: str) -> tuple[str, Team | None, str]:
        """(state, team or None, search) from the valid fields (an invalid one counts as not given)."""
        data = self.cleaned_data
        return data.get("state") or default_state, self.teams.get(data.get("team") or ""), data.get("q") or ""
