"""Incidents, near misses and complaints: who reads them, who reviews and closes them, and which
organisations are in one.

Part of dualcare.access (see its __init__ for the rules as a whole).

An incident about a person follows the person's access (ORG_WRITTEN "incidents.incident"): the
reporting organisation's staff read it while they may see the person; another involved
organisation's staff read it while the person's consent of its scope to their organisation is
active. An incident or near miss is the risk scope: it tells of harm that came, or nearly came, to
the person, which is what the person agrees to share when they agree to share risk information. A
complaint is about how care was given, so it follows the care-plan consent. Staff only: an incident
is the services' own learning, told to the person face to face (the duty of candour), not through
their portal; a carer never reads one.

An incident about a team only (no person) is read by the clinical staff, managers and pharmacists of
the reporting organisation only: it may describe colleagues or visitors who agreed to nothing, so it
crosses no organisation boundary as a record. The Shared Care meeting pack counts it, de-identified,
with its lessons, which is how the other organisations learn from it.

Clinical staff who read an incident add and complete its review actions; a team manager who reads
it records the lessons and closes it (the review's conclusion is a manager's). The organisations in
an incident are the reporter's and those it is shared with now: each involved with the person and
holding the consent of its scope. The core imports no capability app: the incidents app passes its
querysets in.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import Consent, Involvement, Scope, ServiceUser, StaffRole, User

from .consent import org_written_filter
from .roles import CLINICAL_ROLES, active_roles, has_role, is_active_staff

INCIDENT_READ_ROLES = {*CLINICAL_ROLES, StaffRole.Role.PHARMACIST}


def incident_scope(kind: str) -> str:
    """The consent scope an incident of this kind crosses organisations under."""
    return Scope.CARE_PLAN if kind == "complaint" else Scope.RISK


def _reading_organisations(user: User) -> QuerySet:
    return (
        active_roles(user)
        .filter(role__in=sorted(INCIDENT_READ_ROLES))
        .order_by()
        .values("team__organisation_id")
    )


def incidents_visible_to(
    user: User, incidents: QuerySet, *, service_user: ServiceUser | None = None
) -> QuerySet:
    """The incidents (of the app's queryset) the user may read now (see the module's rules)."""
    if not is_active_staff(user):
        return incidents.none()
    about_people = org_written_filter(
        user, incidents.filter(service_user__isnull=False), service_user=service_user
    )
    if service_user is not None:
        return about_people
    team_only = incidents.filter(service_user__isnull=True, organisation_id__in=_reading_organisations(user))
    return about_people | team_only


def incidents_can_review(user: User) -> bool:
    """May the user add and complete review actions (of an incident they read)?"""
    return is_active_staff(user) and has_role(user, *sorted(CLINICAL_ROLES))


def incidents_can_close(user: User) -> bool:
    """May the user record lessons and close (an incident they read)? A team manager."""
    return is_active_staff(user) and has_role(user, StaffRole.Role.TEAM_MANAGER)


def incident_organisation_ids(*, service_user_id, kind: str, reporter_id) -> set:
    """The organisations in an incident now: the reporter's, and (about a person) each with a team
    involved with the person and the person's consent of the kind's scope. Two queries."""
    organisations = {reporter_id}
    if service_user_id is None:
        return organisations
    involved = set(
        Involvement.objects.filter(service_user_id=service_user_id, end__isnull=True)
        .order_by()
        .values_list("team__organisation_id", flat=True)
    )
    consented = set(
        Consent.objects.filter(
            service_user_id=service_user_id,
            scope=incident_scope(kind),
            withdrawn_at__isnull=True,
            organisation_id__in=involved,
        ).values_list("organisation_id", flat=True)
    )
    return organisations | consented
