"""Every kind of alert, and whether it needs someone to act.

An alert that needs action asks "What did you do?" and is the team's to deal with: one
acknowledgement by anyone told on a team's behalf answers it for that team ("Dealt with by X").
An informational one (a care plan agreed, a referral accepted) is only marked as read, by each
person told, with no note. notify() stores the answer on each row (Notification.needs_action), so
the alert pages filter on it in SQL.

Kinds are matched exactly, or by a prefix ending in "." (every kind a capability raises with a
variable tail, e.g. "outcomes.honos_overdue"). A kind declared nowhere needs action: an alert
nobody classified is treated as one somebody must deal with. A test collects every kind raised
in the code and fails on one not declared here.
"""

from __future__ import annotations

NEEDS_ACTION = True
INFORMATIONAL = False

ALERT_KINDS: dict[str, bool] = {
    # Contacts: misses and the unrecorded are for the team to follow up.
    "contacts.missed_collection": NEEDS_ACTION,
    "contacts.missed_collections_run": NEEDS_ACTION,
    "contacts.missed_appointment": NEEDS_ACTION,
    "contacts.missed_appointments_twice": NEEDS_ACTION,
    "contacts.disengaged": NEEDS_ACTION,
    "contacts.collection_not_recorded": NEEDS_ACTION,
    "contacts.reminder": INFORMATIONAL,
    # Referrals: a referral received or overdue needs the team; its answers are news to the referrer.
    "referral.received": NEEDS_ACTION,
    "referral.acknowledge_overdue": NEEDS_ACTION,
    "referral.decide_overdue": NEEDS_ACTION,
    "referral.acknowledged": INFORMATIONAL,
    "referral.accepted": INFORMATIONAL,
    "referral.declined": INFORMATIONAL,
    "referral.withdrawn": INFORMATIONAL,
    # Care plans: a person asking for changes, or a review falling due, needs the team.
    "careplan.published": INFORMATIONAL,
    "careplan.agreed": INFORMATIONAL,
    "careplan.carer_views": INFORMATIONAL,
    "careplan.changes": NEEDS_ACTION,
    "careplan.review_due": NEEDS_ACTION,
    # Outcomes: a measure overdue (outcomes.<instrument>_overdue).
    "outcomes.": NEEDS_ACTION,
    # Link workers and link meetings.
    "linkworker.replacement_needed": NEEDS_ACTION,
    "linkworker.training_refresh": NEEDS_ACTION,
    "linkmeeting.action": NEEDS_ACTION,
    "linkmeeting.invitation": INFORMATIONAL,
    "linkmeeting.agenda7": INFORMATIONAL,
    "linkmeeting.agenda1": INFORMATIONAL,
    "linkmeeting.notes": INFORMATIONAL,
    # Accounts (email only) and escalations.
    "staff.invitation": INFORMATIONAL,
    "alert.escalated": NEEDS_ACTION,
}


def declared(kind: str) -> bool:
    return kind in ALERT_KINDS or any(key.endswith(".") and kind.startswith(key) for key in ALERT_KINDS)


def needs_action(kind: str) -> bool:
    """Whether an alert of this kind asks "What did you do?" (True for an undeclared kind)."""
    if kind in ALERT_KINDS:
        return ALERT_KINDS[kind]
    prefixes = [key for key in ALERT_KINDS if key.endswith(".") and kind.startswith(key)]
    if prefixes:
        return ALERT_KINDS[max(prefixes, key=len)]
    return NEEDS_ACTION


def informational_kinds() -> list[str]:
    """The exact kinds that need no action (for the migration of rows written before this)."""
    return [kind for kind, action in ALERT_KINDS.items() if not action and not kind.endswith(".")]
