"""Browser pages for people: caseloads, the record summary, consent, the person's and carer's own
pages, and organisation admin. Views are thin: reads through access.py and selectors.py, writes
through services.py; a service's ApplicationError becomes a form error on the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dualcare import access
from dualcare.accounts.invitations import staff_invitation_send
from dualcare.exceptions import ApplicationError
from dualcare.safety import selectors as safety_selectors

from . import carer_sharing, extensions, selectors, services
from .decorators import carer_required, service_user_required, staff_required
from .forms import (
    CarerScopesForm,
    CaseloadFilterForm,
    ConsentRecordForm,
    ConsentWithdrawForm,
    InvolvementEndForm,
    PeopleSearchForm,
    ServiceUserRegisterForm,
    StaffCreateForm,
    StaffRoleAddForm,
    TeamForm,
)
from .models import Carer, CarerPermission, Consent, Involvement, Organisation, StaffRole, Team, User

Role = StaffRole.Role
REGISTERING_ROLES = {Role.KEY_WORKER, Role.LINK_WORKER}
PAGE_SIZE = selectors.CASELOAD_PAGE_SIZE


# ---------------------------------------------------------------------------
# Home: send each person to their own start page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.kind == User.Kind.SERVICE_USER:
        return redirect("my_home")
    if user.kind == User.Kind.CARER:
        return redirect("carer_home")
    held = set(access.active_roles(user).values_list("role", flat=True))
    if held & access.CLINICAL_ROLES:
        return redirect("caseload")
    if Role.PHARMACIST in held:
        return redirect("pharmacy_list")
    if Role.ORG_ADMIN in held:
        return redirect("organisation_home")
    return render(request, "people/no_role.html")


# ---------------------------------------------------------------------------
# Staff lists


@staff_required
def caseload(request: HttpRequest) -> HttpResponse:
    """A page of my caseload, searched and filtered. A key worker opens on the people they are
    key worker for (when they have any), a team manager can list their organisation's people."""
    if not access.has_role(request.user, *access.CLINICAL_ROLES):
        raise PermissionDenied("Caseloads are for key workers, link workers and team managers.")
    teams = list(access.teams_of(request.user).order_by("name"))
    data = request.GET.copy()
    if data.get("mine") == "1" and not data.get("show"):  # the earlier "only mine" link
        data["show"] = selectors.Show.MINE
    if not data.get("show"):
        own = selectors.has_own_caseload(request.user)
        data["show"] = selectors.Show.MINE if own else selectors.Show.TEAMS
    form = CaseloadFilterForm(
        data,
        teams=teams,
        organisation_wide=access.has_role(request.user, Role.TEAM_MANAGER),
        quadrants=extensions.quadrant_choices(),
    )
    form.is_valid()
    wanted = form.caseload_filter(default_show=selectors.Show.TEAMS)
    page = selectors.caseload_page(
        request.user, wanted, request.GET.get("page"), my_team_ids={team.pk for team in teams}
    )
    # One audit row per person on the page shown (rule 6), none for those the filters left out.
    access.audit_list_read(request.user, [row.person for row in page.object_list], action="caseload.list")
    return render(
        request,
        "people/caseload.html",
        {
            "form": form,
            "page": page,
            "rows": page.object_list,
            "wanted": wanted,
            "query": form.query_string(),
            "filtered": bool(wanted.search or wanted.quadrant or wanted.review_overdue)
            or bool(wanted.measure_overdue or wanted.not_seen_days or wanted.team),
        },
    )


