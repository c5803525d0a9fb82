"""Forms for the people pages. They check input shape only; the rules live in services.py.

Field ids are the bare field names (auto_id="%s") so the NHS.UK error summary can link
straight to the input at fault.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from dualcare import limits
from dualcare.exceptions import ApplicationError

from . import carer_sharing
from .models import Consent, Organisation, Scope, ServiceUser, StaffRole, Team


class DatePartsWidget(forms.MultiWidget):
    """Day, month and year boxes: the NHS.UK date input pattern."""

    def __init__(self, attrs=None):
        numeric = {"inputmode": "numeric"}
        super().__init__(
            widgets={
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            },
            attrs=attrs,
        )

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DatePartsField(forms.MultiValueField):
    """Day, month and year as typed. Any input, however odd, gives a message, never an error
    page; the date must also fall in the field's window (limits.RECORD unless told)."""

    widget = DatePartsWidget

    def __init__(
        self, *, label_for_errors: str = "the date", window: limits.DateWindow = limits.RECORD, **kwargs
    ):
        self.label_for_errors = label_for_errors
        self.window = window
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def clean(self, value):
        if not isinstance(value, list | tuple) or len(value) != 3:
            value = [None, None, None]
        parts = [str(part or "").strip() for part in value]
        what = self.label_for_errors[0].upper() + self.label_for_errors[1:]
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter {self.label_for_errors}.")
            return None
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValidationError(f"{what} must include a {' and '.join(missing)}.")
        # ASCII digits only: int() would also take full-width or Arabic-Indic digits.
        day, month, year = parts
        if not all(part.isascii() and part.isdigit() for part in parts) or len(day) > 2 or len(month) > 2:
            raise ValidationError(f"{what} must be a real date.")
        if len(year) != 4:
            raise ValidationError(f"Enter the year of {self.label_for_errors} as 4 digits, like 2026.")
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{what} must be a real date.") from None
        problem = self.window.problem(date, self.label_for_errors)
        if problem:
            raise ValidationError(problem)
        return date

    def compress(self, data_list):  # clean() above does the work
        return data_list


class NHSForm(forms.Form):
    """A form that reports errors the way the NHS.UK design system asks."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def full_clean(self):
        # Here rather than in __init__, so fields a subclass adds in its own __init__ get them too.
        for field in self.fields.values():
            limits.limit_form_field(field)
        super().full_clean()

    def error_summary(self) -> list[tuple[str, str]]:
        """(href, message) for each error, in the order of the fields, for the error summary."""
        items = []
        for message in self.non_field_errors():
            items.append(("", message))
        for name in self.fields:
            if name not in self.errors:
                continue
            bf = self[name]
            anchor = bf.auto_id
            if bf.widget_type in {"radioselect", "checkboxselectmultiple"}:
                anchor = f"{anchor}_0"
            elif bf.widget_type == "dateparts":
                anchor = f"{anchor}_0"  # MultiWidget ids its boxes _0, _1, _2 (names _day, ...)
            for message in self.errors[name]:
                items.append((f"#{anchor}", message))
        return items

    def query_string(self) -> str:
        """A GET form's valid values as a query string (no page), for a list's page links to keep
        its search and filters."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return ""
        return urlencode(
            {
                name: value
                for name, value in self.cleaned_data.items()
                if value not in (None, "") and name not in self.errors
            }
        )

    def add_application_error(self, error: ApplicationError) -> None:
        """Attach a service's refusal to the field it names, or to the form as a whole."""
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ConsentRecordForm(NHSForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="Which organisation may see it?",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation the person agrees to share with."},
    )
    scope = forms.ChoiceField(
        choices=Scope.choices,
        widget=forms.RadioSelect,
        label="What does the person agree to share?",
        error_messages={"required": "Choose what the person agrees to share."},
    )
    method = forms.ChoiceField(
        # "By the person, in DualCare" is for the person's own pages, never recorded by staff.
        choices=[(value, label) for value, label in Consent.Method.choices if value != Consent.Method.PORTAL],
        widget=forms.RadioSelect,
        label="How did they give consent?",
        error_messages={"required": "Choose how the person gave consent."},
    )
    note = forms.CharField(
        required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 3}), label="Note (optional)"
    )


