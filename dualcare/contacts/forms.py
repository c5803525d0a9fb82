"""Forms for the contact pages: the shape of input only; the rules are in services.py."""

import datetime as dt
from urllib.parse import urlencode

from django import forms

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm, PeopleSearchForm

from .models import RULE_RANGES, WEEKDAYS, Outcome
from .services import RULE_MESSAGES


class RecordForm(NHSForm):
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        label="What happened?",
        error_messages={"required": "Choose what happened.", "invalid_choice": "Choose what happened."},
    )
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team) -> str:
        return f"{team.name}, {team.organisation.name}"


def _time(value: str):
    import datetime as dt

    try:
        return dt.time.fromisoformat(value.strip().replace(".", ":")[:8])
    except ValueError:
        raise forms.ValidationError("Enter the time like 14:30.") from None


class AppointmentForm(NHSForm):
    team = TeamChoiceField(
        queryset=None,
        label="Which team is the appointment with?",
        empty_label=None,
        error_messages={"required": "Choose your team.", "invalid_choice": "Choose your team."},
    )
    kind = forms.ChoiceField(
        choices=[],
        widget=forms.RadioSelect,
        label="What kind of appointment?",
        error_messages={"required": "Choose the kind of appointment."},
    )
    day = DatePartsField(
        label="Date",
        help_text="For example, 27 3 2027",
        label_for_errors="the date",
        window=limits.APPOINTMENT,
    )
    time = forms.CharField(
        label="Time",
        help_text="For example, 14:30",
        error_messages={"required": "Enter the time like 14:30."},
    )
    place = forms.CharField(label="Where (optional)", required=False, max_length=200)

    def __init__(self, *args, teams, **kwargs):
        from .models import APPOINTMENT_KINDS, Kind

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["kind"].choices = [(k.value, Kind(k).label) for k in APPOINTMENT_KINDS]

    def clean_time(self):
        return _time(self.cleaned_data["time"])

    def starts_at(self):
        import datetime as dt

        from django.utils import timezone

        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"]))