@staff_required
def pharmacy_list(request: HttpRequest) -> HttpResponse:
    if not access.has_role(request.user, Role.PHARMACIST):
        raise PermissionDenied("This list is for pharmacists.")
    form = PeopleSearchForm(request.GET)
    form.is_valid()
    search = form.cleaned_data.get("q") or ""
    page = Paginator(selectors.pharmacy_people(request.user, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access.audit_list_read(request.user, page.object_list, action="pharmacy.list")
    flags = safety_selectors.flags_active_for_people(request.user, [person.pk for person in page.object_list])
    for person in page.object_list:
        person.safety_flags = flags.get(person.pk, [])
    return render(
        request,
        "people/pharmacy_list.html",
        {"page": page, "people": page.object_list, "form": form, "query": form.query_string()},
    )


# ---------------------------------------------------------------------------
# The record summary and what staff do on it


def _acting_team(user: User, service_user) -> Team | None:
    return access.acting_team(user, service_user)


def _team_or_403(user: User, service_user) -> Team:
    return access.ensure_can_act_for(user, service_user)  # 404 unseen, 403 seen but not involved


@login_required
def service_user_detail(request: HttpRequest, pk) -> HttpResponse:
    own = access.service_user_of(request.user)
    if own is not None and own.pk == pk:
        return redirect("my_home")
    # The summary and every capability's section ask what this viewer may see of the person:
    # decided once for the whole page (its permission rows read once), not once per section.
    with access.record_checks_once():
        service_user = access.get_service_user_or_404(request.user, pk)
        my_teams = set(
            access.teams_of(request.user, roles=access.CLINICAL_ROLES).values_list("pk", flat=True)
        )
        summary = selectors.person_summary(service_user, viewer=request.user)
        return render(
            request,
            "people/service_user_detail.html",
            {
                "safety_flags": safety_selectors.flags_active(request.user, service_user),
                # A clinical role in force and sight of the record: access.safety_can_view_risk, known here.
                "sees_risk": bool(my_teams),
                "summary": summary,
                "person": service_user,
                "acting_team": _acting_team(request.user, service_user),
                "my_team_ids": my_teams,
            },
        )


@staff_required
def consent_record(request: HttpRequest, pk) -> HttpResponse:
    service_user = access.get_service_user_or_404(request.user, pk)
    _team_or_403(request.user, service_user)
    form = ConsentRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.consent_record(
                service_user=service_user,
                organisation=form.cleaned_data["organisation"],
                scope=form.cleaned_data["scope"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, f"Consent recorded: {consent.get_scope_display()} to {consent.organisation}."
            )
            return redirect("service_user_detail", pk=service_user.pk)
    return render(request, "people/consent_form.html", {"form": form, "person": service_user})


@staff_required
def consent_withdraw(request: HttpRequest, pk, consent_pk) -> HttpResponse:
    service_user = access.get_service_user_or_404(request.user, pk)
    _team_or_403(request.user, service_user)
    consent = get_object_or_404(
        Consent.objects.select_related("organisation"), pk=consent_pk, service_user=service_user
    )
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(consent=consent, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, f"Consent withdrawn: {consent.get_scope_display()} to {consent.organisation}."
            )
            return redirect("service_user_detail", pk=service_user.pk)
    return render(
        request, "people/consent_withdraw.html", {"form": form, "person": service_user, "consent": consent}
    )


@staff_required
def involvement_end(request: HttpRequest, pk, involvement_pk) -> HttpResponse:
    service_user = access.get_service_user_or_404(request.user, pk)
    _team_or_403(request.user, service_user)
    # Only an involvement of one of my own teams: nobody ends another team's part.
    involvement = get_object_or_404(
        Involvement.objects.select_related("team__organisation"),
        pk=involvement_pk,
        service_user=service_user,
        end__isnull=True,
        team__in=access.teams_of(request.user, roles=access.CLINICAL_ROLES).values("pk"),
    )
    form = InvolvementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ended = services.involvement_end(
                involvement=involvement, reason=form.cleaned_data["reason"], by=request.user
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            next_step = extensions.exit_measure_url(request.user, ended)
            if next_step:
                messages.success(
                    request,
                    f"{involvement.team}'s involvement has ended. Record the exit measure now, "
                    "or later from your list of outcome measures due.",
                )
                return redirect(next_step)
            messages.success(request, f"{involvement.team}'s involvement has ended.")
            # The person may now be out of sight: go back to the caseload, not their record.
            return redirect("caseload")
    return render(
        request,
        "people/involvement_end.html",
        {"form": form, "person": service_user, "involvement": involvement},
    )


@staff_required
def service_user_register(request: HttpRequest) -> HttpResponse:
    teams = access.teams_of(request.user, roles=REGISTERING_ROLES).order_by("name")
    if not teams.exists():
        raise PermissionDenied("Only key workers and link workers register people.")
    form = ServiceUserRegisterForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_user = services.service_user_register(
                team=data["team"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data["date_of_birth"],
                nhs_number=data["nhs_number"],
                key_worker=request.user,
                by=request.user,
                preferred_name=data["preferred_name"].strip(),
                phone=data["phone"].strip(),
                email=data["email"],
                preferred_contact_method=data["preferred_contact_method"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"{service_user.full_name} is registered, with you as key worker.")
            return redirect("service_user_detail", pk=service_user.pk)
    return render(request, "people/register.html", {"form": form})


# ---------------------------------------------------------------------------
# The person's own pages


def _own_record(request: HttpRequest):
    service_user = access.service_user_of(request.user)
    if service_user is None:
        raise Http404("No record is linked to this login.")
    return service_user


@service_user_required
def my_home(request: HttpRequest) -> HttpResponse:
    service_user = _own_record(request)
    return render(
        request,
        "people/my_home.html",
        {"person": service_user, "care_team": selectors.care_team_of(service_user)},
    )


@service_user_required
def my_record_views(request: HttpRequest) -> HttpResponse:
    service_user = _own_record(request)
    page = Paginator(selectors.record_views(service_user), 25).get_page(request.GET.get("page"))
    page.object_list = selectors.record_visits_described(service_user, page.object_list)
    return render(request, "people/my_record_views.html", {"page": page})


@service_user_required
def my_carers(request: HttpRequest) -> HttpResponse:
    service_user = _own_record(request)
    carers = list(
        Carer.objects.filter(service_user=service_user, ended_at__isnull=True)
        .select_related("user")
        .order_by("created_at")
    )
    granted: dict = {carer.pk: set() for carer in carers}
    for carer_id, scope in CarerPermission.objects.filter(
        carer__in=carers, revoked_at__isnull=True
    ).values_list("carer_id", "scope"):
        granted[carer_id].add(scope)

    forms = []
    for carer in carers:
        bound = request.method == "POST" and request.POST.get("carer") == str(carer.pk)
        form = CarerScopesForm(
            request.POST if bound else None,
            prefix=str(carer.pk),
            initial={"scopes": sorted(granted[carer.pk])},
        )
        if bound and form.is_valid():
            wanted = set(form.cleaned_data["scopes"])
            try:
                with transaction.atomic():
                    for scope in sorted(wanted - granted[carer.pk]):
                        services.carer_permission_grant(carer=carer, scope=scope, by=request.user)
                    for scope in sorted(granted[carer.pk] - wanted):
                        services.carer_permission_revoke(carer=carer, scope=scope, by=request.user)
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(
                    request,
                    _("Saved. We have updated what %(name)s can see.") % {"name": carer.display_name},
                )
                return redirect("my_carers")
        forms.append((carer, form))
    return render(request, "people/my_carers.html", {"carer_forms": forms})


@carer_required
def carer_home(request: HttpRequest) -> HttpResponse:
    # A carer supports one or two people: one access check per person is bounded.
    people = [
        (person, carer_sharing.carer_links(access.carer_scopes(request.user, person), person))
        for person in access.cared_for_by(request.user).order_by("given_name", "family_name")
    ]
    # Each person's carer link: the carer's own page of their needs (issue 20, the carers app).
    own_links = dict(
        Carer.objects.filter(
            user=request.user, ended_at__isnull=True, service_user__in=[person for person, _ in people]
        ).values_list("service_user_id", "pk")
    )
    access.audit_list_read(request.user, [person for person, _ in people], action="carer_home.list")
    return render(request, "people/carer_home.html", {"people": people, "own_links": own_links})


# ---------------------------------------------------------------------------
# Organisation admin: their own organisation's teams and staff only


def _administered(request: HttpRequest):
    organisations = access.organisations_administered_by(request.user)
    if not organisations.exists():
        raise PermissionDenied("These pages are for organisation admins.")
    return organisations


def _organisation_or_404(request: HttpRequest, organisation_pk) -> Organisation:
    return get_object_or_404(_administered(request), pk=organisation_pk)


@staff_required
def organisation_home(request: HttpRequest) -> HttpResponse:
    organisations = list(_administered(request))
    if len(organisations) == 1:
        return redirect("organisation_detail", organisation_pk=organisations[0].pk)
    return render(request, "organisation/choose.html", {"organisations": organisations})


@staff_required
def organisation_detail(request: HttpRequest, organisation_pk) -> HttpResponse:
    organisation = _organisation_or_404(request, organisation_pk)
    staff = selectors.org_staff(organisation)
    invitations = selectors.staff_latest_invitations(staff_user.pk for staff_user, _ in staff)
    return render(
        request,
        "organisation/detail.html",
        {
            "organisation": organisation,
            "teams": selectors.org_teams(organisation),
            "staff": [(staff_user, roles, invitations.get(staff_user.pk)) for staff_user, roles in staff],
        },
    )


@staff_required
def team_create(request: HttpRequest, organisation_pk) -> HttpResponse:
    organisation = _organisation_or_404(request, organisation_pk)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(organisation=organisation, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Team added: {team.name}.")
            return redirect("organisation_detail", organisation_pk=organisation.pk)
    return render(request, "organisation/team_form.html", {"form": form, "organisation": organisation})


@staff_required
def team_edit(request: HttpRequest, team_pk) -> HttpResponse:
    team = get_object_or_404(
        Team.objects.select_related("organisation"), pk=team_pk, organisation__in=_administered(request)
    )
    initial = {name: getattr(team, name) for name in TeamForm.base_fields}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if value != initial[name]}
        try:
            if changes:
                services.team_update(team=team, by=request.user, **changes)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"Team saved: {team.name}.")
            return redirect("organisation_detail", organisation_pk=team.organisation_id)
    return render(
        request,
        "organisation/team_form.html",
        {"form": form, "organisation": team.organisation, "team": team},
    )


@staff_required
def staff_create(request: HttpRequest, organisation_pk) -> HttpResponse:
    organisation = _organisation_or_404(request, organisation_pk)
    teams = Team.objects.filter(organisation=organisation, is_active=True).order_by("name")
    form = StaffCreateForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            # No password: they are emailed an invitation to choose their own.
            staff_user = services.staff_user_create(by=request.user, password=None, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                f"{staff_user.display_name} has been added and emailed an invitation to choose their "
                "password. You can send it again from their page.",
            )
            return redirect("staff_detail", user_pk=staff_user.pk)
    return render(request, "organisation/staff_form.html", {"form": form, "organisation": organisation})


def _staff_member_or_404(request: HttpRequest, user_pk) -> tuple[User, Organisation]:
    organisations = _administered(request)
    role = (
        StaffRole.objects.filter(user_id=user_pk, team__organisation__in=organisations)
        .select_related("user", "team__organisation")
        .first()
    )
    if role is None:
        raise Http404("No such staff member.")
    return role.user, role.team.organisation


@staff_required
def staff_detail(request: HttpRequest, user_pk) -> HttpResponse:
    staff_user, organisation = _staff_member_or_404(request, user_pk)
    roles = (
        StaffRole.objects.filter(user=staff_user, team__organisation=organisation)
        .select_related("team")
        .order_by("team__name", "role", "start")
    )
    teams = Team.objects.filter(organisation=organisation, is_active=True).order_by("name")
    form = StaffRoleAddForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_role_add(user=staff_user, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Role added.")
            return redirect("staff_detail", user_pk=staff_user.pk)
    return render(
        request,
        "organisation/staff_detail.html",
        {
            "staff_user": staff_user,
            "organisation": organisation,
            "roles": roles,
            "form": form,
            "invitation": selectors.staff_latest_invitations([staff_user.pk]).get(staff_user.pk),
        },
    )


@staff_required
@require_POST
def staff_invitation_resend(request: HttpRequest, user_pk) -> HttpResponse:
    """Send a staff member's invitation again: a new link, and the earlier one stops working."""
    staff_user, organisation = _staff_member_or_404(request, user_pk)
    try:
        staff_invitation_send(user=staff_user, organisation=organisation, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Invitation sent again. The link in any earlier invitation no longer works."
        )
    return redirect("staff_detail", user_pk=staff_user.pk)


@staff_required
@require_POST
def staff_role_end(request: HttpRequest, role_pk) -> HttpResponse:
    role = get_object_or_404(
        StaffRole.objects.select_related("team__organisation", "user"),
        pk=role_pk,
        team__organisation__in=_administered(request),
    )
    try:
        services.staff_role_end(staff_role=role, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Role ended: {role}.")
    return redirect("staff_detail", user_pk=role.user_id)
