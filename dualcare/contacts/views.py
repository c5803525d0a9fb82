"""Contact pages: the pharmacist's collections today (one tap each), a key worker's appointments,
the multi-agency disengaged list, and the person's own appointments in plain words.

Reads through dualcare.access and selectors; every write through services.contact_record.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.ids import is_uuid
from dualcare.paging import IdsFirst
from dualcare.people.decorators import login_and_404_unless
from dualcare.people.forms import PeopleSearchForm
from dualcare.people.models import Scope, StaffRole, User
from dualcare.safety import selectors as safety_selectors

from . import selectors, services
from .forms import (
    AppointmentForm,
    AppointmentsFilterForm,
    ContactRulesForm,
    DoNotContactForm,
    RecordForm,
    SupervisedConsumptionForm,
)
from .models import Outcome

PAGE_SIZE = 50
# The appointments and not-seen-lately lists: a page as the caseload's (people.selectors), with a
# search to find anyone further on (issue 15: rendering and auditing 50 cards was most of the page).
LIST_PAGE_SIZE = 25


def _roles_required(*roles):
    """Staff holding one of `roles`; anyone else gets a 404 (these pages are not theirs to know of)."""
    return login_and_404_unless(lambda user: access.has_role(user, *roles))


clinical_required = _roles_required(*access.CLINICAL_ROLES)
pharmacist_required = _roles_required(StaffRole.Role.PHARMACIST)


class PharmacyTodayFilterForm(PeopleSearchForm):
    """The pharmacy's search by name and choice of what to show, read from the query string."""

    state = forms.ChoiceField(required=False, choices=selectors.CollectionState.CHOICES, label="Show")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = "Search by name, NHS number or date of birth"
        self.fields["state"].error_messages["invalid_choice"] = "Choose what to show from the list."


PHARMACY_PAGE_SIZE = 25


@pharmacist_required
def pharmacy_today(request: HttpRequest) -> HttpResponse:
    """Today's supervised-consumption collections at my pharmacy, a page at a time: still to
    record first, then recorded; searched by name and narrowed to one state."""
    today = timezone.localdate()
    form = PharmacyTodayFilterForm(request.GET)
    form.is_valid()
    search, state = form.cleaned_data.get("q") or "", form.cleaned_data.get("state") or ""
    day = selectors.pharmacy_day(
        request.user,
        day=today,
        search=search,
        state=state,
        page_number=request.GET.get("page"),
        per_page=PHARMACY_PAGE_SIZE,
        not_recorded_limit=PAGE_SIZE,
    )
    collections = day.page.object_list
    # One row per person on the page, not one row naming nobody (rule 6).
    access.audit_list_read(request.user, [*collections, *day.not_recorded], action="contacts.pharmacy.list")
    # Safety flags the pharmacy may see (issue 19), one query for the page's people.
    flags = safety_selectors.flags_active_for_people(
        request.user, {contact.service_user_id for contact in [*collections, *day.not_recorded]}
    )
    for contact in [*collections, *day.not_recorded]:
        contact.safety_flags = flags.get(contact.service_user_id, [])
    return render(
        request,
        "contacts/pharmacy_today.html",
        {
            "today": today,
            "form": form,
            "page": day.page,
            "counts": day.counts,
            "query": form.query_string(),
            "filtered": bool(search or state),
            "to_record": [c for c in collections if not c.outcome],
            "recorded": [c for c in collections if c.outcome],
            "not_recorded": day.not_recorded,
        },
    )


