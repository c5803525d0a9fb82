"""Appointments and supervised-consumption collections: the contacts scope.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import (
    Organisation,
    StaffRole,
    Team,
    User,
)

from .consent import org_written_filter
from .records import get_record_or_404
from .roles import (
    CLINICAL_ROLES,
    active_roles,
    is_active_staff,
    is_active_user,
    organisations_administered_by,
    teams_of,
)

# ---------------------------------------------------------------------------
# Contacts
#
# Appointments and supervised-consumption collections are "contacts" information. Staff see
# their own organisation's contacts with a person they may see, and another organisation's
# only with the person's contacts consent to one of their organisations (the view_contacts
# permission is granted from involvement and consent in permissions_sync). A pharmacist
# records collections at their own pharmacy; staff record contacts of their own team. The
# person sees their own. The contacts app is imported inside the functions.


def contacts_visible_to(user: User, *, service_user=None, people_first: bool = False) -> QuerySet:
    """Contacts the user may read (appointments and collections); of one person with
    `service_user` (the record's section: each row tested against that person's permission and
    consent rows rather than a hash of everyone the user may see, org_written_filter).
    `people_first` for a list across many people: the same rows, found through the person index."""
    from dualcare.contacts.models import Contact

    if not is_active_user(user):
        return Contact.objects.none()
    if user.kind == User.Kind.SERVICE_USER:
        own = Contact.objects.filter(service_user__user=user)
        return own if service_user is None else own.filter(service_user=service_user)
    if user.kind != User.Kind.STAFF:
        return Contact.objects.none()
    return org_written_filter(
        user, Contact.objects.all(), service_user=service_user, people_first=people_first
    )


def can_record_contact(user: User, contact) -> bool:
    """Staff of the contact's own team record it: a pharmacist a collection, clinical staff the rest."""
    if not is_active_staff(user):
        return False
    roles = [StaffRole.Role.PHARMACIST] if contact.kind == "collection" else list(CLINICAL_ROLES)
    return active_roles(user).filter(team_id=contact.team_id, role__in=roles).exists()


def contact_teams_of(user: User, *, collections: bool) -> QuerySet[Team]:
    """Teams for which the user records contacts: pharmacies (collections) or clinical teams."""
    if not is_active_staff(user):
        return Team.objects.none()
    return teams_of(user, roles=[StaffRole.Role.PHARMACIST] if collections else CLINICAL_ROLES)


def get_contact_or_404(user: User, pk, *, action: str = "contact.view"):
    """A contact the user may read, audited as a read of the person; otherwise 404 (also audited)."""
    records = contacts_visible_to(user).select_related(
        "team__organisation", "staff", "schedule", "outcome_recorded_by"
    )
    return get_record_or_404(user, records, pk, action=action, not_found="No such contact.")


def can_set_do_not_contact(user: User, service_user) -> bool:
    """Clinical staff of a team involved with the person now say whether texting or email is unsafe
    for them (issue 20): a safety instruction about reaching the person, no clinical content."""
    from dualcare.people.models import Involvement

    if not is_active_staff(user):
        return False
    teams = active_roles(user).filter(role__in=list(CLINICAL_ROLES)).values("team_id")
    return Involvement.objects.filter(service_user=service_user, end__isnull=True, team_id__in=teams).exists()


# An organisation's alert rules (thresholds) are set by that organisation's admins only: the
# rules are the organisation's own policy, not another's, and they hold no personal data.


def contacts_rules_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose contact alert rules the user may view and change."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    return organisations_administered_by(user).order_by("name")


def contacts_can_set_rules(user: User, organisation: Organisation) -> bool:
    return contacts_rules_organisations(user).filter(pk=getattr(organisation, "pk", None)).exists()