class ConsentWithdrawForm(NHSForm):
    note = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note (optional)",
        help_text="For example: how the person told you.",
    )


class InvolvementEndForm(NHSForm):
    reason = limits.text(
        what="a reason",
        max_length=limits.SHORT_TEXT,
        multiline=True,
        rows=3,
        label="Why is your team's involvement ending?",
        help_text="For example: care transferred to the GP, or the person moved away.",
        error_messages={"required": "Say why the team's involvement is ending."},
    )


class ServiceUserRegisterForm(NHSForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Your team",
        empty_label=None,
        error_messages={"required": "Choose your team."},
    )
    given_name = limits.text(
        what="their first name",
        max_length=limits.NAME,
        label="First name",
        error_messages={"required": "Enter their first name."},
    )
    family_name = limits.text(
        what="their last name",
        max_length=limits.NAME,
        label="Last name",
        error_messages={"required": "Enter their last name."},
    )
    preferred_name = limits.text(
        what="their preferred name",
        max_length=limits.NAME,
        required=False,
        label="Preferred name (optional)",
        help_text="What they like to be called.",
    )
    date_of_birth = DatePartsField(
        label="Date of birth",
        help_text="For example, 31 3 1980",
        label_for_errors="their date of birth",
        window=limits.BIRTH,
    )
    nhs_number = forms.CharField(
        max_length=20,
        required=False,
        label="NHS number (optional)",
        help_text="10 digits, for example 943 476 5919",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone number (optional)")
    email = forms.EmailField(
        required=False,
        label="Email address (optional)",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    preferred_contact_method = forms.ChoiceField(
        choices=ServiceUser.ContactMethod.choices,
        widget=forms.RadioSelect,
        label="How do they prefer to be contacted?",
        initial=ServiceUser.ContactMethod.PHONE,
        error_messages={"required": "Choose how they prefer to be contacted."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean_nhs_number(self) -> str:
        # The number's shape is checked with the other fields, so every error shows at once; the
        # service checks it again, with whether someone already has it.
        from .services import nhs_number_clean

        try:
            nhs_number_clean(self.cleaned_data["nhs_number"])
        except ApplicationError as error:
            raise ValidationError(error.message) from None
        return self.cleaned_data["nhs_number"]


class CarerScopesForm(NHSForm):
    scopes = forms.MultipleChoiceField(
        choices=carer_sharing.PERSON_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("What can they see?"),
        help_text=_("Select all that apply. Leave them all unticked to share nothing."),
    )


class TeamForm(NHSForm):
    name = forms.CharField(
        max_length=200, label="Team name", error_messages={"required": "Enter the team's name."}
    )
    description = forms.CharField(max_length=300, required=False, label="Description (optional)")
    phone = forms.CharField(max_length=40, required=False, label="Phone number (optional)")
    email = forms.EmailField(
        required=False,
        label="Email address (optional)",
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    is_active = forms.BooleanField(required=False, initial=True, label="The team is active")
    works_with_people = forms.BooleanField(
        required=False,
        initial=True,
        label="The team works with service users",
        help_text="Untick for teams such as administration: they need no link worker.",
    )


def _role_choices():
    # Organisation admins do not create system admins.
    return [(value, label) for value, label in StaffRole.Role.choices if value != StaffRole.Role.ADMIN]


def _limit_roles_to_teams(form, teams) -> None:
    """A pharmacist only where a team is a pharmacy's (services.staff_role_add refuses it elsewhere)."""
    if not teams.filter(organisation__kind=Organisation.Kind.PHARMACY).exists():
        form.fields["role"].choices = [
            (value, label) for value, label in _role_choices() if value != StaffRole.Role.PHARMACIST
        ]


class StaffCreateForm(NHSForm):
    first_name = forms.CharField(
        max_length=150, label="First name", error_messages={"required": "Enter their first name."}
    )
    last_name = forms.CharField(
        max_length=150, label="Last name", error_messages={"required": "Enter their last name."}
    )
    email = forms.EmailField(
        label="Work email address",
        help_text="They will use it to set their password.",
        error_messages={
            "required": "Enter their work email address.",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    username = forms.CharField(
        max_length=150, label="Username", error_messages={"required": "Enter a username."}
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        empty_label="Choose a team",
        error_messages={"required": "Choose their team."},
    )
    role = forms.ChoiceField(
        choices=_role_choices,
        widget=forms.RadioSelect,
        label="Role",
        error_messages={"required": "Choose a role."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        _limit_roles_to_teams(self, teams)


class StaffRoleAddForm(NHSForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        empty_label="Choose a team",
        error_messages={"required": "Choose the team."},
    )
    role = forms.ChoiceField(
        choices=_role_choices,
        widget=forms.RadioSelect,
        label="Role",
        error_messages={"required": "Choose a role."},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        _limit_roles_to_teams(self, teams)


class PeopleSearchForm(NHSForm):
    """A search box alone (the pharmacy's people), read from the query string."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search by name, NHS number or date of birth",
        help_text="For example, Alex Smith, 943 476 5919 or 14/03/1985",
    )


class CaseloadFilterForm(PeopleSearchForm):
    """The caseload's search box and filters, read from the query string (GET, as a search is).

    Bad input is a message at its field; the list then shows what the valid fields ask for."""

    DUE_CHOICES = [
        ("", "Anything or nothing"),
        ("review", "Care plan review overdue"),
        ("measure", "Outcome measure overdue"),
    ]

    show = forms.ChoiceField(required=False, label="Show")
    quadrant = forms.ChoiceField(required=False, label="Quadrant")
    due = forms.ChoiceField(required=False, choices=DUE_CHOICES, label="Overdue")
    not_seen = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label="Not seen for at least (days)",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="No attended appointment or collection in that many days",
        error_messages={"invalid": "Enter the number of days as a whole number, like 28."},
    )

    def __init__(self, data, *, teams: list[Team], organisation_wide: bool, quadrants: list, **kwargs):
        from .selectors import Show

        super().__init__(data, **kwargs)
        self.teams = {str(team.pk): team for team in teams}
        show = [(Show.MINE, "People I am key worker for"), (Show.TEAMS, "My teams' caseload")]
        if len(teams) > 1:
            show += [(str(team.pk), f"{team.name}'s caseload") for team in teams]
        if organisation_wide:
            show.append((Show.ORGANISATION, "Everyone my organisation works with"))
        self.fields["show"].choices = show
        self.fields["show"].error_messages["invalid_choice"] = "Choose one of the lists offered."
        self.fields["quadrant"].choices = [("", "Any quadrant"), *quadrants]
        self.fields["quadrant"].error_messages["invalid_choice"] = "Choose a quadrant from the list."
        self.fields["due"].error_messages["invalid_choice"] = "Choose what is overdue from the list."
        if not quadrants:
            del self.fields["quadrant"]

    def caseload_filter(self, *, default_show: str):
        """The CaseloadFilter for the valid fields (an invalid one counts as not given)."""
        from .selectors import CaseloadFilter, Show

        data = self.cleaned_data if self.is_bound else {}
        show = data.get("show") or default_show
        team = self.teams.get(show)
        return CaseloadFilter(
            show=Show.TEAMS if team is not None else show,
            team=team,
            search=data.get("q") or "",
            quadrant=data.get("quadrant") or "",
            review_overdue=data.get("due") == "review",
            measure_overdue=data.get("due") == "measure",
            not_seen_days=data.get("not_seen"),
        )


class SharingAskForm(NHSForm):
    """The person asks that one organisation working with them may see one kind of information."""

    organisation = forms.ChoiceField(
        label=_("Which service?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a service")},
    )
    scope = forms.ChoiceField(
        label=_("What would you like them to see?"),
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you would like to share")},
    )

    def __init__(self, *args, organisations, scope_words, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(org.pk): org for org in organisations}
        self.fields["organisation"].choices = [(pk, org.name) for pk, org in self.organisations.items()]
        self.fields["scope"].choices = list(scope_words.items())
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _("Choose one of the options shown")
