"""Cohorts: who sees and changes them.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import (
    Organisation,
    StaffRole,
    User,
)

from .roles import active_roles, is_active_staff

# ---------------------------------------------------------------------------
# Cohorts (cohorts/)
#
# A named cohort belongs to one organisation; every member of staff of that organisation sees
# it (cohorts.selectors.cohorts_visible_to), and members are named only to those who may see
# their record. Team managers and link workers set cohorts up and change them, for their own
# organisation only: they are the people who run the locality's dual-diagnosis work.

COHORT_MANAGER_ROLES = {StaffRole.Role.TEAM_MANAGER, StaffRole.Role.LINK_WORKER}


def cohorts_managed_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose cohorts the user may set up and change."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=active_roles(user).filter(role__in=list(COHORT_MANAGER_ROLES)).values("team__organisation_id")
    )


def cohorts_can_manage(user: User, cohort=None) -> bool:
    """May the user set up a cohort (no cohort given), or change this one?"""
    managed = cohorts_managed_organisations(user)
    if cohort is not None:
        managed = managed.filter(pk=cohort.organisation_id)
    return managed.exists()
