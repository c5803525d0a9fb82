"""Information packs at trust scale (issue 18, item 6; run by directory/scale.py's scale_add):
one pack for every fifth team, each holding ten of the directory's entries and its
organisation's handout (one stored PDF per organisation, drawn once). Written in bulk
(dualcare.bulk), with the rows pack_services would write."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from dualcare.bulk import rows_write

from .documents import document_check
from .models import Service
from .pack_models import Document, InformationPack, PackItem, document_path

ENTRIES_PER_PACK = 10


def _handout() -> bytes:
    from weasyprint import HTML

    body = "".join(f"<p>Section {n}: what to ask, who to call, what to write down.</p>" for n in range(60))
    return HTML(string=f"<h1>Working with dual diagnosis</h1>{body}").write_pdf()


def scale_add(trust) -> dict[str, int]:
    rng = trust.rng("directory packs")
    entries = list(Service.objects.order_by("pk").values_list("pk", flat=True)[:2000])
    teams = [team for team in trust.teams if any(team.roles.values())][::5]
    if not entries or not teams:
        return {}
    content = _handout()
    pages = document_check(content)
    documents: dict = {}
    packs, items = [], []
    for team in teams:
        author = next(user for users in team.roles.values() for user in users)
        if team.organisation_id not in documents:
            document = Document(
                id=trust.uuid(rng),
                organisation_id=team.organisation_id,
                title="Working with dual diagnosis",
                size=len(content),
                page_count=pages,
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by_id=author,
            )
            path = document_path(document, "document.pdf")
            default_storage.delete(path)  # a file an earlier, rolled-back run left at this id
            name = default_storage.save(path, ContentFile(content))
            documents[team.organisation_id] = {
                "id": document.id,
                "organisation_id": team.organisation_id,
                "title": document.title,
                "file": name,
                "size": document.size,
                "page_count": pages,
                "sha256": document.sha256,
                "uploaded_by_id": author,
                "created_at": trust.now,
                "updated_at": trust.now,
            }
        pack_id = trust.uuid(rng)
        title = f"{team.name} induction pack"
        packs.append(
            {
                "id": pack_id,
                "team_id": team.id,
                "title": title,
                "introduction": "For new starters: services we work with, and what to read first.",
                "created_by_id": author,
                "search_text": f"{title} {team.name}".lower(),
                "created_at": trust.now,
                "updated_at": trust.now,
            }
        )
        for position, service in enumerate(rng.sample(entries, k=min(ENTRIES_PER_PACK, len(entries))), 1):
            items.append(
                {
                    "id": trust.uuid(rng),
                    "pack_id": pack_id,
                    "position": position,
                    "service_id": service,
                    "created_at": trust.now,
                    "updated_at": trust.now,
                }
            )
        items.append(
            {
                "id": trust.uuid(rng),
                "pack_id": pack_id,
                "position": ENTRIES_PER_PACK + 1,
                "document_id": documents[team.organisation_id]["id"],
                "created_at": trust.now,
                "updated_at": trust.now,
            }
        )
    written = {"directory documents": rows_write(Document, documents.values())}
    written["information packs"] = rows_write(InformationPack, packs)
    written["information pack items"] = rows_write(PackItem, items)
    return written
