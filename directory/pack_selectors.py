"""Reads of information packs and their documents. None names a person; who may read them is
access.directory_packs_can_read, checked by the views."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from .models import Location, Service
from .pack_models import InformationPack, PackItem


def packs_search(words: str = "") -> QuerySet[InformationPack]:
    """Packs whose title or team has every word, by title, with how many items each holds."""
    rows = InformationPack.objects.all()
    for word in words.lower().split()[:8]:
        rows = rows.filter(search_text__contains=word)
    return (
        rows.select_related("team__organisation").annotate(item_count=Count("items")).order_by("title", "pk")
    )


def pack(pk) -> QuerySet[InformationPack]:
    return InformationPack.objects.select_related("team__organisation", "created_by").filter(pk=pk)


def pack_items(pack: InformationPack) -> list[PackItem]:
    """The pack's items in order, each with what its leaflet or document line shows."""
    services = Service.objects.select_related("provider", "keeper").prefetch_related(
        "needs", Prefetch("locations", queryset=Location.objects.order_by("name", "address")), "opening_times"
    )
    return list(
        PackItem.objects.filter(pack=pack)
        .select_related("document")
        .prefetch_related(Prefetch("service", queryset=services))
        .order_by("position")
    )


def packs_kept_by(organisation_ids) -> QuerySet[InformationPack]:
    """The packs a user may add an entry to: those of their organisations' teams."""
    return (
        InformationPack.objects.filter(team__organisation_id__in=organisation_ids)
        .select_related("team")
        .order_by("title", "pk")
    )
