"""Every write to information packs and their documents (issue 18, item 6).

Each service runs in one transaction, checks that the writer keeps the pack's organisation
(access.directory_pack_can_keep) and writes an audit row (ids only: a pack names no person). An
upload is checked whole (documents.document_check) before anything is written; its file is
stored under its id, and removed again if the rows cannot be written, so nothing is half-written.
"""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Team, User

from .documents import document_check
from .pack_models import Document, InformationPack, PackItem, document_path

# A pack is printed in the request (a leaflet is one page, ~0.3 s): keep it a handful.
MAX_PACK_ITEMS = 20


def _ensure_keeps(by: User, organisation_id) -> None:
    if not access.directory_pack_can_keep(by, organisation_id):
        raise ApplicationError("Only staff of the pack's organisation change its information packs.")


def _audit(by: User, pack: InformationPack, action: str, detail: dict) -> None:
    """The audit row of a change to a pack: ids only (a pack names no person)."""
    audit_record(actor=by, action=action, target=pack, organisation=pack.team.organisation, detail=detail)


def _search_text(title: str, team: Team) -> str:
    return f"{title} {team.name}".lower()


@transaction.atomic
def pack_create(*, by: User, team: Team, title: str, introduction: str = "") -> InformationPack:
    """A new, empty information pack for one of the writer's organisation's teams."""
    _ensure_keeps(by, team.organisation_id)
    if not team.is_active:
        raise ApplicationError("Choose a team that is still running.", field="team")
    pack = InformationPack.objects.create(
        team=team,
        title=title,
        introduction=introduction,
        created_by=by,
        search_text=_search_text(title, team),
    )
    audit_record(actor=by, action="directory.pack.create", target=pack, organisation=team.organisation)
    return pack


def _locked(pack: InformationPack) -> InformationPack:
    """The pack, locked, so two additions at once do not take the same place."""
    return InformationPack.objects.select_for_update().select_related("team").get(pk=pack.pk)


def _next_position(pack: InformationPack) -> int:
    if PackItem.objects.filter(pack=pack).count() >= MAX_PACK_ITEMS:
        raise ApplicationError(f"A pack holds up to {MAX_PACK_ITEMS} entries and documents.")
    return (PackItem.objects.filter(pack=pack).aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def pack_entry_add(*, by: User, pack: InformationPack, service) -> PackItem:
    """Add a directory entry (any organisation's) to the end of the pack: printed as its leaflet."""
    pack = _locked(pack)
    _ensure_keeps(by, pack.team.organisation_id)
    if PackItem.objects.filter(pack=pack, service=service).exists():
        raise ApplicationError(f"{service.name} is already in {pack.title}.", field="pack")
    item = PackItem.objects.create(pack=pack, position=_next_position(pack), service=service)
    _audit(by, pack, "directory.pack.entry_add", {"service": str(service.pk)})
    return item


@transaction.atomic
def pack_document_add(*, by: User, pack: InformationPack, title: str, content: bytes) -> PackItem:
    """Upload a PDF for the pack's organisation and add it to the end of the pack. The file is
    checked whole first (a PDF by its content, its size, the virus-scan hook)."""
    pack = _locked(pack)
    _ensure_keeps(by, pack.team.organisation_id)
    position = _next_position(pack)
    pages = document_check(content)
    document = Document(
        organisation=pack.team.organisation,
        title=title,
        size=len(content),
        page_count=pages,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=by,
    )
    stale = document_path(document, "")
    if document.file.storage.exists(stale):
        # Left by a transaction that was rolled back after storing it (its row is not there, as
        # this id is new): the file at this id is this document's.
        document.file.storage.delete(stale)
    document.file.save("document.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
            item = PackItem.objects.create(pack=pack, position=position, document=document)
            _audit(
                by,
                pack,
                "directory.pack.document_add",
                {"document": str(document.pk), "pages": pages, "size": len(content)},
            )
    except BaseException:
        document.file.delete(save=False)  # the rows were not written: nor is the file kept
        raise
    return item


@transaction.atomic
def pack_item_move(*, by: User, pack: InformationPack, item: PackItem, direction: str) -> PackItem:
    """Move an entry or document one place up or down the pack."""
    pack = _locked(pack)
    _ensure_keeps(by, pack.team.organisation_id)
    if direction not in ("up", "down"):
        raise ApplicationError("Choose up or down.", field="direction")
    item = PackItem.objects.get(pk=item.pk, pack=pack)
    items = PackItem.objects.filter(pack=pack)
    neighbour = (
        items.filter(position__lt=item.position).order_by("-position").first()
        if direction == "up"
        else items.filter(position__gt=item.position).order_by("position").first()
    )
    if neighbour is None:
        return item
    here, there = item.position, neighbour.position
    # The positions are unique in a pack: one of them steps aside while they swap.
    spare = (items.aggregate(last=Max("position"))["last"] or 0) + 1
    PackItem.objects.filter(pk=item.pk).update(position=spare)
    PackItem.objects.filter(pk=neighbour.pk).update(position=here)
    PackItem.objects.filter(pk=item.pk).update(position=there)
    item.position = there
    _audit(by, pack, "directory.pack.item_move", {"item": str(item.pk), "direction": direction})
    return item


@transaction.atomic
def pack_item_remove(*, by: User, pack: InformationPack, item: PackItem) -> None:
    """Take an entry or document out of the pack (the document stays the organisation's)."""
    pack = _locked(pack)
    _ensure_keeps(by, pack.team.organisation_id)
    deleted, _ = PackItem.objects.filter(pk=item.pk, pack=pack).delete()
    if not deleted:
        raise ApplicationError("That is no longer in the pack.")
    _audit(by, pack, "directory.pack.item_remove", {"item": str(item.pk)})
