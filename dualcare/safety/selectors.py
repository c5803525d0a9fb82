"""Reads of risk assessments and safety flags, already filtered by access.safety."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import Lag

from dualcare import access
from dualcare.people.models import ServiceUser, User

from .models import DomainRating, FlagEvent, RemovalRequest, RiskAssessment, SafetyFlag

RISK_PAGE_SIZE = 25
FLAGS_PAGE_SIZE = 25


def risk_assessments_visible_to(
    viewer: User, service_user: ServiceUser | None = None
) -> QuerySet[RiskAssessment]:
    return access.safety_risk_filter(viewer, RiskAssessment.objects.all(), service_user=service_user)


def risk_history(
    viewer: User, service_user: ServiceUser, *, domain: str = "", search: str = ""
) -> QuerySet[DomainRating]:
    """Each domain's ratings the viewer may see, newest first, across organisations, each with the
    level the same domain had at the viewer's previous visible rating (`previous_level`): a
    change is where the two differ. With a search the rows are those matching it, and the
    previous level that of the previous matching row, so the page marks no change then."""
    ratings = access.safety_risk_filter(viewer, DomainRating.objects.all(), service_user=service_user)
    if domain:
        ratings = ratings.filter(domain=domain)
    if search:
        ratings = ratings.filter(
            Q(evidence__icontains=search) | Q(plan__icontains=search) | Q(worse_or_better__icontains=search)
        )
    return (
        ratings.select_related("organisation", "assessment__assessed_by", "assessment__team")
        .annotate(
            previous_level=Window(
                Lag("level"),
                partition_by=[F("domain")],
                order_by=[F("assessed_on").asc(), F("created_at").asc()],
            )
        )
        .order_by("-assessed_on", "-created_at", "domain")
    )


def risk_history_page(
    viewer: User, service_user: ServiceUser, *, domain: str = "", search: str = "", page_number=None
) -> Page:
    return Paginator(
        risk_history(viewer, service_user, domain=domain, search=search), RISK_PAGE_SIZE
    ).get_page(page_number)


def flags_visible_to(viewer: User, service_user: ServiceUser | None = None) -> QuerySet[SafetyFlag]:
    return access.safety_flags_filter(viewer, SafetyFlag.objects.all(), service_user=service_user)


def flags_active(viewer: User, service_user: ServiceUser) -> list[SafetyFlag]:
    """The person's active flags the viewer may see, the newest first (the top of the record)."""
    return list(
        flags_visible_to(viewer, service_user)
        .filter(status=SafetyFlag.Status.ACTIVE)
        .select_related("organisation")
        .order_by("-starts_on", "-created_at")[:20]
    )


def flags_active_for_people(viewer: User, service_user_ids) -> dict:
    """{person id: [active flags the viewer may see]} for a page of people, in one query."""
    ids = list(service_user_ids)
    if not ids:
        return {}
    flags = (
        access.safety_flags_filter(viewer, SafetyFlag.objects.filter(service_user_id__in=ids))
        .filter(status=SafetyFlag.Status.ACTIVE)
        .select_related("organisation")
        .order_by("-starts_on", "-created_at")
    )
    found: dict = {}
    for flag in flags:
        found.setdefault(flag.service_user_id, []).append(flag)
    return found


def flags_page(viewer: User, service_user: ServiceUser, *, show: str = "", page_number=None) -> Page:
    """The person's flags, active first then removed, newest first; `show` = active or removed."""
    flags = flags_visible_to(viewer, service_user).select_related("organisation", "raised_by")
    if show in SafetyFlag.Status.values:
        flags = flags.filter(status=show)
    return Paginator(flags.order_by("status", "-starts_on", "-created_at"), FLAGS_PAGE_SIZE).get_page(
        page_number
    )


def flag_events(viewer: User, flag: SafetyFlag) -> list[FlagEvent]:
    return list(
        access.safety_flags_filter(viewer, FlagEvent.objects.filter(flag=flag))
        .select_related("by")
        .order_by("created_at")[:100]
    )


def flag_pending_removal(viewer: User, flag: SafetyFlag) -> RemovalRequest | None:
    return (
        access.safety_flags_filter(viewer, RemovalRequest.objects.filter(flag=flag))
        .filter(state=RemovalRequest.State.PENDING)
        .select_related("requested_by")
        .first()
    )
