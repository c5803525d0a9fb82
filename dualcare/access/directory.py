"""The service directory: who reads it and who keeps its entries.

Part of dualcare.access (see its __init__ for the rules as a whole).

The directory names services, never a person: every entry (a participating team's or an outside
organisation's) is open to every active member of staff of a participating organisation, through
the pages and the API alike. Service users and carers read it only through their portal's own
pages (plain words, open entries only). An entry is kept by one organisation: that organisation's
admins create, edit, mark checked and import its entries, and are told when one goes unchecked.
The core imports no capability app: the directory passes its entries in.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import Organisation, StaffRole, User

from .denials import Hidden
from .roles import active_roles, is_active_staff, organisations_administered_by, roles_in_force


def directory_can_read(user: User) -> bool:
    """Any active member of staff reads every entry (outside organisations' entries included)."""
    return is_active_staff(user)


def directory_keeper_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose entries this user keeps: those they are an organisation admin of."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    return organisations_administered_by(user)


def directory_can_keep(user: User, keeper_id) -> bool:
    """May this user edit, check or import entries kept by the organisation `keeper_id`?"""
    return (
        is_active_staff(user)
        and active_roles(user).filter(role=StaffRole.Role.ORG_ADMIN, team__organisation_id=keeper_id).exists()
    )


def directory_get_kept_or_404(user: User, entries: QuerySet, pk):
    """An entry the user keeps, or the same 404 as a missing one (others' entries are read-only)."""
    entry = entries.filter(pk=pk).first()
    if entry is None or not directory_can_keep(user, entry.keeper_id):
        raise Hidden("No such directory entry.")
    return entry


def directory_keeper_admins(keeper_id) -> list[User]:
    """Who is told an entry needs checking: the keeper's organisation admins in post today."""
    roles = roles_in_force(team__organisation_id=keeper_id, role=StaffRole.Role.ORG_ADMIN)
    return list(User.objects.filter(pk__in=roles.values("user_id")))
