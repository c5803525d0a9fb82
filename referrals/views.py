"""Referral pages: team inbox, sent referrals, create and send, detail with the viewer's actions,
the moves (acknowledge, accept, decline, withdraw, close), handover and the referral note PDF,
and the person's own referral history in plain words.

Views are thin: reads through dualcare.access and selectors, writes through services. A
service's refusal (ApplicationError) becomes a form error on the page; a move the viewer
may not make is a 403; a referral they may not read is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from directory import selectors as directory_selectors
from directory import signpost_views
from directory.models import Signpost
from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.paging import IdsFirst
from dualcare.people.decorators import staff_required

from . import pdf, selectors, services
from .forms import (
    AcceptForm,
    DeclineForm,
    HandoverForm,
    NoteForm,
    ReferralForm,
    ReferralListFilterForm,
    SendForm,
    WithdrawForm,
)
from .models import OPEN_STATES, Referral, State

# A page as the caseload's (people.selectors), with a search to find anyone further on (issue 15).
PAGE_SIZE = 25


STATE_TABS = [
    ("open", "Waiting for a decision"),
    *[(value, label) for value, label in State.choices if value != State.DRAFT],
    ("all", "All referrals"),
]
OUTBOX_TABS = [("all", "All referrals"), ("open", "Waiting for a decision"), *State.choices]


def _referral_list(request, *, template: str, tabs, default_state: str, listed) -> HttpResponse:
    """A referral list (inbox or outbox): its filters read through a form, so a bad state or team
    is a message at its field and the list shows what the valid filters ask for."""
    teams = list(access.referral_teams_of(request.user).order_by("name"))
    form = ReferralListFilterForm(request.GET, tabs=tabs, teams=teams)
    form.is_valid()
    state, team, search = form.chosen(default_state=default_state)
    referrals = listed(request.user, state=None if state == "all" else state, team=team, search=search)
    page = Paginator(IdsFirst(referrals, fetch=selectors.referrals_listed()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access.audit_list_read(request.user, page.object_list, action="referral.list")
    return render(
        request,
        template,
        {
            "page": page,
            "teams": teams,
            "team": team,
            "state": state,
            "tabs": tabs,
            "now": timezone.now(),
            "form": form,
            "searched": bool(search),
            "query": urlencode({"q": search}) if search else "",
        },
    )


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals sent to my teams: overdue first, then by when they are due."""
    return _referral_list(
        request,
        template="referrals/inbox.html",
        tabs=STATE_TABS,
        default_state="open",
        listed=selectors.team_inbox,
    )


