"""Staff roles: who holds which role in which team, in force when.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.models import Q, QuerySet, Subquery, Value
from django.utils import timezone

from dualcare.people.models import (
    Organisation,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

VIEW_RECORD = "view_serviceuser"
SCOPE_PERMS = {scope: f"view_{scope}" for scope in Scope.values}
ALL_PERMS = [VIEW_RECORD, *SCOPE_PERMS.values()]

# Roles whose holders work with people's records in their teams.
CLINICAL_ROLES = {StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER, StaffRole.Role.TEAM_MANAGER}


# The ids of the people permissions, read when a connection opens and after every migrate or
# flush (dualcare/people/apps.py), so that permission_id is a number in the statement: as a
# scalar subquery, each of the up to 8 in a caseload page's statement was a join the planner
# planned afresh, half its planning time (65 ms to 34 ms under load at trust scale, issue 15).
# Ids never change once made (a flush makes new ones, and post_migrate reads them again).
_permission_ids: dict[str, dict[str, int]] = {}


def _people_permissions(using: str = DEFAULT_DB_ALIAS) -> QuerySet:
    return Permission.objects.using(using).filter(
        content_type__app_label="people", content_type__model="serviceuser"
    )


def remember_permission_ids(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Read the people permissions' ids for permission_id (one query); forgotten if unreadable
    (a database not yet migrated), when permission_id falls back to its subquery."""
    try:
        _permission_ids[using] = dict(_people_permissions(using).values_list("codename", "pk"))
    except DatabaseError:
        _permission_ids.pop(using, None)


def permission_id(codename: str) -> Value | Subquery:
    """The id of a permission on people (VIEW_RECORD or a scope's): the number itself when read
    (remember_permission_ids), else a scalar subquery the database computes once per statement.
    Matching permission rows by this id, rather than by a join to auth_permission, lets the
    planner use guardian's unique (user, permission, content_object) index for exactly the rows
    wanted (issue 15), with no extra query."""
    known = _permission_ids.get(DEFAULT_DB_ALIAS, {}).get(codename)
    if known is not None:
        return Value(known)
    return Subquery(_people_permissions().filter(codename=codename).values("pk")[:1])


# ---------------------------------------------------------------------------
# Staff roles


def active_roles(user: User, *, on=None) -> QuerySet[StaffRole]:
    """The user's staff roles in force on a day (today by default)."""
    day = on or timezone.localdate()
    return StaffRole.objects.filter(user=user).filter(_active_roles_q(day))


def _active_roles_q(day) -> Q:
    # `end` is the first day without the role, so a role ended today gives nothing today.
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


def teams_of(user: User, *, roles: Iterable[str] | None = None) -> QuerySet[Team]:
    """Teams in which the user holds an active role (optionally only the given roles)."""
    staff_roles = active_roles(user)
    if roles is not None:
        staff_roles = staff_roles.filter(role__in=list(roles))
    return Team.objects.filter(pk__in=staff_roles.values("team_id")).select_related("organisation")


def organisations_of(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=active_roles(user).values("team__organisation_id"))


def acting_organisation(user: User, service_user: ServiceUser | None = None) -> Organisation | None:
    """The organisation a staff member acts for: one involved with the person where possible."""
    if not is_active_staff(user):
        return None
    roles = active_roles(user).select_related("team__organisation").order_by("start")
    if service_user is not None:
        involved = roles.filter(
            team__involvements__service_user=service_user, team__involvements__end__isnull=True
        )
        role = involved.first()
        if role is not None:
            return role.team.organisation
    role = roles.first()
    return role.team.organisation if role else None


def has_role(user: User, *roles: str) -> bool:
    return is_active_staff(user) and active_roles(user).filter(role__in=roles).exists()


def roles_in_force(*, on=None, **filters) -> QuerySet[StaffRole]:
    """Staff roles in force on a day (today by default), of active logins, filtered as given."""
    day = on or timezone.localdate()
    return StaffRole.objects.filter(_active_roles_q(day), user__is_active=True, **filters)


def team_managers(team_id) -> list[User]:
    """Who hears about a team's alerts: its managers, else its organisation's team managers,
    else (so an alert never goes nowhere) the team's own clinical staff. Roles in force today."""
    in_force = roles_in_force()
    managers = in_force.filter(role=StaffRole.Role.TEAM_MANAGER)
    org_id = Team.objects.filter(pk=team_id).values("organisation_id")
    for roles in (
        managers.filter(team_id=team_id),
        managers.filter(team__organisation_id__in=org_id),
        in_force.filter(team_id=team_id, role__in=list(CLINICAL_ROLES)),
    ):
        people = list(User.objects.filter(pk__in=roles.values("user_id")))
        if people:
            return people
    return []


def is_org_admin_of(user: User, organisation: Organisation) -> bool:
    return active_roles(user).filter(role=StaffRole.Role.ORG_ADMIN, team__organisation=organisation).exists()


def organisations_administered_by(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=active_roles(user).filter(role=StaffRole.Role.ORG_ADMIN).values("team__organisation_id")
    )


def is_active_user(user) -> bool:
    """Signed in, with an active account: nobody else holds any rule."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_active_staff(user) -> bool:
    """A signed-in, active staff member (anyone else holds no staff rule)."""
    return is_active_user(user) and user.kind == User.Kind.STAFF
