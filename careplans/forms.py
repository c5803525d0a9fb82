"""Forms for the care-plan pages. They check the shape of input; the rules are in services.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dualcare import access, limits
from dualcare.people.forms import DatePartsField, NHSForm
from dualcare.people.models import Involvement, StaffRole, User

from .models import ActionOwner, ActionStatus, Agreement, Domain, OwnWords, Section
from .services import SECTION_INPUTS


def _text(label: str, help_text: str = "", *, required: bool = False, rows: int = 4) -> forms.CharField:
    what = label.removesuffix(" (optional)").split(" (")[0].lower()
    return limits.text(
        what=what,
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=rows,
        label=label,
        help_text=help_text,
        required=required,
    )


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.display_name


def _fields(section: str) -> dict[str, forms.Field]:
    """The form fields for one section, labelled as staff would say them."""
    text_labels = {
        Section.WHAT_MATTERS: ("What matters to them, in their own words", "Use their words, not a summary."),
        Section.GOAL: (
            "Their goal, in their own words",
            "For example: \u201cI want to get back to work.\u201d",
        ),
        Section.ACTION: ("What will be done", ""),
        Section.RISK: ("Risk summary", "To themselves, to others and from others, as it is on this date."),
        Section.DISCHARGE: (
            "Follow-up after discharge",
            "Who will be in touch, when, and what happens next.",
        ),
    }
    fields: dict[str, forms.Field] = {}
    for name in SECTION_INPUTS[section]:
        if name == "text":
            label, hint = text_labels[section]
            fields[name] = _text(label, hint, required=True)
            fields[name].error_messages["required"] = {
                Section.WHAT_MATTERS: "Write what matters to the person, in their own words.",
                Section.GOAL: "Write the goal, in the person's own words.",
                Section.ACTION: "Say what will be done.",
                Section.RISK: "Write the risk summary.",
                Section.DISCHARGE: "Write the follow-up after discharge.",
            }[section]
        elif name == "domain":
            fields[name] = forms.ChoiceField(
                choices=[("", "Choose a part of life"), *Domain.choices],
                label="Which part of their life is it about?",
                error_messages={"required": "Choose the part of life this goal is about."},
            )
        elif name in ("target_date", "due_date"):
            fields[name] = DatePartsField(
                label="Target date (optional)" if name == "target_date" else "Due by (optional)",
                help_text="For example, 15 3 2027",
                required=False,
                label_for_errors="the target date" if name == "target_date" else "the due date",
            )
        elif name == "recorded_on":
            fields[name] = DatePartsField(
                label="Date of this entry", help_text="For example, 15 3 2026", label_for_errors="the date"
            )
        elif name == "progress":
            fields[name] = _text("Progress so far (optional)", rows=3)
        elif name == "owner_kind":
            fields[name] = forms.ChoiceField(
                choices=ActionOwner.choices,
                widget=forms.RadioSelect,
                label="Who will do it?",
                error_messages={"required": "Choose who will do this."},
            )
        elif name == "owner_worker":
            fields[name] = WorkerChoiceField(
                queryset=User.objects.none(),
                required=False,
                label="Named worker (if a named worker will do it)",
                empty_label="Choose a worker",
            )
        elif name == "status":
            fields[name] = forms.ChoiceField(
                choices=ActionStatus.choices,
                widget=forms.RadioSelect,
                label="Status",
                initial=ActionStatus.NOT_STARTED,
                error_messages={"required": "Choose the status of this action."},
            )
        elif name == "warning_signs":
            fields[name] = _text("Early warning signs", "What they, and people close to them, notice first.")
        elif name == "triggers":
            fields[name] = _text("Triggers", "What tends to set things off.")
        elif name == "what_helps":
            fields[name] = _text("What helps", "What they can do, and what others can do.")
        elif name == "who_to_contact":
            fields[name] = _text("Who to contact", "Names and phone numbers, in the order to try them.")
        elif name == "out_of_hours":
            fields[name] = _text(
                "Out of hours", "For example: crisis line, NHS 111 option 2, 999 in an emergency."
            )
        elif name == "carer_views":
            fields[name] = _text("The carer's views", "What the carer has said about the care and this plan.")
        elif name == "shared_with_carer":
            fields[name] = _text(
                "What is shared with the carer", "What the person has agreed their carer is told, and how."
            )
        elif name == "how_to_come_back":
            fields[name] = _text(
                "How to come back (optional)", "How to get help again quickly, without a new referral."
            )
    return fields


class EntryForm(NHSForm):
    """An entry of one section; `version` carries the entry's version the editor started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, section: str, service_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.section = section
        self.fields.update(_fields(section))
        if "owner_worker" in self.fields:
            today = timezone.localdate()
            teams = Involvement.objects.filter(service_user=service_user, end__isnull=True).values("team_id")
            members = (
                StaffRole.objects.filter(
                    team_id__in=teams, role__in=list(access.CLINICAL_ROLES), start__lte=today
                )
                .exclude(end__lte=today)
                .values("user_id")
            )
            self.fields["owner_worker"].queryset = User.objects.filter(
                pk__in=members, is_active=True
            ).order_by("first_name", "last_name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("owner_kind") == ActionOwner.WORKER and not cleaned.get("owner_worker"):
            self.add_error("owner_worker", "Choose the named worker.")
        for name in ("target_date", "due_date"):
            # A date in the past is refused when it is set, not when an old entry is edited.
            value = cleaned.get(name)
            if value and value != self.initial.get(name):
                problem = limits.TARGET.problem(value, self.fields[name].label_for_errors)
                if problem:
                    self.add_error(name, problem)
        return cleaned

    def entry_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in SECTION_INPUTS[self.section]}


