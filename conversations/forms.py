"""Conversation forms: start, reply, and what a message becomes (a plan action, a case for a link
meeting). Choices come from access; the services decide."""

from __future__ import annotations

from django import forms

from dualcare import limits
from dualcare.people.forms import DatePartsField, NHSForm

from .models import MAX_SUBJECT, MAX_TEXT, Kind


class _ChoiceOfObjects(forms.MultipleChoiceField):
    """Checkboxes of objects (teams, staff) by id; cleaned to the objects chosen."""

    def __init__(self, *, objects, describe, **kwargs):
        self.objects = {str(obj.pk): obj for obj in objects}
        super().__init__(
            choices=[(key, describe(obj)) for key, obj in self.objects.items()],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **kwargs,
        )

    def clean(self, value):
        return [self.objects[key] for key in super().clean(value)]


class StartForm(NHSForm):
    kind = forms.ChoiceField(
        label="What is it about?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        initial=Kind.GENERAL,
        help_text="Only organisations the person has agreed may see this kind of information can be "
        "addressed and read it. General care coordination follows the care-plan consent.",
        error_messages={"required": "Choose what the conversation is about."},
    )
    subject = forms.CharField(
        label="Subject",
        max_length=MAX_SUBJECT,
        error_messages={"required": "Enter a subject."},
    )
    text = forms.CharField(
        label="Message",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Plain text. Say what you need and from whom.",
        error_messages={"required": "Write your message."},
    )
    reply_by = DatePartsField(
        label="Needs a reply by (optional)",
        required=False,
        label_for_errors="the reply-by date",
        window=limits.APPOINTMENT,
        help_text="A working day. If nobody answers by then, the addressed team's manager is told.",
    )

    def __init__(self, *args, teams, staff, can_include_person: bool, person_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"] = _ChoiceOfObjects(
            objects=teams,
            describe=lambda team: f"{team.name}, {team.organisation.name}",
            label="Teams to address",
        )
        team_of = {user.pk: team for user, team in staff}
        self.fields["staff"] = _ChoiceOfObjects(
            objects=[user for user, _ in staff],
            describe=lambda user: f"{user.display_name}, {team_of[user.pk].name}",
            label="Or named staff",
        )
        if can_include_person:
            self.fields["includes_service_user"] = forms.BooleanField(
                label=f"Include {person_name}: they read and answer it in their portal", required=False
            )
        self.order_fields(["kind", "subject", "teams", "staff", "text", "reply_by", "includes_service_user"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("teams") and not cleaned.get("staff") and "teams" not in self.errors:
            self.add_error("teams", "Choose at least one team or person to address.")
        return cleaned


class ReplyForm(NHSForm):
    text = forms.CharField(
        label="Your reply",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write your reply."},
    )


class PortalStartForm(NHSForm):
    subject = forms.CharField(
        label="What is it about?",
        max_length=MAX_SUBJECT,
        error_messages={"required": "Say what it is about."},
    )
    text = forms.CharField(
        label="Your message",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "The teams of your key workers (the worker who arranges your care in each service) will read it. "
            "In an emergency, phone 999."
        ),
        error_messages={"required": "Write your message."},
    )


class PlanActionForm(NHSForm):
    text = forms.CharField(
        label="What will be done",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what will be done."},
    )
    due_date = DatePartsField(label="Due by", label_for_errors="the due date", window=limits.APPOINTMENT)


class LinkMeetingForm(NHSForm):
    meeting = forms.ChoiceField(label="Link meeting", error_messages={"required": "Choose a link meeting."})
    brief_history = forms.CharField(label="Brief history", widget=forms.Textarea(attrs={"rows": 3}))
    mental_health = forms.CharField(label="Mental health", widget=forms.Textarea(attrs={"rows": 3}))
    substance_use = forms.CharField(label="Drug and alcohol use", widget=forms.Textarea(attrs={"rows": 3}))
    current_concerns = forms.CharField(label="Current concerns", widget=forms.Textarea(attrs={"rows": 3}))
    question = forms.CharField(label="Question for the meeting", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = {str(meeting.pk): meeting for meeting in meetings}
        self.fields["meeting"].choices = [("", "Choose a meeting")] + [
            (key, f"{meeting}") for key, meeting in self.meetings.items()
        ]

    def clean_meeting(self):
        return self.meetings[self.cleaned_data["meeting"]]
