"""Every kind of alert raised in the code says whether it needs action (notifications.kinds)."""

import pathlib
import re

from dualcare.notifications import kinds

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ["dualcare", "referrals", "careplans", "linkworkers", "cohorts", "outcomes"]
# kind="contacts.missed_collection" or kind=f"referral.{event}": the literal part before any {.
RAISED = re.compile(r"""\bkind=f?["']([a-z_]+\.[a-z_0-9]*)""")


def raised_kinds() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name in ("models.py", "demo.py"):
                continue
            found |= set(RAISED.findall(path.read_text()))
    return found


def test_the_scan_finds_the_kinds_it_should():
    found = raised_kinds()
    assert {"contacts.missed_collection", "alert.escalated", "referral.", "careplan."} <= found


def test_every_kind_raised_is_declared():
    for kind in raised_kinds():
        if kind.endswith("."):  # a variable tail: every declared kind with the prefix is checked
            assert any(key.startswith(kind) for key in kinds.ALERT_KINDS), kind
        else:
            assert kinds.declared(kind), f"{kind} is not declared in notifications.kinds.ALERT_KINDS"


def test_informational_and_action_kinds():
    assert kinds.needs_action("contacts.missed_collection")
    assert kinds.needs_action("outcomes.honos_overdue")
    assert not kinds.needs_action("careplan.agreed")
    assert kinds.needs_action("never.declared")
