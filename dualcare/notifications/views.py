"""The alert centre: my alerts (urgent and unacknowledged first), one alert with its
acknowledgement form. Only the recipient ever sees an alert; anyone else gets a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dualcare.exceptions import ApplicationError
from dualcare.people.forms import NHSForm

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


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
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
