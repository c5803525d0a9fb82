"""Provider handover pages (issue 21 item 5): list, propose, the handover with its dry run, the
people's consent choices, agreeing, and the report (page and CSV) of what moved. For the admins of
the two organisations only (access.handovers); everyone else gets a 404. Thin: every write is a
service in dualcare.people.handover."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dualcare import access, limits
from dualcare.audit.services import audit_reads
from dualcare.exceptions import ApplicationError
from dualcare.paging import IdsFirst

from . import handover
from .decorators import staff_required
from .forms import DatePartsField, NHSForm
from .handover_models import Handover, HandoverMove, HandoverPerson
from .models import Involvement, Organisation, ServiceUser, Team

PAGE_SIZE = 25


class HandoverSearchForm(NHSForm):
    q = limits.text(what="the search", max_length=limits.NAME, required=False, label="Name")

    def __init__(self, *args, label: str = "Name", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = label


class HandoverProposeForm(NHSForm):
    from_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation handing over",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation whose care passes on."},
    )
    to_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="Organisation taking over",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation taking the care on."},
    )
    on = DatePartsField(
        label="Handover date",
        help_text="The first day the new organisation provides the care. For example, 1 4 2027",
        label_for_errors="the handover date",
        window=limits.TARGET,
    )

    def __init__(self, *args, administered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_organisation"].queryset = administered


class HandoverTeamForm(NHSForm):
    from_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team handing over",
        empty_label="Choose a team",
        error_messages={"required": "Choose the team whose people pass on."},
    )
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team taking over",
        empty_label="Choose a team",
        error_messages={"required": "Choose the team that takes them on."},
    )

    def __init__(self, *args, handover: Handover, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_team"].queryset = Team.objects.filter(organisation_id=handover.from_organisation_id)
        self.fields["to_team"].queryset = Team.objects.filter(
            organisation_id=handover.to_organisation_id, is_active=True
        )


class ConsentChoiceForm(NHSForm):
    consent_choice = forms.ChoiceField(
        choices=HandoverPerson.ConsentChoice.choices,
        widget=forms.RadioSelect,
        label="What did the person choose for their consents?",
        error_messages={"required": "Choose what the person wants done with their consents."},
    )


def _page(request: HttpRequest, rows) -> object:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@staff_required
def handover_list(request: HttpRequest) -> HttpResponse:
    orgs = access.handovers_administered_organisation_ids(request.user)
    if not orgs:
        raise access.Hidden("No such page.")
    form = HandoverSearchForm(request.GET or None, label="Organisation")
    rows = access.handovers_visible_to(request.user)
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        rows = rows.filter(Q(from_organisation__name__icontains=q) | Q(to_organisation__name__icontains=q))
    fetch = Handover.objects.select_related("from_organisation", "to_organisation")
    page = _page(request, IdsFirst(rows.order_by("-on", "-created_at"), fetch=fetch))
    return render(
        request,
        "handover/list.html",
        {"page": page, "form": form, "query": form.query_string() if form.is_bound else ""},
    )


@staff_required
def handover_propose(request: HttpRequest) -> HttpResponse:
    orgs = access.handovers_administered_organisation_ids(request.user)
    if not orgs:
        raise access.Hidden("No such page.")
    form = HandoverProposeForm(request.POST or None, administered=Organisation.objects.filter(pk__in=orgs))
    if request.method == "POST" and form.is_valid():
        try:
            created = handover.handover_propose(by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Handover proposed. Now add the teams that pass on.")
            return redirect("handover_detail", pk=created.pk)
    return render(request, "handover/propose.html", {"form": form})


def _people_rows(found: Handover, form: HandoverSearchForm):
    """The handover's people: once carried out, those it moved; before, those it would move."""
    if found.state == Handover.State.DONE:
        rows = ServiceUser.objects.filter(pk__in=found.people.values("service_user_id"))
    else:
        teams = found.teams.values("from_team_id")
        rows = ServiceUser.objects.filter(
            pk__in=Involvement.objects.filter(team_id__in=teams, end__isnull=True).values("service_user_id")
        )
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        rows = rows.filter(Q(family_name__icontains=q) | Q(given_name__icontains=q))
    return rows.order_by("family_name", "given_name", "pk")


def _audit_people(request, found: Handover, people, action: str) -> None:
    audit_reads(
        actor=request.user,
        action=action,
        target_type="people.handover",
        read={person.pk: 1 for person in people},
        organisations={None: found.to_organisation_id},
    )