def initial_for(entry) -> dict:
    initial = {name: getattr(entry, name) for name in SECTION_INPUTS[entry.section]}
    initial["version"] = entry.version
    return initial


class PublishForm(NHSForm):
    review_due = DatePartsField(
        label="When should the plan be reviewed?",
        help_text="Six months from today unless you choose another date. For example, 15 3 2027",
        required=False,
        label_for_errors="the review date",
    )


class StaffAgreementForm(NHSForm):
    kind = forms.ChoiceField(
        choices=[
            (Agreement.Kind.AGREED, "They agree this version"),
            (Agreement.Kind.CHANGES, "They would change something"),
        ],
        widget=forms.RadioSelect,
        label="What did the person say when you went through the plan with them?",
        error_messages={"required": "Choose what the person said."},
    )
    comment = _text("In their own words (needed if they would change something)", rows=4)


class MyAgreementForm(NHSForm):
    kind = forms.ChoiceField(
        choices=[
            (Agreement.Kind.AGREED, _("Yes, I agree with my care plan")),
            (Agreement.Kind.CHANGES, _("No, I would change something")),
        ],
        widget=forms.RadioSelect,
        label=_("Do you agree with your care plan?"),
        error_messages={"required": _("Choose whether you agree with your care plan.")},
    )
    comment = limits.text(
        what=_("what you would change"),
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=5,
        label=_("What would you change? (optional if you agree)"),
        help_text=_("Write it in your own words. Your care team will read it and talk to you about it."),
        required=False,
    )


class CarerViewsForm(NHSForm):
    comment = limits.text(
        what=_("your views on the care plan"),
        max_length=limits.LONG_TEXT,
        multiline=True,
        rows=5,
        label=_("Your views on the care plan"),
        help_text=_("What you think of the plan, and anything you would like the care team to know."),
        required=True,
    )
    comment.error_messages["required"] = _("Write your views on the care plan.")


# ---------------------------------------------------------------------------
# The person's own words (issue 20 item 1). Labels are marked for translation (Welsh, locale/cy).


class OwnWordsForm(NHSForm):
    """The person writes something for their plan."""

    kind = forms.ChoiceField(
        choices=[
            (OwnWords.Kind.WHAT_MATTERS, _("What matters to me")),
            (OwnWords.Kind.GOAL, _("A goal of mine")),
            (OwnWords.Kind.WHAT_HELPS, _("What helps me when things get difficult")),
            (OwnWords.Kind.EARLY_SIGNS, _("Early signs I notice that things are getting difficult")),
        ],
        widget=forms.RadioSelect,
        label=_("What would you like to write?"),
        error_messages={"required": _("Choose what you are writing.")},
    )
    text = _text(
        _("In your own words"), _("Your care team will read it and add it to your plan or answer you.")
    )
    text.required = True
    text.error_messages["required"] = _("Write it in your own words.")
    domain = forms.ChoiceField(
        choices=[("", _("Choose a part of your life"))] + list(Domain.choices),
        required=False,
        label=_("If it is a goal: which part of your life is it about?"),
    )


class GoalForm(NHSForm):
    """The person writes a goal of their own."""

    text = _text(_("Your goal, in your own words"), _("For example: \u201cI want to get back to work.\u201d"))
    text.required = True
    text.error_messages["required"] = _("Write your goal in your own words.")
    domain = forms.ChoiceField(
        choices=[("", _("Choose a part of your life"))] + list(Domain.choices),
        label=_("Which part of your life is it about?"),
        error_messages={"required": _("Choose the part of your life this goal is about.")},
    )


class GoalRatingForm(NHSForm):
    """How the person feels they are going with a goal, 1 to 10."""

    goal = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": _("Choose one of your goals.")}
    )
    score = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 11)],
        coerce=int,
        widget=forms.RadioSelect,
        label=_("How do you feel you are going with this goal?"),
        help_text=_("1 is not started at all, 10 is fully there."),
        error_messages={
            "required": _("Choose a number from 1 to 10."),
            "invalid_choice": _("Choose a number from 1 to 10."),
        },
    )
    note = limits.text(
        what="your note",
        max_length=limits.SHORT_TEXT,
        label=_("Anything you want to add (optional)"),
        required=False,
    )


class AnswerOwnWordsForm(NHSForm):
    """A worker accepts the person's words into the plan or answers them."""

    words = forms.UUIDField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("accept", "Add to the plan in their words"), ("answer", "Answer without adding it")],
        widget=forms.RadioSelect,
        label="What will you do with what they wrote?",
        error_messages={"required": "Choose whether to add it to the plan or answer it."},
    )
    reply = _text(
        "Your reply to them (needed if you do not add it)",
        "They will read this beside what they wrote. Use plain words.",
        rows=3,
    )
