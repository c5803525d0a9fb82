"""Leaflets, documents and information packs of the service directory (issue 18, item 6).

Part of dualcare.access (see its __init__ for the rules as a whole).

None of these names a person. A leaflet is a directory entry printed, so whoever reads the entry
prints it (directory_can_read). Documents and packs are read by signed-in staff of a
participating organisation only: a member of staff with a role in force (a document is never a
public media file; people in care and carers do not open them). A pack belongs to a team and is
kept (titled, filled, ordered, given documents) by the staff of that team's organisation; a
document belongs to the organisation that uploaded it. The core imports no capability app: the
directory passes its rows in.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people.models import Team, User

from .denials import Hidden
from .roles import active_roles, is_active_staff


def directory_packs_can_read(user: User) -> bool:
    """Signed-in staff of a participating organisation (a role in force) read packs and documents."""
    return is_active_staff(user) and active_roles(user).exists()


def directory_pack_organisation_ids(user: User) -> set:
    """The organisations whose packs and documents this user keeps: those they hold a role in."""
    if not is_active_staff(user):
        return set()
    return set(active_roles(user).values_list("team__organisation_id", flat=True))


def directory_pack_teams(user: User) -> QuerySet[Team]:
    """The teams a user may make a pack for: the active teams of their organisations."""
    return Team.objects.filter(
        organisation_id__in=directory_pack_organisation_ids(user), is_active=True
    ).order_by("name")


def directory_pack_can_keep(user: User, organisation_id) -> bool:
    """May this user change packs of teams of the organisation `organisation_id` (and add its documents)?"""
    return is_active_staff(user) and active_roles(user).filter(team__organisation_id=organisation_id).exists()


def directory_get_pack_or_404(user: User, packs: QuerySet, pk):
    """A pack the user may read, or the same 404 as a missing one."""
    pack = packs.filter(pk=pk).first() if directory_packs_can_read(user) else None
    if pack is None:
        raise Hidden("No such information pack.")
    return pack


def directory_get_pack_kept_or_404(user: User, packs: QuerySet, pk):
    """A pack the user keeps, or the same 404 as a missing one (others' packs are read-only)."""
    pack = packs.select_related("team").filter(pk=pk).first()
    if pack is None or not directory_pack_can_keep(user, pack.team.organisation_id):
        raise Hidden("No such information pack.")
    return pack


def directory_get_document_or_404(user: User, documents: QuerySet, pk):
    """A document for signed-in staff of a participating organisation, or a 404."""
    document = documents.filter(pk=pk).first() if directory_packs_can_read(user) else None
    if document is None:
        raise Hidden("No such document.")
    return document
