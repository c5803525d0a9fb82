"""Provider handover (issue 21 item 5): who may see, agree and report on a handover.

Part of dualcare.access (see its __init__ for the rules as a whole). A handover is between two
organisations and is the business of the admins of those two: each sees it, an admin of each side
agrees it, and the report of what moved is theirs. Nobody else learns it exists (a 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dualcare.people.handover_models import Handover
from dualcare.people.models import StaffRole, User

from .denials import Hidden
from .roles import active_roles, is_active_staff


def handovers_administered_organisation_ids(user: User) -> set:
    """The organisations whose handovers the user may see: those they are an admin of now."""
    if not is_active_staff(user):
        return set()
    return set(
        active_roles(user)
        .filter(role=StaffRole.Role.ORG_ADMIN)
        .values_list("team__organisation_id", flat=True)
    )


def handovers_visible_to(user: User) -> QuerySet[Handover]:
    """Handovers out of or into an organisation the user administers."""
    orgs = handovers_administered_organisation_ids(user)
    if not orgs:
        return Handover.objects.none()
    return Handover.objects.filter(Q(from_organisation_id__in=orgs) | Q(to_organisation_id__in=orgs))


def handovers_sides_of(user: User, handover: Handover) -> set[str]:
    """Which sides of the handover ("from", "to") the user may act for as an admin."""
    orgs = handovers_administered_organisation_ids(user)
    sides = set()
    if handover.from_organisation_id in orgs:
        sides.add("from")
    if handover.to_organisation_id in orgs:
        sides.add("to")
    return sides


def handovers_get_or_404(user: User, pk) -> Handover:
    """One handover the user may see, with its organisations; otherwise Hidden (404), audited."""
    from dualcare.audit.services import audit_record
    from dualcare.ids import as_uuid

    found = None
    if as_uuid(pk) is not None:
        found = (
            handovers_visible_to(user)
            .select_related("from_organisation", "to_organisation")
            .filter(pk=pk)
            .first()
        )
    if found is None:
        audit_record(actor=user, action="handover.view", denied=True, detail={"requested_id": str(pk)[:64]})
        raise Hidden("No such handover.")
    return found
