"""The demo's local service directory (run by `manage.py demo` through build(demo)): 42 services
around the demo organisations, imported through the same importer as an organisation admin's
upload, from the Open Referral UK files in directory/demo_files/ (one per organisation that keeps
them). Some were last checked long ago, so their keepers are told. Idempotent: a file whose
services are all there already is not imported again."""

from __future__ import annotations

import json
from pathlib import Path

from dualcare.management.demo_data import Demo

from . import pack_demo, services
from .models import Service

FILES = Path(__file__).parent / "demo_files"
# (file, the demo organisation that keeps its entries)
DEMO_FILES = (
    ("northgate_mental_health.json", "mh"),
    ("harbourside.json", "sm"),
    ("bridgeway_local_services.json", "charity"),
)


def demo_file_ids(name: str) -> list[str]:
    return [row["id"] for row in json.loads((FILES / name).read_text())["contents"]]


def build(demo: Demo) -> None:
    for name, organisation_key in DEMO_FILES:
        ids = demo_file_ids(name)
        if Service.objects.filter(pk__in=ids).count() == len(ids):
            continue
        run = services.directory_import(
            keeper=demo.organisations[organisation_key],
            by=None,
            file_name=name,
            content=(FILES / name).read_bytes(),
        )
        if run.refused:
            raise RuntimeError(f"The demo directory file {name} has refused services: {run.refused}")
        demo.created["directory services"] += run.taken
    pack_demo.build(demo)  # the information pack (issue 18, item 6), after its entries
