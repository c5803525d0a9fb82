"""Repeatable record ids for the demo: `manage.py demo --seed N` gives the same UUIDs every time.

Every DualCare model takes its primary key from `uuid.uuid4`, so two demo loads differ in every id,
and a contract check that picks ids from the demo cannot repeat itself. Inside `seeded_ids(seed)`
those defaults draw from one `random.Random(seed)` instead; as the demo writes its records in a
fixed order, the same seed gives the same ids. Outside it (and in every real request) ids stay
random: they are opaque identifiers, and nothing but the demo may make them guessable.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps


def _random_uuid_fields() -> list:
    return [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if getattr(field, "default", None) is uuid.uuid4
    ]


@contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """Within the block, model ids that would be `uuid.uuid4()` come from a generator seeded by `seed`."""
    rng = random.Random(f"dualcare-demo-ids:{seed}")

    def seeded_uuid4() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    fields = _random_uuid_fields()
    for field in fields:
        field.default = seeded_uuid4
        field.__dict__.pop("_get_default", None)  # Field caches its default callable
    try:
        yield
    finally:
        for field in fields:
            field.default = uuid.uuid4
            field.__dict__.pop("_get_default", None)
