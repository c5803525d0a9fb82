"""Who may import people in bulk, and who may merge two records of one person (issue 21, item 4).

Part of dualcare.access (see its __init__ for the rules as a whole).

Importing: an organisation admin, into their own organisation's teams only (rule 5).

Merging B into A moves everything every organisation wrote about B. An organisation admin may
do it only when every organisation that has ever been involved with either record (an open or
ended involvement) is their own: they then decide for nobody else. Records another
organisation has been involved with need a system admin (the trust-level role): the decision
touches both organisations' records, which no organisation admin may change (rule 5).
"""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import Involvement, Organisation, ServiceUser, StaffRole, User

from .roles import active_roles, is_active_staff, organisations_administered_by


def people_import_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations into whose teams `user` may import people: those they administer."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    return organisations_administered_by(user)


def people_can_import(user: User, organisation: Organisation) -> bool:
    return people_import_organisations(user).filter(pk=organisation.pk).exists()


def people_is_system_admin(user: User) -> bool:
    return is_active_staff(user) and active_roles(user).filter(role=StaffRole.Role.ADMIN).exists()


def people_can_merge_any(user: User) -> bool:
    """May `user` open the merge pages at all: an organisation admin or a system admin."""
    return people_is_system_admin(user) or people_import_organisations(user).exists()


def people_record_organisations(*people: ServiceUser) -> set:
    """The ids of every organisation ever involved with these records (open or ended)."""
    return set(
        Involvement.objects.filter(service_user__in=people).values_list("team__organisation_id", flat=True)
    )


def people_can_merge(user: User, kept: ServiceUser, merged: ServiceUser) -> bool:
    """A system admin; or an organisation admin when their organisation is the only one ever
    involved with either record (see the module's docstring)."""
    if people_is_system_admin(user):
        return True
    if not is_active_staff(user):
        return False
    involved = people_record_organisations(kept, merged)
    administered = set(people_import_organisations(user).values_list("pk", flat=True))
    return bool(involved) and involved <= administered
