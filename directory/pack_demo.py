"""The demo's information pack (issue 18, item 6): the North CMHT's dual diagnosis induction pack,
with two directory entries (the drug and alcohol service's recovery team and the crisis line)
and one small document, a harm-reduction handout drawn with WeasyPrint here (no binary in the
repository), uploaded through the same service and checks as a member of staff's upload.
Idempotent: a pack of that title is not made again."""

from __future__ import annotations

from django.template.loader import render_to_string

from dualcare.management.demo_data import Demo

from . import pack_services
from .models import Service
from .pack_models import InformationPack

TITLE = "Dual diagnosis induction pack"
ENTRIES = ("Harbourside Recovery Team", "Northgate Crisis Line")
HANDOUT_TITLE = "Harm reduction: a first conversation"


def handout_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string=render_to_string("directory/demo_handout_pdf.html")).write_pdf()


def build(demo: Demo) -> None:
    team = demo.teams["north"]
    if InformationPack.objects.filter(team=team, title=TITLE).exists():
        return
    by = demo.staff["linkworker.mh"]
    pack = pack_services.pack_create(
        by=by,
        team=team,
        title=TITLE,
        introduction="For new starters in the North CMHT: two services we work with every week, "
        "and a handout to read before your first joint visit with the drug and alcohol service.",
    )
    for name in ENTRIES:
        pack_services.pack_entry_add(by=by, pack=pack, service=Service.objects.get(name=name))
    pack_services.pack_document_add(by=by, pack=pack, title=HANDOUT_TITLE, content=handout_pdf())
    demo.created["information packs"] += 1