@staff_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Referrals my teams have written or sent, newest first."""
    return _referral_list(
        request,
        template="referrals/outbox.html",
        tabs=OUTBOX_TABS,
        default_state="all",
        listed=selectors.team_outbox,
    )


@staff_required
def referral_create(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Write a referral for a person my team works with, and send it or keep it as a draft."""
    person = access.get_service_user_or_404(request.user, service_user_pk, action="referral.create_form")
    form = ReferralForm(
        request.POST if request.method == "POST" else None, user=request.user, service_user=person
    )
    if not form.referring_teams:
        raise PermissionDenied("Only staff of a team working with this person can refer them.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        send = request.POST.get("action") == "send"
        try:
            referral = services.referral_create(
                by=request.user,
                service_user=person,
                from_team=data.get("from_team"),
                to_team=data["to_team"],
                urgency=data["urgency"],
                reason=data["reason"],
                person_wants=data["person_wants"],
                mental_health_needs=data["mental_health_needs"],
                substance_use=data["substance_use"],
                risk_summary=data["risk_summary"],
                consent_confirmed=data["consent_confirmed"],
                send=send,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"Referral sent to {referral.to_team.name}."
                if send
                else "Referral saved as a draft. It has not been sent.",
            )
            return redirect("referrals:detail", pk=referral.pk)
    # Who each team takes (its directory entries), read before the referrer sends.
    criteria = directory_selectors.team_criteria(form.fields["to_team"].queryset.values_list("pk", flat=True))
    return render(request, "referrals/create.html", {"form": form, "person": person, "criteria": criteria})


def _actions(user, referral: Referral, sides: set[str]) -> dict[str, bool]:
    """The moves this viewer may make now: their side of the referral and its state both allow."""

    def may(action: str, to: str | None = None) -> bool:
        if not access.can_act_on_referral(user, referral, action, sides=sides):
            return False
        return to is None or referral.can_move_to(to)

    return {
        "send": may("send", State.SENT),
        "acknowledge": may("acknowledge", State.ACKNOWLEDGED),
        "accept": may("accept", State.ACCEPTED),
        "decline": may("decline", State.DECLINED),
        "withdraw": may("withdraw", State.WITHDRAWN),
        "close": may("close", State.CLOSED),
        "handover": may("handover") and referral.state == State.ACCEPTED,
        "note_pdf": may("note_pdf") and referral.state != State.DRAFT,
    }


def _detail_context(
    request, referral: Referral, *, error: str | None = None, send_form: SendForm | None = None
) -> dict:
    referral = selectors.referral_detail(referral)
    sides = access.referral_sides(request.user, referral)
    actions = _actions(request.user, referral, sides)
    # A draft's author may change it, delete it, and send it once it has an urgency and consent.
    actions["edit"] = actions["delete"] = referral.state == State.DRAFT and access.can_act_on_referral(
        request.user, referral, "edit", sides=sides
    )
    return {
        "referral": referral,
        "sides": sides,
        "actions": actions,
        "can_open_record": access.can_view_record(request.user, referral.service_user),
        "now": timezone.now(),
        "action_error": error,
        "send_form": send_form or SendForm(auto_id="send-%s", referral=referral),
        # Where a decline pointed the person, with each directory service's contact details: part of
        # the referral (rule 1, access.signposting), so both sides see it.
        "signposts": (
            list(
                signpost_views.with_services(Signpost.objects.filter(referral=referral)).order_by(
                    "created_at"
                )
            )
            if referral.state == State.DECLINED
            else []
        ),
        # Who the receiving team takes (its directory entries), shown before the referrer sends.
        "criteria": (
            directory_selectors.team_criteria([referral.to_team_id]).get(referral.to_team_id, [])
            if actions["send"]
            else []
        ),
    }


@staff_required
def referral_detail(request: HttpRequest, pk) -> HttpResponse:
    referral = selectors.referral_or_404(request.user, pk)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


def _refused(request, referral: Referral, error: ApplicationError) -> HttpResponse:
    """The detail page again, with the refusal shown as an error summary. Nothing has changed."""
    fresh = Referral.objects.get(pk=referral.pk)
    return render(
        request, "referrals/detail.html", _detail_context(request, fresh, error=error.message), status=400
    )


def _simple_move(service, success: str, **extra):
    @require_POST
    @staff_required
    def view(request: HttpRequest, pk) -> HttpResponse:
        referral = selectors.referral_or_404(request.user, pk, action="referral.act")
        note = NoteForm(request.POST)
        if not note.is_valid():
            return _refused(request, referral, ApplicationError(note.errors["note"][0], field="note"))
        try:
            service(referral=referral, by=request.user, note=note.cleaned_data["note"])
        except ApplicationError as error:
            return _refused(request, referral, error)
        messages.success(request, success)
        return redirect("referrals:detail", pk=referral.pk)

    return view


@require_POST
@staff_required
def referral_send(request: HttpRequest, pk) -> HttpResponse:
    referral = selectors.referral_or_404(request.user, pk, action="referral.act")
    form = SendForm(request.POST, auto_id="send-%s", referral=referral)
    if form.is_valid():
        try:
            services.referral_send(
                referral=referral,
                by=request.user,
                note=form.cleaned_data["note"],
                urgency=form.cleaned_data.get("urgency", ""),
                consent_confirmed=form.cleaned_data.get("consent_confirmed", False),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Referral sent.")
            return redirect("referrals:detail", pk=referral.pk)
    # The page again with the errors linked to their fields. Nothing has changed.
    fresh = Referral.objects.get(pk=referral.pk)
    return render(
        request, "referrals/detail.html", _detail_context(request, fresh, send_form=form), status=400
    )


def _draft_or_refuse(request, pk) -> Referral:
    referral = selectors.referral_or_404(request.user, pk, action="referral.act")
    if not access.can_act_on_referral(request.user, referral, "edit"):
        raise PermissionDenied("Only the team that wrote this referral can change it.")
    if referral.state != State.DRAFT:
        raise Http404("This referral has been sent, so it can no longer be changed.")
    return referral


@staff_required
def referral_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a draft: its team, urgency, contents and the person's consent; then send it or save it."""
    referral = _draft_or_refuse(request, pk)
    person = referral.service_user
    initial = {
        "to_team": referral.to_team_id,
        "urgency": referral.urgency,
        "consent_confirmed": referral.consent_confirmed,
        **{field: getattr(referral, field) for field in services.CONTENT_FIELDS},
    }
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        user=request.user,
        service_user=person,
        referral=referral,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        send = request.POST.get("action") == "send"
        try:
            referral = services.referral_update(
                referral=referral,
                by=request.user,
                to_team=data["to_team"],
                urgency=data["urgency"],
                consent_confirmed=data["consent_confirmed"],
                send=send,
                **{field: data[field] for field in services.CONTENT_FIELDS},
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"Referral sent to {referral.to_team.name}."
                if send
                else "Draft saved. It has not been sent.",
            )
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/edit.html", {"form": form, "person": person, "referral": referral})


@staff_required
def referral_delete(request: HttpRequest, pk) -> HttpResponse:
    """Delete a draft that was never sent (a sent referral is withdrawn instead)."""
    referral = _draft_or_refuse(request, pk)
    if request.method == "POST":
        try:
            services.referral_delete_draft(referral=referral, by=request.user)
        except ApplicationError as error:
            return _refused(request, referral, error)
        messages.success(request, "Draft deleted. It was never sent.")
        return redirect("referrals:outbox")
    return render(request, "referrals/delete.html", {"referral": referral})


referral_acknowledge = _simple_move(
    services.referral_acknowledge, "Referral acknowledged. The referrer has been told."
)
referral_close = _simple_move(services.referral_close, "Referral closed.")


def _form_move(request, pk, *, action: str, form_class, template: str, run, success: str, form_kwargs=None):
    referral = selectors.referral_or_404(request.user, pk, action="referral.act")
    if not access.can_act_on_referral(request.user, referral, action):
        raise PermissionDenied("You cannot do this to this referral.")
    form = form_class(
        request.POST if request.method == "POST" else None, **(form_kwargs(referral) if form_kwargs else {})
    )
    if request.method == "POST" and form.is_valid():
        try:
            run(referral, form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, success)
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, template, {"form": form, "referral": referral})


@staff_required
def referral_accept(request: HttpRequest, pk) -> HttpResponse:
    return _form_move(
        request,
        pk,
        action="accept",
        form_class=AcceptForm,
        form_kwargs=lambda referral: {"team": referral.to_team},
        template="referrals/accept.html",
        run=lambda referral, data: services.referral_accept(
            referral=referral, by=request.user, key_worker=data["key_worker"], note=data["note"]
        ),
        success="Referral accepted. Your team is now involved in their care.",
    )


@staff_required
def referral_decline(request: HttpRequest, pk) -> HttpResponse:
    return _form_move(
        request,
        pk,
        action="decline",
        form_class=DeclineForm,
        form_kwargs=lambda referral: {"search": request.GET.get("q") or request.POST.get("q", "")},
        template="referrals/decline.html",
        run=lambda referral, data: services.referral_decline(
            referral=referral,
            by=request.user,
            reason=data["reason"],
            signposting_service=data["signposting_service"],
            signposting_next_steps=data["signposting_next_steps"],
            directory_services=list(data["directory_services"]),
        ),
        success="Referral declined. The referrer has been told where to go instead.",
    )


@staff_required
def referral_withdraw(request: HttpRequest, pk) -> HttpResponse:
    return _form_move(
        request,
        pk,
        action="withdraw",
        form_class=WithdrawForm,
        template="referrals/withdraw.html",
        run=lambda referral, data: services.referral_withdraw(
            referral=referral, by=request.user, note=data["note"]
        ),
        success="Referral withdrawn. The receiving team has been told.",
    )


@staff_required
def handover_record(request: HttpRequest, pk) -> HttpResponse:
    def run(referral, data):
        attended = set(data["attended"])
        return services.handover_record(
            referral=referral,
            by=request.user,
            held_on=data["held_on"],
            agreed=data["agreed"],
            referrer_attended="referrer" in attended,
            receiver_attended="receiver" in attended,
            service_user_attended="service_user" in attended,
            others_attending=data["others_attending"],
        )

    return _form_move(
        request,
        pk,
        action="handover",
        form_class=HandoverForm,
        template="referrals/handover.html",
        run=run,
        success="Handover recorded.",
    )


@staff_required
def referral_note_pdf(request: HttpRequest, pk) -> HttpResponse:
    """The printable referral note for the receiving team (and the referrer's own copy)."""
    referral = selectors.referral_or_404(request.user, pk, action="referral.note_pdf")
    if referral.state == State.DRAFT:
        raise Http404("A draft has no referral note yet.")
    content = pdf.referral_note_pdf(selectors.referral_detail(referral))
    response = HttpResponse(content, content_type="application/pdf")
    # A neutral file name: no personal data in file names or URLs.
    response["Content-Disposition"] = 'attachment; filename="referral-note.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_referrals(request: HttpRequest) -> HttpResponse:
    """A service user's own referrals, in plain words."""
    person = access.service_user_of(request.user)
    if person is None:
        raise Http404("No such page.")
    referrals = selectors.referrals_for_service_user(request.user, person)
    audit_record(actor=request.user, action="referral.history_own", target=person)
    return render(
        request, "referrals/my_referrals.html", {"referrals": referrals, "open_states": OPEN_STATES}
    )
