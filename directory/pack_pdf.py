"""Leaflets and information packs as PDF (WeasyPrint, then pypdf to put a pack together).

A leaflet is one directory entry on one A4 page, in plain words, for staff to hand to or print
for a person: long text is shortened to fit (tests/directory/test_packs.py prints the longest
entry the form takes and reads back one page). A pack is a cover (its title, team, introduction
and contents) and then, in the pack's order, each entry's leaflet and each document's pages,
with a bookmark for each. Rendered in the request, as the referral note is: a leaflet ~0.3 s, a
pack's leaflets in one render (its items are capped, pack_services.MAX_PACK_ITEMS). No network
fetches: no external stylesheets, fonts or images.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone

from .pack_models import InformationPack, PackItem


class PackRenderError(Exception):
    """The pack's pages did not come out as its items (a leaflet ran over a page)."""


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError("Leaflets and packs load no external resources.")


def _render(context: dict):
    from weasyprint import HTML

    html = render_to_string("directory/leaflet_pdf.html", {**context, "printed_at": timezone.now()})
    return HTML(string=html, url_fetcher=_no_fetch).render()


def leaflet_pdf(service) -> bytes:
    """One entry (selectors.entry: with its needs, places and opening times) on one A4 page."""
    return _render({"leaflets": [service], "title": service.name}).write_pdf()


def pack_pdf(pack: InformationPack, items: list[PackItem]) -> bytes:
    """The cover, then each item in order: an entry's leaflet, a document's pages."""
    from pypdf import PdfReader, PdfWriter

    entries = [item.service for item in items if item.service_id]
    rendered = _render({"pack": pack, "items": items, "leaflets": entries, "title": pack.title})
    cover_pages = len(rendered.pages) - len(entries)
    if cover_pages < 1:
        raise PackRenderError("The pack's cover and leaflets did not come out one page each.")
    printed = PdfReader(io.BytesIO(rendered.write_pdf()))
    writer = PdfWriter()
    writer.append(printed, outline_item=pack.title, pages=(0, cover_pages))
    leaflet_page = cover_pages
    for item in items:
        if item.service_id:
            writer.append(printed, outline_item=item.service.name, pages=(leaflet_page, leaflet_page + 1))
            leaflet_page += 1
        else:
            with item.document.file.open("rb") as stored:
                writer.append(PdfReader(io.BytesIO(stored.read())), outline_item=item.document.title)
    writer.add_metadata({"/Title": pack.title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
