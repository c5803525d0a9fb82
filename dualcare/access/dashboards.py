"""Dashboards: which team's or organisation's dashboard a manager may open.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from dualcare.people.models import (
    Organisation,
    StaffRole,
    Team,
    User,
)

from .denials import Hidden
from .roles import is_active_staff, roles_in_force

# ---------------------------------------------------------------------------
# Dashboards (dualcare/dashboards/)
#
# Rule 3: a team manager (role in force) sees the dashboards of their own organisation and of
# each of its teams, and annotates them or recalculates their limits; another organisation's
# dashboards are a 404. The locality view (de-identified aggregates, small numbers suppressed)
# is open to the team managers of every participating organisation: one with a team that works
# with service users. Other staff get a 403 (they may know dashboards exist); service users and
# carers a 404. Dashboards hold aggregates only, so reading them writes no audit row.


def dashboards_managed_organisation_ids(user: User) -> set:
    """Organisations in which the user is a team manager today (one query)."""
    if not is_active_staff(user):
        return set()
    return set(
        roles_in_force(user=user, role=StaffRole.Role.TEAM_MANAGER).values_list(
            "team__organisation_id", flat=True
        )
    )


def dashboards_participating_organisations() -> QuerySet[Organisation]:
    """Organisations taking part in the locality: those with a team that works with service users."""
    return Organisation.objects.filter(
        Exists(Team.objects.filter(organisation=OuterRef("pk"), works_with_people=True))
    ).order_by("name")


def dashboards_can_view_locality(user: User, managed_ids: set | None = None) -> bool:
    managed = dashboards_managed_organisation_ids(user) if managed_ids is None else managed_ids
    return bool(managed) and dashboards_participating_organisations().filter(pk__in=managed).exists()


def dashboards_dashboard_or_404(managed_ids: set, kind: str, pk) -> tuple[Organisation, Team | None]:
    """The organisation (and team, for a team's dashboard) of a dashboard a manager may open: one of
    the organisations they manage in (`managed_ids`, from dashboards_managed_organisation_ids).
    Anything else is Hidden (a 404, page and API alike), whatever the asker's role."""
    if kind == "team":
        team = Team.objects.select_related("organisation").filter(pk=pk).first()
        if team is None or team.organisation_id not in managed_ids:
            raise Hidden("No such dashboard.")
        return team.organisation, team
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None or organisation.pk not in managed_ids:
        raise Hidden("No such dashboard.")
    return organisation, None
