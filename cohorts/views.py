"""Quadrant assessment with evidence and a suggestion (never assigned without a person), the
quadrant history; cohorts: counts against targets, members, transition matrix, counts by team
over time, outcome change by quadrant at entry; enrolment and exit."""

from __future__ import annotations

import calendar
import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import staff_required
from dualcare.people.models import Team

from . import evidence, selectors, services
from .forms import CohortForm, EnrolForm, ExitForm, QuadrantForm
from .models import Enrolment
from .selectors import QUADRANTS


@staff_required
def quadrant_assess(request: HttpRequest, pk) -> HttpResponse:
    person = access.get_service_user_or_404(request.user, pk, action="quadrant.view")
    can_assess = access.can_act_for(request.user, person)
    history = list(
        selectors.quadrant_assessments_visible_to(request.user, person).select_related(
            "assessed_by", "organisation"
        )
    )
    found = evidence.evidence_for(request.user, person)
    form = QuadrantForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST":
        if not can_assess:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                services.quadrant_assess(service_user=person, by=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(request, "Quadrant assessment saved.")
                return redirect("cohorts:quadrant", pk=person.pk)
    return render(
        request,
        "cohorts/quadrant.html",
        {
            "person": person,
            "history": history,
            "evidence": found,
            "form": form,
            "can_assess": can_assess,
            "honos_high": evidence.honos_high_total(),
            "top_high": evidence.top_high_days(),
        },
    )


@staff_required
def cohort_list(request: HttpRequest) -> HttpResponse:
    cohorts = selectors.cohorts_visible_to(request.user).select_related("organisation").order_by("name")
    return render(
        request,
        "cohorts/list.html",
        {"cohorts": cohorts, "can_create": access.cohorts_can_manage(request.user)},
    )


def _cohort_teams(organisation_ids):
    """Teams a cohort may draw on: its organisation's teams that work with service users."""
    return list(
        Team.objects.filter(
            organisation_id__in=organisation_ids, works_with_people=True, is_active=True
        ).order_by("name")
    )


def _cohort_form_errors(form, error: ApplicationError) -> None:
    # The service names "targets" for all four boxes: show it on the first.
    if error.field == "targets":
        form.add_error("target_i", error.message)
    else:
        form.add_application_error(error)


@staff_required
def cohort_create(request: HttpRequest) -> HttpResponse:
    """Set up a named cohort (team managers and link workers, for their own organisation)."""
    if not access.cohorts_can_manage(request.user):
        raise Http404("No such page.")
    organisation = access.cohorts_managed_organisations(request.user).order_by("name").first()
    form = CohortForm(
        request.POST or None,
        teams=_cohort_teams([organisation.pk]),
        initial={"start": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(by=request.user, **form.service_kwargs())
        except ApplicationError as error:
            _cohort_form_errors(form, error)
        else:
            messages.success(request, f"Cohort “{cohort.name}” set up.")
            return redirect("cohorts:detail", pk=cohort.pk)
    return render(
        request,
        "cohorts/cohort_form.html",
        {"form": form, "organisation": organisation, "heading": "Set up a cohort", "button": "Set up cohort"},
    )


@staff_required
def cohort_edit(request: HttpRequest, pk) -> HttpResponse:
    cohort = _cohort_or_404(request.user, pk)
    if not access.cohorts_can_manage(request.user, cohort):
        raise Http404("No such page.")
    form = CohortForm(
        request.POST or None,
        teams=_cohort_teams([cohort.organisation_id]),
        initial=CohortForm.initial_for(cohort),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_update(cohort=cohort, by=request.user, **form.service_kwargs())
        except ApplicationError as error:
            _cohort_form_errors(form, error)
        else:
            messages.success(request, "Cohort details saved.")
            return redirect("cohorts:detail", pk=cohort.pk)
    return render(
        request,
        "cohorts/cohort_form.html",
        {
            "form": form,
            "cohort": cohort,
            "organisation": cohort.organisation,
            "heading": "Change the cohort's details",
            "button": "Save changes",
        },
    )


def _cohort_or_404(user, pk):
    cohort = selectors.cohorts_visible_to(user).filter(pk=pk).select_related("organisation").first()
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def _month_ends(count: int, today: dt.date) -> list[dt.date]:
    ends = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(ends), today]


def _parse(value, default):
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _latest_outcomes(user, people_ids) -> dict:
    """The latest HoNOS and TOP of each member that the user may see (outcomes consent applies)."""
    from outcomes.selectors import latest_for_people

    return latest_for_people(user, people_ids)


@staff_required
def cohort_detail(request: HttpRequest, pk) -> HttpResponse:
    user = request.user
    cohort = _cohort_or_404(user, pk)
    today = timezone.localdate()
    counts = selectors.quadrant_counts(selectors.cohort_members(cohort))
    visible = access.service_users_visible_to(user)
    # Members the viewer may see; enrolments follow the outcomes consent (access.ORG_WRITTEN).
    members = list(
        access.org_written_filter(user, Enrolment.objects.filter(cohort=cohort, exited_on__isnull=True))
        .select_related("service_user")
        .order_by("service_user__family_name", "service_user__given_name")
    )
    access.audit_list_read(user, members, action="cohort.members.list")
    current = dict(
        selectors.with_current_quadrant(
            visible.filter(pk__in=[m.service_user_id for m in members]), user=user
        ).values_list("pk", "current_quadrant")
    )
    change_by_entry = selectors.outcome_change_by_entry(user, cohort)
    latest = _latest_outcomes(user, [m.service_user_id for m in members])
    hidden = sum(counts.values()) - len(members)
    start = _parse(request.GET.get("from"), max(cohort.start, today - dt.timedelta(days=180)))
    end = _parse(request.GET.get("to"), today)
    if end < start:
        start, end = end, start
    matrix = selectors.transition_matrix(
        selectors.cohort_members(cohort, on=end), start=start, end=end, viewer=user
    )
    teams = list(cohort.teams.order_by("name"))
    over_time = selectors.team_quadrant_counts(teams, _month_ends(5, today)) if teams else []
    return render(
        request,
        "cohorts/detail.html",
        {
            "cohort": cohort,
            "counts": [(q, counts[q], cohort.targets[q]) for q in QUADRANTS],
            "members": [
                {
                    "enrolment": m,
                    "current": current.get(m.service_user_id),
                    "days": (today - m.enrolled_on).days,
                    "latest": latest.get(m.service_user_id, {}),
                }
                for m in members
            ],
            "hidden": hidden,
            "matrix": matrix,
            "start": start,
            "end": end,
            "teams": teams,
            "over_time": over_time,
            "change_by_entry": change_by_entry,
            "quadrants": QUADRANTS,
            "can_manage": access.cohorts_can_manage(user, cohort),
        },
    )


@staff_required
def cohort_enrol(request: HttpRequest, pk) -> HttpResponse:
    cohort = _cohort_or_404(request.user, pk)
    enrolled = Enrolment.objects.filter(cohort=cohort, exited_on__isnull=True).values("service_user_id")
    people = list(
        access.service_users_visible_to(request.user)
        .filter(involvements__team__in=cohort.teams.all(), involvements__end__isnull=True)
        .exclude(pk__in=enrolled)
        .distinct()
        .order_by("family_name", "given_name")
    )
    form = EnrolForm(request.POST or None, people=people, initial={"enrolled_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        person = form.people.get(form.cleaned_data["service_user"])
        try:
            services.cohort_enrol(
                cohort=cohort,
                service_user=person,
                by=request.user,
                enrolled_on=form.cleaned_data["enrolled_on"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Enrolled.")
            return redirect("cohorts:detail", pk=cohort.pk)
    return render(request, "cohorts/enrol.html", {"cohort": cohort, "form": form})


@staff_required
def cohort_exit(request: HttpRequest, pk, enrolment_pk) -> HttpResponse:
    cohort = _cohort_or_404(request.user, pk)
    enrolment = access.get_record_or_404(
        request.user,
        Enrolment.objects.filter(
            cohort=cohort, service_user__in=access.service_users_visible_to(request.user)
        ),
        enrolment_pk,
        action="cohort.exit.view",
        not_found="No such enrolment.",
    )
    form = ExitForm(request.POST or None, initial={"exited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.cohort_exit(enrolment=enrolment, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Exit recorded.")
            return redirect("cohorts:detail", pk=cohort.pk)
    return render(request, "cohorts/exit.html", {"cohort": cohort, "enrolment": enrolment, "form": form})