class SupervisedConsumptionForm(NHSForm):
    prescribing_team = TeamChoiceField(
        queryset=None,
        label="Prescribing team",
        empty_label=None,
        error_messages={"required": "Choose your team: the one prescribing."},
    )
    pharmacy_team = TeamChoiceField(
        queryset=None,
        label="Pharmacy",
        empty_label="Choose the pharmacy",
        error_messages={"required": "Choose a community pharmacy working with this person."},
    )
    medicine = forms.CharField(
        label="Medicine",
        help_text="For example, methadone oral solution 1 mg/ml",
        max_length=100,
        error_messages={"required": "Enter the medicine, for example methadone oral solution 1 mg/ml."},
    )
    dose = forms.DecimalField(
        label="Daily dose (mg)",
        max_digits=6,
        decimal_places=2,
        min_value=0.01,
        max_value=300,
        error_messages={
            "required": "Enter the dose in mg, for example 60.",
            "invalid": "Enter the dose as a number, for example 60.",
            "min_value": "Enter a dose above 0 mg.",
            "max_value": "Enter a dose of no more than 300 mg.",
            "max_decimal_places": "Give the dose to at most two decimal places.",
            "max_digits": "Enter a dose of no more than 300 mg.",
        },
    )
    days_of_week = forms.MultipleChoiceField(
        choices=[(str(i), day) for i, day in enumerate(WEEKDAYS)],
        widget=forms.CheckboxSelectMultiple,
        label="Which days are supervised?",
        error_messages={"required": "Choose at least one day of the week."},
    )
    start = DatePartsField(label="First day", label_for_errors="the first day", window=limits.APPOINTMENT)
    end = DatePartsField(label="Last day (optional)", required=False, label_for_errors="the last day")

    def __init__(self, *args, prescribing_teams, pharmacy_teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescribing_team"].queryset = prescribing_teams
        self.fields["pharmacy_team"].queryset = pharmacy_teams


class ContactRulesForm(NHSForm):
    """An organisation's alert thresholds: whole numbers within RULE_RANGES (checked again by the
    service, which is where the rule lives; checked here too so every wrong box is shown at once)."""

    urgent_after_missed_collections = forms.CharField(
        label="Missed collections in a row before an urgent alert to the prescribing team",
        help_text="From 2 to 7. The prescribing team is asked to review before the next dose.",
    )
    escalate_urgent_after_minutes = forms.CharField(
        label="Minutes an urgent alert can wait before it goes to the team manager",
        help_text="From 15 to 1440 (24 hours). For example, 240 is 4 hours.",
    )
    disengaged_after_days = forms.CharField(
        label="Days without an attended appointment or collection before a person counts as disengaged",
        help_text="From 7 to 180.",
    )
    reminder_hours_before = forms.CharField(
        label="Hours before an appointment that the person is reminded",
        help_text="From 1 to 168 (7 days).",
    )
    not_recorded_alert_hour = forms.CharField(
        label="Hour of the next morning when a collection still not recorded raises an alert",
        help_text="From 0 to 23, UK time. For example, 9 is 9am. Used for your organisation's pharmacies.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["inputmode"] = "numeric"
            low, high = RULE_RANGES[name]
            field.error_messages["required"] = RULE_MESSAGES[name].format(low=low, high=high)

    def clean(self):
        cleaned = super().clean()
        for name, (low, high) in RULE_RANGES.items():
            value = (cleaned.get(name) or "").strip()
            if not value:
                continue
            if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
                self.add_error(name, RULE_MESSAGES[name].format(low=low, high=high))
            else:
                cleaned[name] = int(value)
        return cleaned


class AppointmentsFilterForm(PeopleSearchForm):
    """The appointments list's search and the day its week starts (`from`, as its week links
    write it), read from the query string. A bad day is a message at its field; the list then
    shows the week from today."""

    # Far enough for any diary; a year past 9999 would overflow the week links' arithmetic.
    YEARS_EITHER_SIDE = 5

    def __init__(self, data, *, today: dt.date, **kwargs):
        if not data.get("from"):  # the box shows the week's first day, today if none was asked for
            data = data.copy()
            data["from"] = today.isoformat()
        super().__init__(data, **kwargs)
        self.today = today
        # "from" is a Python keyword, so the field is named here rather than as a class attribute.
        self.fields["from"] = forms.DateField(
            required=False,
            input_formats=["%Y-%m-%d"],
            label="Week from",
            help_text="Year, month and day, for example 2026-03-14",
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            error_messages={"invalid": "Enter the day the week starts as year-month-day, like 2026-03-14."},
        )

    def clean_from(self):
        day = self.cleaned_data.get("from")
        if day is not None and abs((day - self.today).days) > 366 * self.YEARS_EITHER_SIDE:
            raise forms.ValidationError(f"Enter a day within {self.YEARS_EITHER_SIDE} years of today.")
        return day

    def start(self) -> dt.date:
        """The first day of the week shown: the valid `from`, else today."""
        return self.cleaned_data.get("from") or self.today

    def search(self) -> str:
        return self.cleaned_data.get("q") or ""

    def search_query(self) -> str:
        """The search alone as a query string, for the week and page links (which set their own day)."""
        return urlencode({"q": self.search()}) if self.search() else ""


class DoNotContactForm(NHSForm):
    """Which ways of reaching the person are unsafe: the page sets and ends DoNotContact rows."""

    channels = forms.MultipleChoiceField(
        required=False,
        choices=[("sms", "Do not contact by text message"), ("email", "Do not contact by email")],
        widget=forms.CheckboxSelectMultiple,
        label="Ways DualCare must not use to reach them",
        help_text="For example, when someone else reads their phone or email. "
        "Reminders are not sent that way.",
    )
    reason = forms.CharField(required=False, max_length=300, label="Why (optional, seen by staff only)")
