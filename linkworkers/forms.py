"""Forms for the link-worker pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch, Q
from django.utils import timezone

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm
from dualcare.people.models import ServiceUser, StaffRole, Team, User

from .models import Attendance, Course, MeetingSchedule


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team: Team) -> str:
        return f"{team.name}, {team.organisation.name}"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.display_name


def _staff():
    return User.objects.filter(kind=User.Kind.STAFF, is_active=True).order_by("last_name", "first_name")


class OwnerChoiceField(StaffChoiceField):
    """Staff as "Name (Team)", so two people of one name, or a colleague from another
    organisation, can be told apart; their teams come in one prefetch."""

    def label_from_instance(self, user: User) -> str:
        teams = sorted({role.team.name for role in getattr(user, "roles_now", [])})
        return f"{user.display_name} ({', '.join(teams)})" if teams else user.display_name


def _staff_with_teams():
    # today's roles, read when the form is made (not at import, when "today" would stand still)
    today = timezone.localdate()
    roles_now = StaffRole.objects.filter(start__lte=today).filter(Q(end__isnull=True) | Q(end__gt=today))
    return _staff().prefetch_related(
        Prefetch("staff_roles", queryset=roles_now.select_related("team"), to_attr="roles_now")
    )


class AppointForm(NHSForm):
    team = TeamChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        empty_label="Choose a team",
        error_messages={"required": "Choose the team."},
    )
    user = StaffChoiceField(
        queryset=_staff(),
        label="Link worker",
        empty_label="Choose a member of staff",
        error_messages={"required": "Choose the link worker."},
    )
    deputy = StaffChoiceField(
        queryset=_staff(), label="Deputy (optional)", required=False, empty_label="No deputy"
    )
    start = DatePartsField(
        label="Starts on", label_for_errors="the start date", help_text="For example, 1 3 2026"
    )
    end = DatePartsField(
        label="Ends on (optional)",
        label_for_errors="the end date",
        required=False,
        help_text="The first day they are no longer link worker. Leave empty if not known.",
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class EndForm(NHSForm):
    end = DatePartsField(
        label="Last day plus one: when do they stop?",
        label_for_errors="the end date",
        help_text="The first day they are no longer link worker.",
    )

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class TrainingForm(NHSForm):
    user = StaffChoiceField(
        queryset=_staff(),
        label="Who attended",
        empty_label="Choose a member of staff",
        error_messages={"required": "Choose who attended."},
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.all(),
        label="Course",
        empty_label="Choose a course",
        error_messages={"required": "Choose the course."},
    )
    attended_on = DatePartsField(label="Attended on", label_for_errors="the date of the training")

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class CaseForm(NHSForm):
    # Chosen by the page's search step, then carried in the form (only a person you may notify counts).
    service_user = forms.ModelChoiceField(
        queryset=ServiceUser.objects.none(),
        label="Person",
        widget=forms.HiddenInput,
        error_messages={
            "required": "Find and choose the person.",
            "invalid_choice": "Find and choose the person: that one is not on a caseload you may notify.",
        },
    )
    brief_history = limits.text(
        what="a brief history",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Brief history",
        rows=4,
        error_messages={"required": "Enter a brief history."},
    )
    mental_health = limits.text(
        what="their mental health",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Mental health",
        rows=3,
        error_messages={"required": "Enter their mental health."},
    )
    substance_use = limits.text(
        what="their substance use",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Substance use",
        rows=3,
        error_messages={"required": "Enter their substance use."},
    )
    current_concerns = limits.text(
        what="the current concerns",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="Current concerns",
        rows=3,
        error_messages={"required": "Enter the current concerns."},
    )
    question = limits.text(
        what="the question",
        max_length=limits.LONG_TEXT,
        multiline=True,
        label="The question for the meeting",
        rows=2,
        help_text="What do you want the link workers to help you decide?",
        error_messages={"required": "Enter the question for the meeting."},
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_user"].queryset = people if people is not None else ServiceUser.objects.none()

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ItemForm(NHSForm):
    title = forms.CharField(label="Item", max_length=200, error_messages={"required": "Enter the item."})
    minutes = limits.text(
        what="the minutes",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=4,
        label="Minutes",
        required=False,
    )
    decisions = limits.text(
        what="the decisions",
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=2,
        label="Decisions",
        required=False,
    )

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class AttendanceForm(NHSForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.HiddenInput)
    # An empty first choice: nothing is recorded about anyone until the chair chooses.
    status = forms.ChoiceField(
        choices=[("", "Choose attendance"), *Attendance.Status.choices],
        label="Attendance",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether they came."},
    )
    deputy = StaffChoiceField(
        queryset=_staff(), required=False, label="Deputy who came", empty_label="No deputy"
    )

    def __init__(self, *args, invitees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = invitees if invitees is not None else User.objects.none()

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ActionForm(NHSForm):
    description = forms.CharField(
        label="Action", max_length=500, error_messages={"required": "Enter the action."}
    )
    owner = OwnerChoiceField(
        queryset=_staff(),
        label="Owner",
        empty_label="Choose who will do it",
        error_messages={"required": "Choose who will do it."},
    )
    due_on = DatePartsField(label="Due by", label_for_errors="the due date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_with_teams()

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class ScheduleForm(NHSForm):
    title = forms.CharField(
        label="Name of the meeting", max_length=200, error_messages={"required": "Enter a name."}
    )
    every = forms.ChoiceField(
        choices=MeetingSchedule.Every.choices,
        label="How often",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often it meets."},
    )
    first_date = DatePartsField(
        label="Date of the first meeting",
        label_for_errors="the date of the first meeting",
        window=limits.APPOINTMENT,
    )
    starts_at = forms.TimeField(
        label="Start time",
        help_text="24-hour clock, for example 14:00",
        error_messages={"required": "Enter the start time.", "invalid": "Enter a time like 14:00."},
        widget=forms.TimeInput(attrs={"class": "nhsuk-input--width-5"}),
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        initial=90,
        min_value=15,
        max_value=480,
        error_messages={
            "required": "Enter how long it lasts.",
            "invalid": "Enter a number of minutes.",
            "min_value": "A meeting lasts between 15 minutes and 8 hours.",
            "max_value": "A meeting lasts between 15 minutes and 8 hours.",
        },
    )
    location = forms.CharField(
        label="Where", max_length=300, error_messages={"required": "Enter where it meets."}
    )
    standing_items = forms.CharField(
        label="Standing agenda items (optional)",
        required=False,
        help_text="One a line. Apologies, actions carried forward and notified cases are added for you.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class SupervisionForm(NHSForm):
    user = StaffChoiceField(
        queryset=_staff(),
        label="Who was supervised",
        empty_label="Choose a member of staff",
        error_messages={"required": "Choose who was supervised."},
    )
    held_on = DatePartsField(label="Date of the session", label_for_errors="the date of the session")
    supervisor = forms.CharField(
        label="Supervisor", max_length=200, error_messages={"required": "Enter who gave the supervision."}
    )

    def add_application_error(self, error) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)
