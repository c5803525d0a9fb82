"""Leaflets and information packs (issue 18, item 6): documents an organisation uploads (PDF
only) and a team's information packs of chosen directory entries and documents, in an order.

None of these names a person. A document's file is stored under MEDIA_ROOT by its id alone
(`directory/documents/<id>.pdf`), so no title or uploaded file name reaches a path or a URL, and
it is served only through a view that checks the viewer (never a public media URL).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from dualcare.models import TimeStampedModel


def document_path(document: Document, filename: str) -> str:
    """The stored name: the document's id, never what the uploader called the file."""
    return f"directory/documents/{document.pk}.pdf"


class Document(TimeStampedModel):
    """A PDF an organisation uploaded for its packs: checked to be a PDF by its content, not
    over DIRECTORY_UPLOAD_MAX_BYTES, and passed by the virus-scan hook (DIRECTORY_VIRUS_SCAN)."""

    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_path)
    size = models.PositiveIntegerField()
    page_count = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["organisation", "title"], name="directory_document_org")]

    def __str__(self) -> str:
        return self.title


class InformationPack(TimeStampedModel):
    """A team's information pack: chosen entries and documents, printed as one PDF. Kept by the
    staff of the team's organisation (access.directory_pack_can_keep); read by every member of staff."""

    team = models.ForeignKey("people.Team", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Lower-cased title and team name, for the search box.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["title", "id"], name="directory_pack_title"),
            models.Index(fields=["team", "title"], name="directory_pack_team"),
        ]

    def __str__(self) -> str:
        return self.title


class PackItem(TimeStampedModel):
    """One place in a pack: a directory entry (printed as its leaflet) or a document."""

    pack = models.ForeignKey(InformationPack, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, document__isnull=True)
                | Q(service__isnull=True, document__isnull=False),
                name="directory_pack_item_entry_or_document",
            ),
            models.UniqueConstraint(fields=["pack", "position"], name="directory_pack_item_position"),
            models.UniqueConstraint(
                fields=["pack", "service"],
                condition=Q(service__isnull=False),
                name="directory_pack_item_entry",
            ),
            models.UniqueConstraint(
                fields=["pack", "document"],
                condition=Q(document__isnull=False),
                name="directory_pack_item_document",
            ),
        ]
