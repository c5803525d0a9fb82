"""The alert centre for staff: my alerts (urgent and unacknowledged first), one alert with its
acknowledgement form. Only the recipient ever sees an alert; anyone else gets a 404.

Service users and carers have their own page, "Reminders and updates", in plain words: what
DualCare has sent them (appointment reminders, a care plan updated), marked as read when they say
so. Messages from their care team are the conversations' pages ("Messages with your care team")."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare.access import can_view_record
from dualcare.exceptions import ApplicationError
from dualcare.ids import is_uuid
from dualcare.people.forms import NHSForm
from dualcare.people.models import User

from . import selectors, services

PAGE_SIZE = 50
TABS = [("open", "To acknowledge"), ("acknowledged", "Acknowledged"), ("all", "All")]


class AcknowledgeForm(NHSForm):
    note = forms.CharField(
        label="What did you do?",
        help_text="For example: phoned the person, spoke to the prescriber, booked a visit.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say what you did about this alert."},
    )


class AlertFilterForm(NHSForm):
    """Narrow the alert list to one person, kind or team: the choices are the user's own alerts'
    (people only those the user may see now)."""

    person = forms.ChoiceField(
        label="Person", required=False, error_messages={"invalid_choice": "Choose a person from the list."}
    )
    kind = forms.ChoiceField(
        label="Kind of alert",
        required=False,
        error_messages={"invalid_choice": "Choose a kind of alert from the list."},
    )
    team = forms.ChoiceField(
        label="Team", required=False, error_messages={"invalid_choice": "Choose a team from the list."}
    )

    def __init__(self, data, *, choices: dict):
        super().__init__(data)
        self.fields["person"].choices = [("", "Everyone")] + [
            (str(person.pk), person.full_name) for person in choices["people"]
        ]
        self.fields["kind"].choices = [("", "All kinds")] + choices["kinds"]
        teams = [(str(team.pk), team.name) for team in choices["teams"]]
        self.fields["team"].choices = [("", "All teams")] + teams


class MarkReadForm(NHSForm):
    alerts = forms.MultipleChoiceField(
        label="Select alerts",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one alert to mark as read.",
            "invalid_choice": "Select only alerts from this list.",
        },
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        posted = [value for value in (data.getlist("alerts") if data else []) if is_uuid(value)]
        own = selectors.alerts_for(user).filter(pk__in=posted).values_list("pk", flat=True)
        self.fields["alerts"].choices = [(str(pk), str(pk)) for pk in own]


def _is_person(user) -> bool:
    """Service users and carers: they read messages, not alerts."""
    return user.kind in (User.Kind.SERVICE_USER, User.Kind.CARER)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alert list, filtered in SQL and paginated. POST: mark the selected alerts as read."""
    if _is_person(request.user):
        return redirect("messages:list")
    mark_form = MarkReadForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and mark_form.is_valid():
        marked = services.alerts_mark_read(user=request.user, ids=mark_form.cleaned_data["alerts"])
        messages.success(request, f"{marked} alert{'s' if marked != 1 else ''} marked as read.")
        return redirect(request.get_full_path())
    state = request.GET.get("state") or "open"
    if state not in dict(TABS):
        state = "open"
    choices = selectors.alert_filter_choices(request.user)
    filters = AlertFilterForm(request.GET, choices=choices)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    alerts = selectors.alerts_for(
        request.user,
        state=None if state == "all" else state,
        service_user=chosen.get("person") or None,
        kind=chosen.get("kind") or "",
        team=chosen.get("team") or None,
    )
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    selectors.name_people(
        request.user, rows, visible_ids={person.pk for person in choices["people"]}, action="alert.list"
    )
    unread = [alert for alert in rows if alert.read_at is None]
    for number, alert in enumerate(unread):
        alert.checkbox_id = f"alerts_{number}"
    query = {key: value for key, value in chosen.items() if value}
    query["state"] = state
    return render(
        request,
        "notifications/alert_list.html",
        {
            "page": page,
            "rows": rows,
            "any_unread": bool(unread),
            "state": state,
            "tabs": TABS,
            "filters": filters,
            "form": mark_form if mark_form.is_bound else filters,
            "filtered": any(chosen.get(key) for key in ("person", "kind", "team")),
            "unread": selectors.unread_count(request.user),
            "filter_query": urlencode({key: value for key, value in query.items() if key != "state"}),
            "extra_query": "&" + urlencode(query),
        },
    )


@login_required
def alert_detail(request: HttpRequest, pk) -> HttpResponse:
    if _is_person(request.user):
        raise Http404("No such alert.")
    alert = selectors.get_alert_or_404(request.user, pk)
    services.alerts_mark_read(user=request.user, ids=[alert.pk])
    visible = alert.service_user is not None and can_view_record(request.user, alert.service_user)
    selectors.name_people(
        request.user, [alert], visible_ids={alert.service_user_id} if visible else set(), action="alert.view"
    )
    form = AcknowledgeForm(request.POST if request.method == "POST" and alert.needs_action else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Alert acknowledged.")
            return redirect("alerts:list")
    return render(request, "notifications/alert_detail.html", {"alert": alert, "form": form})


@login_required
def my_messages(request: HttpRequest) -> HttpResponse:
    """A service user's or carer's reminders and updates, newest first; staff use the alert centre."""
    if not _is_person(request.user):
        return redirect("alerts:list")
    page = Paginator(selectors.updates_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/my_messages.html",
        {"page": page, "unread": selectors.unread_count(request.user), "extra_query": ""},
    )


@require_POST
@login_required
def my_messages_read(request: HttpRequest) -> HttpResponse:
    """Mark one (``message``) or every (``all``) reminder or update as read; only the person's own."""
    if not _is_person(request.user):
        return redirect("alerts:list")
    if request.POST.get("all"):
        ids = selectors.updates_for(request.user, unread_only=True).values_list("pk", flat=True)
        services.alerts_mark_read(user=request.user, ids=ids)
        messages.success(request, "All your reminders and updates are marked as read.")
    else:
        message = selectors.updates_for(request.user).filter(pk=_uuid_or_none(request.POST.get("message")))
        if services.alerts_mark_read(user=request.user, ids=message.values_list("pk", flat=True)):
            messages.success(request, "Marked as read.")
    return redirect("messages:list")


def _uuid_or_none(value):
    return value if is_uuid(value) else None
