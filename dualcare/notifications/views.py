"""The alert centre for staff: my alerts (urgent and unacknowledged first), one alert with its
acknowledgement form. Only the recipient ever sees an alert; anyone else gets a 404.

Service users and carers have their own page, "Your messages", in plain words: what DualCare
has sent them (appointment reminders, a care plan updated), marked as read when they say so."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare.exceptions import ApplicationError
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


def _is_person(user) -> bool:
    """Service users and carers: they read messages, not alerts."""
    return user.kind in (User.Kind.SERVICE_USER, User.Kind.CARER)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    if _is_person(request.user):
        return redirect("messages:list")
    state = request.GET.get("state") or "open"
    if state not in dict(TABS):
        state = "open"
    alerts = selectors.alerts_for(request.user, state=None if state == "all" else state)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/alert_list.html",
        {
            "page": page,
            "state": state,
            "tabs": TABS,
            "unread": selectors.unread_count(request.user),
            "extra_query": f"&state={state}",
        },
    )


@login_required
def alert_detail(request: HttpRequest, pk) -> HttpResponse:
    if _is_person(request.user):
        raise Http404("No such alert.")
    alert = selectors.get_alert_or_404(request.user, pk)
    services.alerts_mark_read(user=request.user, ids=[alert.pk])
    form = AcknowledgeForm(request.POST if request.method == "POST" else None)
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
    """A service user's or carer's messages, newest first; staff use the alert centre."""
    if not _is_person(request.user):
        return redirect("alerts:list")
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/my_messages.html",
        {"page": page, "unread": selectors.unread_count(request.user), "extra_query": ""},
    )


@require_POST
@login_required
def my_messages_read(request: HttpRequest) -> HttpResponse:
    """Mark one message (``message``) or every message (``all``) as read; only the person's own."""
    if not _is_person(request.user):
        return redirect("alerts:list")
    if request.POST.get("all"):
        ids = selectors.notifications_for(request.user, unread_only=True).values_list("pk", flat=True)
        services.alerts_mark_read(user=request.user, ids=ids)
        messages.success(request, "All your messages are marked as read.")
    else:
        message = selectors.notifications_for(request.user).filter(
            pk=_uuid_or_none(request.POST.get("message"))
        )
        if services.alerts_mark_read(user=request.user, ids=message.values_list("pk", flat=True)):
            messages.success(request, "Message marked as read.")
    return redirect("messages:list")


def _uuid_or_none(value):
    from dualcare.access import _is_uuid

    return value if _is_uuid(value) else None
