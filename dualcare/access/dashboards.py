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