@staff_required
def handover_detail(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    form = HandoverSearchForm(request.GET or None)
    page = _page(request, IdsFirst(_people_rows(found, form)))
    choices = dict(
        found.people.filter(service_user_id__in=[p.pk for p in page]).values_list(
            "service_user_id", "consent_choice"
        )
    )
    people = [(person, choices.get(person.pk, HandoverPerson.ConsentChoice.REASK)) for person in page]
    _audit_people(request, found, page, "handover.people_view")
    sides = access.handovers_sides_of(request.user, found)
    agreed_sides = {side for side in ("from", "to") if getattr(found, f"{side}_agreed_by_id")}
    return render(
        request,
        "handover/detail.html",
        {
            "handover": found,
            "teams": found.teams.select_related("from_team", "to_team"),
            "dry_run": handover.handover_dry_run(found) if found.state != Handover.State.DONE else None,
            "page": page,
            "people": people,
            "form": form,
            "query": form.query_string() if form.is_bound else "",
            "team_form": HandoverTeamForm(handover=found),
            "can_agree": found.state == Handover.State.PROPOSED
            and bool(sides - agreed_sides)
            and request.user.pk not in (found.from_agreed_by_id, found.to_agreed_by_id),
            "choice_words": dict(HandoverPerson.ConsentChoice.choices),
        },
    )


@staff_required
@require_POST
def handover_team_add(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    form = HandoverTeamForm(request.POST, handover=found)
    if form.is_valid():
        try:
            handover.handover_team_add(handover=found, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Team added to the handover.")
            return redirect("handover_detail", pk=found.pk)
    return render(request, "handover/team_form.html", {"handover": found, "form": form}, status=400)


@staff_required
def handover_person_choice(request: HttpRequest, pk, person_pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    person = _people_rows(found, HandoverSearchForm()).filter(pk=person_pk).first()
    if person is None:
        raise access.Hidden("No such person in this handover.")
    _audit_people(request, found, [person], "handover.person_view")
    current = found.people.filter(service_user=person).values_list("consent_choice", flat=True).first()
    form = ConsentChoiceForm(request.POST or None, initial={"consent_choice": current or "reask"})
    if request.method == "POST" and form.is_valid():
        try:
            handover.handover_consent_choose(
                handover=found,
                service_user=person,
                choice=form.cleaned_data["consent_choice"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Their choice is recorded.")
            return redirect("handover_detail", pk=found.pk)
    return render(request, "handover/choice.html", {"handover": found, "person": person, "form": form})


@staff_required
@require_POST
def handover_agree(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    try:
        found = handover.handover_agree(handover=found, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You agreed the handover. It is now: {found.get_state_display().lower()}.")
    return redirect("handover_detail", pk=found.pk)


@staff_required
@require_POST
def handover_cancel(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    try:
        handover.handover_cancel(handover=found, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Handover cancelled.")
    return redirect("handover_detail", pk=found.pk)


def _moves(found: Handover, form: HandoverSearchForm):
    rows = HandoverMove.objects.filter(handover=found)
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        rows = rows.filter(
            Q(service_user__family_name__icontains=q) | Q(service_user__given_name__icontains=q)
        )
    return rows.order_by("service_user__family_name", "service_user__given_name", "kind", "id")


@staff_required
def handover_report(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    form = HandoverSearchForm(request.GET or None)
    fetch = HandoverMove.objects.select_related("service_user")
    page = _page(request, IdsFirst(_moves(found, form), fetch=fetch))
    _audit_people(request, found, {move.service_user for move in page}, "handover.report_view")
    totals = [(handover.kind_words(kind), how, total) for kind, how, total in _totals(found)]
    return render(
        request,
        "handover/report.html",
        {
            "handover": found,
            "page": page,
            "rows": [(move, handover.kind_words(move.kind)) for move in page],
            "totals": totals,
            "form": form,
            "query": form.query_string() if form.is_bound else "",
        },
    )


def _totals(found: Handover) -> list:
    from django.db.models import Sum

    return list(
        HandoverMove.objects.filter(handover=found)
        .order_by("kind", "how")
        .values_list("kind", "how")
        .annotate(total=Sum("count"))
    )


class _Echo:
    def write(self, value):
        return value


@staff_required
def handover_report_csv(request: HttpRequest, pk) -> HttpResponse:
    found = access.handovers_get_or_404(request.user, pk)
    moves = list(_moves(found, HandoverSearchForm()).select_related("service_user"))
    _audit_people(request, found, {move.service_user for move in moves}, "handover.report_csv")
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(["NHS number", "Family name", "Given name", "Record", "What happened", "Count"])
        for move in moves:
            person = move.service_user
            yield writer.writerow(
                [
                    person.nhs_number,
                    _safe(person.family_name),
                    _safe(person.given_name),
                    handover.kind_words(move.kind),
                    move.get_how_display(),
                    move.count,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="handover-report.csv"'
    return response


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
