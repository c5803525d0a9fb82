"""Signposting pages (issue 18 item 4): a team's follow-ups (due, or all), one signpost with its
follow-up form, a person's signposting (from their record), and the person's own page in their
portal ("Where you were pointed"), with each service's contact details.

Views are thin: reads through the selectors below (access.signposts_visible_to), writes through
directory.signposting. Every page that shows a person is audited; so is every refusal.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dualcare import access, clock, limits
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.people.decorators import login_and_404_unless, service_user_required

from . import signposting
from .models import Location, Service, Signpost, SignpostFollowUp, SignpostService
from .signpost_forms import FollowUpForm

PAGE_SIZE = 25
# The person's own page shows their latest signposting, not years of it.
MINE_SHOWN = 10

follow_up_staff_required = login_and_404_unless(lambda user: access.signposts_follow_up_teams(user).exists())


def with_services(signposts: QuerySet) -> QuerySet:
    """Signposts with their services, each service's provider and places (three queries more)."""
    return signposts.select_related("team__organisation", "referral").prefetch_related(
        Prefetch(
            "picks",
            queryset=SignpostService.objects.select_related("service__provider").prefetch_related(
                Prefetch("service__locations", queryset=Location.objects.order_by("name", "address"))
            ),
        ),
    )


def signposts_of_teams(user, *, due_only: bool, search: str) -> QuerySet:
    """The signposts of the user's clinical teams that the user may see (`due_only`: whose
    follow-up is not recorded yet), the soonest due first."""
    rows = access.signposts_visible_to(user, Signpost.objects.all()).filter(
        team__in=access.signposts_follow_up_teams(user).values("pk")
    )
    if due_only:
        rows = rows.filter(followed_up_at__isnull=True)
    if search:
        words = search.lower()
        named = SignpostService.objects.filter(service__search_text__contains=words).values("signpost_id")
        rows = rows.filter(
            Q(other__icontains=search)
            | Q(pk__in=named)
            | Q(service_user__given_name__icontains=search)
            | Q(service_user__family_name__icontains=search)
        )
    return (
        rows.select_related("service_user", "team")
        .prefetch_related(Prefetch("picks", queryset=SignpostService.objects.select_related("service")))
        .order_by("follow_up_due", "-created_at")
    )


@follow_up_staff_required
def signposts_due(request: HttpRequest) -> HttpResponse:
    """Your teams' signposting and whether each person got there: those not recorded yet (the
    soonest due first), or all."""
    search = (request.GET.get("q") or "").strip()[: limits.SHORT_TEXT]
    due_only = request.GET.get("show") != "all"
    page = Paginator(signposts_of_teams(request.user, due_only=due_only, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access.audit_list_read(request.user, page.object_list, action="signposts.list")
    query = "&".join(
        part for part in [f"q={search}" if search else "", "" if due_only else "show=all"] if part
    )
    return render(
        request,
        "directory/signposts/due.html",
        {
            "page": page,
            "signposts": page.object_list,
            "search": search,
            "due_only": due_only,
            "query": query,
            "today": clock.today(),
        },
    )


def _visible_or_404(request: HttpRequest, pk) -> Signpost:
    visible = with_services(access.signposts_visible_to(request.user, Signpost.objects.all()))
    return access.get_record_or_404(
        request.user, visible, pk, action="signpost.view", not_found="No such signposting."
    )


@login_and_404_unless(access.is_active_staff)
def signpost_follow_up(request: HttpRequest, pk) -> HttpResponse:
    """One signpost, its follow-ups so far, and (for the signposting team) the form to add one."""
    signpost = _visible_or_404(request, pk)
    may_record = access.signposts_can_follow_up(request.user, signpost)
    if request.method == "POST" and not may_record:
        audit_record(
            actor=request.user,
            action="signpost.follow_up",
            target=signpost,
            denied=True,
            service_user=signpost.service_user,
        )
        raise access.Refused("Only the team that signposted the person records the follow-up.")
    form = FollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            signposting.signpost_follow_up_record(
                signpost=signpost,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            flash.success(request, "Follow-up recorded.")
            return redirect("directory:signposts_due")
    audit_record(
        actor=request.user, action="signpost.view", target=signpost, service_user=signpost.service_user
    )
    follow_ups = list(SignpostFollowUp.objects.filter(signpost=signpost).select_related("by"))
    return render(
        request,
        "directory/signposts/follow_up.html",
        {"signpost": signpost, "form": form, "may_record": may_record, "follow_ups": follow_ups},
        status=400 if form.errors else 200,
    )


@login_and_404_unless(access.is_active_staff)
def signposts_for_person(request: HttpRequest, service_user_pk) -> HttpResponse:
    """Where the person has been pointed, as far as this viewer may see (from their record)."""
    person = access.get_service_user_or_404(request.user, service_user_pk, action="signposts.person")
    rows = with_services(
        access.signposts_visible_to(request.user, Signpost.objects.all(), service_user=person)
    )
    page = Paginator(rows.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/signposts/for_person.html",
        {"person": person, "page": page, "signposts": page.object_list},
    )


@service_user_required
def my_signposting(request: HttpRequest) -> HttpResponse:
    """The person's own: where their care team pointed them, and how to get there."""
    person = access.service_user_of(request.user)
    if person is None:
        raise Http404("No record is linked to this login.")
    rows = with_services(
        access.signposts_visible_to(request.user, Signpost.objects.all(), service_user=person)
    )
    signposts = list(rows.order_by("-created_at")[:MINE_SHOWN])
    audit_record(actor=request.user, action="signposts.mine", service_user=person)
    return render(
        request,
        "directory/signposts/mine.html",
        {"signposts": signposts, "open_statuses": [Service.Status.ACTIVE], "portal": True},
    )
