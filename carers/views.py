"""Carers' pages: staff record a carer without a login, their needs and the offer of a carer's
assessment, and send them a plan summary; a carer with a login records their own needs.

Reads through dualcare.access; every write through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people import services as people_services
from dualcare.people.models import User

from . import selectors, services
from .forms import AssessmentOfferForm, CarerNeedsForm, CarerRecordForm


def _staff_person(request: HttpRequest, service_user_pk, action: str):
    if request.user.kind != User.Kind.STAFF:
        raise Http404("No such page.")
    return access.get_service_user_or_404(request.user, service_user_pk, action=action)


@login_required
def for_person(request: HttpRequest, service_user_pk) -> HttpResponse:
    """The person's carers, a page at a time, with what each may see and their assessment."""
    person = _staff_person(request, service_user_pk, "carer.list")
    words = " ".join(request.GET.get("q", "").split())[:100]
    page = Paginator(selectors.carers_of(person, words=words), 25).get_page(request.GET.get("page"))
    page.object_list = selectors.carer_rows(page.object_list)
    query = urlencode({"q": words}) if words else ""
    return render(
        request, "carers/for_person.html", {"person": person, "page": page, "q": words, "query": query}
    )


@login_required
def add(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Identify a carer at first contact, without a login."""
    person = _staff_person(request, service_user_pk, "carer.add_form")
    form = CarerRecordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            carer = people_services.carer_record(service_user=person, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"{carer.display_name} is recorded as a carer. They see nothing until the person allows it.",
            )
            return redirect("carers:detail", pk=carer.pk)
    return render(request, "carers/add.html", {"person": person, "form": form})


@login_required
def detail(request: HttpRequest, pk) -> HttpResponse:
    """One carer (staff): their needs and experience, the assessment offer, a plan summary to send."""
    if request.user.kind != User.Kind.STAFF:
        raise Http404("No such page.")
    carer = access.get_carer_or_404(request.user, pk)
    can_act = access.carers_writing_organisation(request.user, carer) is not None
    action = request.POST.get("action") if request.method == "POST" else None
    needs_form = CarerNeedsForm(request.POST if action == "needs" else None, prefix="needs")
    offer_form = AssessmentOfferForm(request.POST if action == "offer" else None, prefix="offer")
    if action and not can_act:
        raise Http404("No such page.")
    try:
        if action == "needs" and needs_form.is_valid():
            services.carer_needs_record(
                carer=carer,
                by=request.user,
                needs=needs_form.cleaned_data["needs"],
                answers=needs_form.answers(),
            )
            messages.success(request, "Saved the carer's needs and experience.")
            return redirect("carers:detail", pk=carer.pk)
        if action == "offer" and offer_form.is_valid():
            services.assessment_offer_record(
                carer=carer, by=request.user, state=offer_form.cleaned_data["state"]
            )
            messages.success(request, "Saved the carer's assessment.")
            return redirect("carers:detail", pk=carer.pk)
        if action == "summary":
            services.plan_summary_send(carer=carer, by=request.user)
            messages.success(request, "The plan summary will be sent to the carer (once for this version).")
            return redirect("carers:detail", pk=carer.pk)
    except ApplicationError as error:
        (needs_form if action == "needs" else offer_form).add_application_error(error)
    return render(
        request,
        "carers/detail.html",
        {
            "carer": carer,
            "person": carer.service_user,
            "can_act": can_act,
            "needs_form": needs_form,
            "offer_form": offer_form,
            "history": selectors.carer_history(carer),
            # A carer wanting letters: the summary the person allows, on the page to print and post.
            "letter": services.plan_summary_text(carer)
            if can_act and carer.contact_by == carer.ContactBy.LETTER and carer.wants_information
            else None,
        },
    )


@login_required
def mine(request: HttpRequest, pk) -> HttpResponse:
    """A carer with a login: what they need, and how the services have involved them."""
    if request.user.kind != User.Kind.CARER:
        raise Http404("No such page.")
    carer = access.get_carer_or_404(request.user, pk, action="carer.own_needs")
    form = CarerNeedsForm(request.POST if request.method == "POST" else None, prefix="needs")
    if request.method == "POST" and form.is_valid():
        try:
            services.carer_needs_record(
                carer=carer, by=request.user, needs=form.cleaned_data["needs"], answers=form.answers()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Thank you. Your answers have been saved and the team can see them.")
            return redirect("carer_home")
    return render(request, "carers/mine.html", {"carer": carer, "form": form})
