"""What the demo's histories share: they are written as an import would write them.

Each app owns its history, ``<app>/demo_history.py`` with `build(demo)`: a bulk service over
that app's own models, run by the demo (dualcare/management/demo_data.py) after the live demo,
in INSTALLED_APPS order, each once. The people app writes every history's people
(dualcare/people/demo_history.py); the referrals history hands its accepted referrals
(`HistoryEpisode`) to the care plans and cohorts histories through `demo.history_episodes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import nhs_number as nhs
from django.conf import settings

# The histories' people: NHS numbers in the 999 test range, one five-digit prefix per history
# (referrals, contacts, outcomes), apart from the live demo's (9990) and the test factories' (9991).
HISTORY_NHS_PREFIXES = ("99970", "99980", "99985")


@dataclass
class HistoryEpisode:
    """One historic person's care with a team after an accepted referral (rows not yet written)."""

    person: Any  # ServiceUser
    team_key: str  # the receiving team (a key of demo.teams)
    from_key: str  # the referring team
    involvement: Any  # Involvement with the receiving team
    worker: Any  # User: who accepted the referral


def history_enabled() -> bool:
    """DEMO_HISTORY: on by default, off under the test runner unless set."""
    return bool(getattr(settings, "DEMO_HISTORY", not getattr(settings, "TESTING", False)))


def care_ends_by(today: dt.date) -> dt.date:
    """The last day a historic involvement may run to: the Sunday that ends the last full week.

    The dashboards' latest week is that week, and a caseload chart counts the people with an
    involvement still open at the week's end; ended by then, nobody from a history is counted
    there, and the chart's latest week agrees with the caseload pages, which list only live
    people (issue 13)."""
    return today - dt.timedelta(days=today.weekday() + 1)


def nhs_numbers(prefix: str) -> Iterator[str]:
    """Valid NHS numbers ``<prefix>NNNN`` + check digit, in order, skipping bodies that have none.

    Each history has its own five-digit prefix in the 999 test range, so they never collide."""
    if len(prefix) != 5 or not prefix.startswith("999"):
        raise ValueError("A demo history's NHS numbers need a five-digit prefix in the 999 range.")
    for i in range(10_000):
        body = f"{prefix}{i:04d}"
        check = nhs.calculate_checksum(body)
        if check is not None and check < 10:
            yield f"{body}{check}"


@contextmanager
def dates_as_given(*models):
    """Keep the created/updated times the import sets (an import records when things happened).

    Only for these models and only inside the block: wrap the bulk write, nothing else."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if field.name in ("created_at", "updated_at")
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
