"""Pages for risk assessments and safety flags. Thin: reads through access and selectors, writes
through services; a service's ApplicationError becomes a form error on the field it names."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import staff_required

from . import selectors, services
from .forms import (
    FlagRaiseForm,
    FlagRemoveForm,
    FlagReviewForm,
    FlagsFilterForm,
    RemovalDecideForm,
    RiskAssessmentForm,
    RiskFilterForm,
)
from .models import Domain, Level


def _person_for_risk(request: HttpRequest, pk, *, action: str):
    """The person, if the viewer may open their risk pages (audited either way); else 404."""
    person = access.get_service_user_or_404(request.user, pk, action=action)
    if not access.safety_can_view_risk(request.user, person):
        from dualcare.audit.services import audit_record

        audit_record(actor=request.user, action=action, service_user=person, denied=True)
        raise access.Hidden("No such record.")
    return person


@staff_required
def risk(request: HttpRequest, pk) -> HttpResponse:
    """Each area of risk's history across every organisation the viewer may see, newest first; a
    change of level from the previous assessment of that area is marked."""
    with access.record_checks_once():
        person = _person_for_risk(request, pk, action="safety.risk.view")
        form = RiskFilterForm(request.GET)
        form.is_valid()
        domain, search = form.cleaned_data.get("domain") or "", form.cleaned_data.get("q") or ""
        page = selectors.risk_history_page(
            request.user, person, domain=domain, search=search, page_number=request.GET.get("page")
        )
        can_assess = access.safety_writing_team(request.user, person) is not None
    levels = dict(Level.choices)
    rows = [
        {
            "rating": rating,
            "changed": not search
            and rating.previous_level is not None
            and rating.previous_level != rating.level,
            "previous": levels.get(rating.previous_level, ""),
        }
        for rating in page.object_list
    ]
    return render(
        request,
        "safety/risk.html",
        {
            "person": person,
            "form": form,
            "page": page,
            "rows": rows,
            "query": form.query_string(),
            "filtered": bool(domain or search),
            "can_assess": can_assess,
            "domains": Domain.choices,
        },
        status=400 if form.errors else 200,
    )


@staff_required
def risk_new(request: HttpRequest, pk) -> HttpResponse:
    person = _person_for_risk(request, pk, action="safety.risk.new")
    access.ensure_can_act_for(request.user, person)
    form = RiskAssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_assessment_record(
                service_user=person,
                by=request.user,
                assessed_on=form.cleaned_data["assessed_on"],
                domains=form.domains(),
                person_view=form.cleaned_data["person_view"],
                review_due=form.cleaned_data["review_due"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(
                request, "Risk assessment recorded. Your team will be reminded when its review is due."
            )
            return redirect("safety:risk", pk=person.pk)
    status = 400 if form.errors else 200
    return render(request, "safety/risk_new.html", {"person": person, "form": form}, status=status)


@staff_required
def flags(request: HttpRequest, pk) -> HttpResponse:
    with access.record_checks_once():
        person = _person_for_risk(request, pk, action="safety.flags.view")
        form = FlagsFilterForm(request.GET)
        form.is_valid()
        page = selectors.flags_page(
            request.user,
            person,
            show=form.cleaned_data.get("show") or "",
            page_number=request.GET.get("page"),
        )
        can_raise = access.safety_writing_team(request.user, person) is not None
    return render(
        request,
        "safety/flags.html",
        {"person": person, "page": page, "form": form, "query": form.query_string(), "can_raise": can_raise},
        status=400 if form.errors else 200,
    )


@staff_required
def flag_new(request: HttpRequest, pk) -> HttpResponse:
    person = _person_for_risk(request, pk, action="safety.flag.new")
    access.ensure_can_act_for(request.user, person)
    form = FlagRaiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flag = services.safety_flag_raise(service_user=person, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(
                request, "Safety flag raised. Everyone who may see it now sees it at the top of the record."
            )
            return redirect("safety:flag", pk=flag.pk)
    status = 400 if form.errors else 200
    return render(request, "safety/flag_new.html", {"person": person, "form": form}, status=status)


def _flag_or_404(request: HttpRequest, pk, *, action: str):
    return access.get_record_or_404(
        request.user,
        selectors.flags_visible_to(request.user).select_related("organisation", "raised_by", "team"),
        pk,
        action=action,
        not_found="No such flag.",
    )


def _flag_page(request, flag, *, review_form=None, remove_form=None, decide_form=None, status=200):
    pending = selectors.flag_pending_removal(request.user, flag)
    can_change = flag.is_active and access.safety_can_change_flag(request.user, flag)
    can_decide = pending is not None and access.safety_can_decide_removal(
        request.user, flag_organisation=flag.organisation, requested_by=pending.requested_by
    )
    early = flag.review_on > timezone.localdate()
    return render(
        request,
        "safety/flag.html",
        {
            "flag": flag,
            "person": flag.service_user,
            "events": selectors.flag_events(request.user, flag),
            "pending": pending,
            "can_change": can_change and pending is None,
            "can_decide": can_decide,
            "early": early,
            "review_form": review_form or FlagReviewForm(),
            "remove_form": remove_form or FlagRemoveForm(),
            "decide_form": decide_form or RemovalDecideForm(),
        },
        status=status,
    )


@staff_required
def flag(request: HttpRequest, pk) -> HttpResponse:
    return _flag_page(request, _flag_or_404(request, pk, action="safety.flag.view"))


@staff_required
@require_POST
def flag_review(request: HttpRequest, pk) -> HttpResponse:
    flag = _flag_or_404(request, pk, action="safety.flag.review")
    form = FlagReviewForm(request.POST)
    if form.is_valid():
        try:
            services.safety_flag_review(flag=flag, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Flag reviewed. It stays in place until its next review.")
            return redirect("safety:flag", pk=flag.pk)
    return _flag_page(request, flag, review_form=form, status=400)


@staff_required
@require_POST
def flag_remove(request: HttpRequest, pk) -> HttpResponse:
    flag = _flag_or_404(request, pk, action="safety.flag.remove")
    form = FlagRemoveForm(request.POST)
    if form.is_valid():
        try:
            _, removal = services.safety_flag_remove(
                flag=flag, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            if removal is None:
                flash.success(request, "Flag removed.")
            else:
                flash.success(
                    request,
                    "Removal asked for. A colleague in your organisation must confirm it: "
                    "until then the flag stays.",
                )
            return redirect("safety:flag", pk=flag.pk)
    return _flag_page(request, flag, remove_form=form, status=400)


@staff_required
@require_POST
def removal_decide(request: HttpRequest, pk) -> HttpResponse:
    flag = _flag_or_404(request, pk, action="safety.flag.removal_decide")
    pending = selectors.flag_pending_removal(request.user, flag)
    form = RemovalDecideForm(request.POST)
    if pending is None:
        form.is_valid()
        form.add_error(None, "No removal of this flag is waiting for a decision.")
    elif form.is_valid():
        try:
            services.safety_flag_removal_decide(
                request=pending,
                by=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(
                request, "Flag removed." if form.cleaned_data["decision"] == "confirm" else "The flag stays."
            )
            return redirect("safety:flag", pk=flag.pk)
    return _flag_page(request, flag, decide_form=form, status=400)