@clinical_required
def appointments(request: HttpRequest) -> HttpResponse:
    """My teams' appointments this week (or from a chosen day), to record what happened. A bad
    day is a message at its field, and the week from today is shown."""
    form = AppointmentsFilterForm(request.GET, today=timezone.localdate())
    form.is_valid()
    start = form.start()
    contacts = selectors.team_appointments(
        request.user, start=start - dt.timedelta(days=1), days=8, search=form.search()
    )
    page = Paginator(IdsFirst(contacts, fetch=selectors.contacts_listed()), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access.audit_list_read(request.user, page.object_list, action="contacts.appointments.list")
    query = form.search_query()
    return render(
        request,
        "contacts/appointments.html",
        {
            "page": page,
            "start": start,
            "now": timezone.now(),
            "outcomes": Outcome.choices,
            "earlier": start - dt.timedelta(days=7),
            "later": start + dt.timedelta(days=7),
            "form": form,
            "query": query,
            "extra_query": "&".join(["", f"from={start.isoformat()}", *filter(None, [query])]),
        },
    )


@clinical_required
def disengaged(request: HttpRequest) -> HttpResponse:
    """People we share, with no attended contact with any service for N days."""
    organisation = access.acting_organisation(request.user)
    rules = (
        services.rules_for([organisation.pk])[organisation.pk] if organisation else services.default_rules()
    )
    form = PeopleSearchForm(request.GET)
    form.is_valid()
    people = selectors.disengaged_people(
        request.user, days=rules.disengaged_after_days, search=form.cleaned_data.get("q") or ""
    )
    page = Paginator(IdsFirst(people, fetch=selectors.disengaged_listed()), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access.audit_list_read(request.user, page.object_list, action="contacts.disengaged.list")
    query = form.query_string()
    return render(
        request,
        "contacts/disengaged.html",
        {
            "page": page,
            "days": rules.disengaged_after_days,
            "today": timezone.localdate(),
            "form": form,
            "query": query,
            "extra_query": f"&{query}" if query else "",
        },
    )


@login_required
def carer_appointments(request: HttpRequest, service_user_pk) -> HttpResponse:
    """The coming appointments of a person who lets this carer see them; a 404 otherwise."""
    user = request.user
    person = None
    if user.kind == User.Kind.CARER and is_uuid(service_user_pk):
        person = access.cared_for_by(user).filter(pk=service_user_pk).first()
    if person is None or not access.can_view_scope(user, person, Scope.CONTACTS, owner=None):
        raise Http404("No such page.")
    audit_record(actor=user, action="contacts.carer_view", target=person)
    contacts = list(selectors.carer_appointments(user, person)[:50])
    return render(request, "contacts/carer_appointments.html", {"person": person, "contacts": contacts})


@login_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    """The person's own coming appointments, in plain words."""
    if request.user.kind != User.Kind.SERVICE_USER:
        raise Http404("No such page.")
    contacts = list(selectors.my_appointments(request.user)[:50])
    return render(request, "contacts/my_appointments.html", {"contacts": contacts})


def _pharmacy_filters(query: str) -> str:
    """The pharmacy list's search, state and page to go back to after recording, re-read through
    its form so nothing else rides along ("" when there are none)."""
    kept = PharmacyTodayFilterForm(QueryDict(query[:500]))
    kept.is_valid()
    page = QueryDict(query[:500]).get("page", "")
    parts = [
        part
        for part in (kept.query_string(), f"page={page}" if page.isascii() and page.isdigit() else "")
        if part
    ]
    return f"?{'&'.join(parts)}" if parts else ""


# Where a record form may send the user back to: our own list pages only.
_RETURN_TO = {"pharmacy": "contacts:pharmacy_today", "appointments": "contacts:appointments"}


@require_POST
@login_required
def contact_record(request: HttpRequest, pk) -> HttpResponse:
    """One tap: record attended, missed or cancelled, then back to the list."""
    if request.user.kind != User.Kind.STAFF:
        raise Http404("No such page.")
    contact = access.get_contact_or_404(request.user, pk, action="contact.record")
    form = RecordForm(request.POST)
    back = reverse(_RETURN_TO.get(request.POST.get("return_to"), "contacts:appointments"))
    if request.POST.get("return_to") == "pharmacy":
        back += _pharmacy_filters(request.POST.get("return_query", ""))
    if not form.is_valid():
        messages.error(request, "Choose what happened.")
        return redirect(back)
    try:
        contact, changed = services.contact_record(
            contact=contact,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    name = contact.service_user.full_name
    what = contact.get_outcome_display().lower()
    if not changed:
        messages.info(request, f"{name}: already recorded as {what}.")
    elif contact.outcome == Outcome.MISSED and contact.is_collection:
        messages.success(request, f"{name}: recorded as missed. Their care team has been told.")
    else:
        messages.success(request, f"{name}: recorded as {what}.")
    return redirect(back)


def _involved_teams(user, person, *, collections: bool):
    return (
        access.contact_teams_of(user, collections=collections)
        .filter(involvements__service_user=person, involvements__end__isnull=True)
        .select_related("organisation")
        .distinct()
    )


@clinical_required
def appointment_create(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Book an appointment with a person my team works with."""
    person = access.get_service_user_or_404(request.user, service_user_pk, action="contact.create_form")
    teams = _involved_teams(request.user, person, collections=False)
    if not teams.exists():
        raise Http404("No such page.")
    form = AppointmentForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_create(
                by=request.user,
                service_user=person,
                kind=form.cleaned_data["kind"],
                team=form.cleaned_data["team"],
                staff=request.user,
                starts_at=form.starts_at(),
                place=form.cleaned_data["place"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            # A time already past is a record of an appointment (the service takes the last year):
            # no reminder will go, so none is promised.
            if appointment.starts_at <= timezone.now():
                messages.success(
                    request, "Appointment recorded. It is in the past, so no reminder will be sent."
                )
            else:
                messages.success(request, "Appointment booked. They will be sent a reminder before it.")
            return redirect("service_user_detail", pk=person.pk)
    return render(request, "contacts/appointment_form.html", {"form": form, "person": person})


@clinical_required
def supervised_consumption_create(request: HttpRequest, service_user_pk) -> HttpResponse:
    """The prescribing team sets up supervised consumption at a pharmacy working with the person."""
    from dualcare.people.models import Organisation, Team

    person = access.get_service_user_or_404(
        request.user, service_user_pk, action="supervised_consumption.form"
    )
    prescribing = _involved_teams(request.user, person, collections=False)
    if not prescribing.exists():
        raise Http404("No such page.")
    pharmacies = Team.objects.filter(
        organisation__kind=Organisation.Kind.PHARMACY,
        involvements__service_user=person,
        involvements__end__isnull=True,
    ).select_related("organisation")
    form = SupervisedConsumptionForm(
        request.POST if request.method == "POST" else None,
        prescribing_teams=prescribing,
        pharmacy_teams=pharmacies,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.supervised_consumption_start(
                by=request.user,
                service_user=person,
                pharmacy_team=data["pharmacy_team"],
                prescribing_team=data["prescribing_team"],
                medicine=data["medicine"],
                dose=data["dose"],
                days_of_week=data["days_of_week"],
                start=data["start"],
                end=data["end"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, "Supervised consumption set up. The pharmacy will see each due day's collection."
            )
            return redirect("service_user_detail", pk=person.pk)
    return render(
        request,
        "contacts/supervised_consumption_form.html",
        {"form": form, "person": person, "no_pharmacy": not pharmacies.exists()},
    )


# ---------------------------------------------------------------------------
# An organisation admin's page: their organisation's alert rules, and who changed them


@login_required
def rules_home(request: HttpRequest) -> HttpResponse:
    """Straight to the organisation's rules when the admin has one organisation; else a choice."""
    organisations = list(access.contacts_rules_organisations(request.user))
    if not organisations:
        raise PermissionDenied("This page is for organisation admins.")
    if len(organisations) == 1:
        return redirect("contacts:rules", organisation_pk=organisations[0].pk)
    return render(request, "contacts/rules_choose.html", {"organisations": organisations})


@login_required
def rules(request: HttpRequest, organisation_pk) -> HttpResponse:
    """View and change the organisation's thresholds; every change is kept with who and when."""
    allowed = access.contacts_rules_organisations(request.user)
    if not allowed.exists():
        raise PermissionDenied("This page is for organisation admins.")
    organisation = allowed.filter(pk=organisation_pk).first()
    if organisation is None:
        raise Http404("No such organisation.")
    current = services.rules_for([organisation.pk])[organisation.pk].as_fields()
    form = ContactRulesForm(request.POST if request.method == "POST" else None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_rules_set(organisation=organisation, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Alert rules saved.")
            return redirect("contacts:rules", organisation_pk=organisation.pk)
    return render(
        request,
        "contacts/rules.html",
        {
            "organisation": organisation,
            "form": form,
            "history": selectors.rules_history(organisation),
            "defaults": services.default_rules().as_fields(),
        },
    )


# ---------------------------------------------------------------------------
# The reminder's "I can't come" link (no sign-in: the opaque token is the key) and do-not-contact


def cannot_come(request: HttpRequest, token: str) -> HttpResponse:
    """The page a reminder's link opens: asks, then (POST) tells the team once. A GET changes
    nothing, so a phone or mail scanner opening the link does not answer for the person."""
    reply = services.reminder_reply_of(token)
    if reply is None:
        raise Http404("No such page.")
    # Who opened it is not known (no sign-in): the open of the person's contact is audited as such.
    audit_record(actor=None, action="contact.reply_link_open", target=reply, service_user=reply.service_user)
    done = reply.answered_at is not None
    error = ""
    if request.method == "POST" and not done:
        try:
            services.reminder_reply_cannot_come(token=token)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            return redirect("contacts:cannot_come", token=token)
    place = reply.contact.place if reply.contact_id else reply.schedule.pharmacy_team.name
    response = render(
        request,
        "contacts/cannot_come.html",
        {
            "reply": reply,
            "done": done,
            "error": error,
            "place": place,
            "is_collection": reply.schedule_id is not None,
            "past": reply.starts_at <= timezone.now(),
        },
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@clinical_required
def do_not_contact(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Say that texting or email is unsafe for the person: reminders are then not sent that way."""
    person = access.get_service_user_or_404(
        request.user, service_user_pk, action="contact.do_not_contact_form"
    )
    if not access.can_set_do_not_contact(request.user, person):
        raise Http404("No such page.")
    now_set = set(selectors.do_not_contact_channels(person))
    form = DoNotContactForm(
        request.POST if request.method == "POST" else None, initial={"channels": sorted(now_set)}
    )
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["channels"])
        try:
            with transaction.atomic():
                for channel in sorted(wanted - now_set):
                    services.do_not_contact_set(
                        service_user=person,
                        channel=channel,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                for channel in sorted(now_set - wanted):
                    services.do_not_contact_end(service_user=person, channel=channel, by=request.user)
        except ApplicationError as refusal:
            form.add_application_error(refusal)
        else:
            messages.success(request, "Saved how they may be contacted.")
            return redirect("service_user_detail", pk=person.pk)
    return render(request, "contacts/do_not_contact.html", {"form": form, "person": person})
