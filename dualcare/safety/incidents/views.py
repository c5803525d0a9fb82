"""Incident pages: the list (search and filters), report one about a person or a team, the
incident with its joint review (actions, lessons learned, close).

Views are thin: reads through selectors (access), writes through services. A service's refusal
(ApplicationError) becomes a form error; an incident the viewer may not read is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.paging import IdsFirst
from dualcare.people.decorators import staff_required

from . import selectors, services
from .forms import ActionForm, CloseForm, FilterForm, LessonsForm, ReportForm

PAGE_SIZE = 25


def _audit_page(user, rows) -> None:
    # One audit row per person on the page; a team-only incident shows nobody.
    access.audit_list_read(user, [row for row in rows if row.service_user_id], action="incident.list")


@staff_required
def incident_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET)
    form.is_valid()
    chosen = (
        {name: form.cleaned_data.get(name) or "" for name in ("q", "kind", "harm", "state")}
        if not form.errors
        else {}
    )
    words = " ".join((chosen.get("q") or "").split())
    rows = selectors.filtered(
        selectors.search(selectors.incidents_visible_to(request.user), words),
        kind=chosen.get("kind", ""),
        harm=chosen.get("harm", ""),
        state=chosen.get("state", ""),
    )
    page = Paginator(IdsFirst(rows, fetch=selectors.listed()), PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_page(request.user, page.object_list)
    query = urlencode({k: v for k, v in chosen.items() if v})
    status = 400 if form.errors else 200
    return render(
        request,
        "incidents/list.html",
        {"page": page, "form": form, "query": query, "searched": bool(query)},
        status=status,
    )


def _report(request, *, person=None, teams=None):
    form = ReportForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                by=request.user,
                service_user=person,
                team=data.get("team"),
                kind=data["kind"],
                harm=data["harm"],
                title=data["title"],
                occurred_on=data["occurred_on"],
                what_happened=data["what_happened"],
                immediate_actions=data["immediate_actions"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            told = (
                " The managers of every organisation it is shared with have been told."
                if incident.is_serious
                else ""
            )
            flash.success(request, f"{incident.get_kind_display()} reported.{told}")
            return redirect("incidents:detail", pk=incident.pk)
    status = 400 if form.errors else 200
    return render(request, "incidents/report.html", {"person": person, "form": form}, status=status)


@staff_required
def report_for_person(request: HttpRequest, service_user_pk) -> HttpResponse:
    person = access.get_service_user_or_404(request.user, service_user_pk, action="incident.report_form")
    access.ensure_can_act_for(request.user, person)
    return _report(request, person=person)


@staff_required
def report_for_team(request: HttpRequest) -> HttpResponse:
    teams = list(
        access.teams_of(request.user, roles=access.INCIDENT_READ_ROLES)
        .select_related("organisation")
        .order_by("name")
    )
    if not teams:
        raise access.Refused("Only staff of a team can report an incident.")
    return _report(request, teams=teams)


def _detail(request, incident, *, status=200, **forms):
    review = selectors.review(incident)
    context = {
        "incident": incident,
        "person": incident.service_user,
        **review,
        "can_review": access.incidents_can_review(request.user) and not incident.is_closed,
        "can_close": access.incidents_can_close(request.user) and not incident.is_closed,
        "action_form": forms.get("action_form") or ActionForm(organisations=review["organisations"]),
        "lessons_form": forms.get("lessons_form")
        or LessonsForm(initial={"lessons_learned": incident.lessons_learned}),
        "close_form": forms.get("close_form") or CloseForm(),
        "has_errors": any(form.errors for form in forms.values()),
        "open_actions": [action for action in review["actions"] if not action.is_done],
    }
    return render(request, "incidents/detail.html", context, status=status)


@staff_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    return _detail(request, selectors.incident_or_404(request.user, pk))


@staff_required
@require_POST
def action_add(request: HttpRequest, pk) -> HttpResponse:
    incident = selectors.incident_or_404(request.user, pk, action="incident.action_add")
    form = ActionForm(request.POST, organisations=selectors.review(incident)["organisations"])
    if form.is_valid():
        try:
            services.incident_action_add(
                incident=incident,
                by=request.user,
                text=form.cleaned_data["text"],
                owner_organisation=form.cleaned_data["owner_organisation"],
                due_date=form.cleaned_data["due_date"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Review action added. Its owner will be reminded on the due date.")
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, status=400, action_form=form)


@staff_required
@require_POST
def action_done(request: HttpRequest, pk, action_pk) -> HttpResponse:
    incident = selectors.incident_or_404(request.user, pk, action="incident.action_complete")
    action = selectors.action_of(incident, action_pk)
    if action is None:
        raise access.Hidden("No such action.")
    try:
        services.incident_action_complete(action=action, by=request.user)
    except ApplicationError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, "Action marked as done.")
    return redirect("incidents:detail", pk=incident.pk)


@staff_required
@require_POST
def lessons(request: HttpRequest, pk) -> HttpResponse:
    incident = selectors.incident_or_404(request.user, pk, action="incident.lessons")
    form = LessonsForm(request.POST)
    if form.is_valid():
        try:
            services.incident_lessons_record(
                incident=incident, by=request.user, lessons_learned=form.cleaned_data["lessons_learned"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Lessons learned saved.")
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, status=400, lessons_form=form)


@staff_required
@require_POST
def close(request: HttpRequest, pk) -> HttpResponse:
    incident = selectors.incident_or_404(request.user, pk, action="incident.close")
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.incident_close(
                incident=incident, by=request.user, summary=form.cleaned_data["closure_summary"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Incident closed.")
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, status=400, close_form=form)
