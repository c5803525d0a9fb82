"""Every kind of alert, and whether it needs someone to act.

An alert that needs action asks "What did you do?" and is the team's to deal with: one
acknowledgement by anyone told on a team's behalf answers it for that team ("Dealt with by X").
An informational one (a care plan agreed, a referral accepted) is only marked as read, by each
person told, with no note. notify() stores the answer on each row (Notification.needs_action), so
the alert pages filter on it in SQL.

Kinds are matched exactly, or by a prefix ending in "." (every kind a capability raises with a
variable tail, e.g. "outcomes.honos_overdue"). A kind declared nowhere needs action: an alert
nobody classified is treated as one somebody must deal with. A test collects every kind raised
in the code and fails on one not declared here. A kind is about one person unless declared
otherwise (`about_person=False`: link workers' own alerts, meetings, invitations, escalations,
which carry their alert's person when it has one).
"""

from __future__ import annotations

from typing import NamedTuple

NEEDS_ACTION = True
INFORMATIONAL = False


class Kind(NamedTuple):
    needs_action: bool
    label: str  # for the alert list's filter: what happened, no personal data
    # Whether every alert of the kind is about one person: notify() then refuses to write it
    # without that person (service_user=, or a related record with one), so the alert pages can
    # name them and the person filter find them.
    about_person: bool = True


ALERT_KINDS: dict[str, Kind] = {
    # Contacts: misses and the unrecorded are for the team to follow up.
    "contacts.missed_collection": Kind(NEEDS_ACTION, "Missed collection"),
    "contacts.missed_collections_run": Kind(NEEDS_ACTION, "Collections missed in a row"),
    "contacts.missed_appointment": Kind(NEEDS_ACTION, "Missed appointment"),
    "contacts.missed_appointments_twice": Kind(NEEDS_ACTION, "Appointments missed twice"),
    "contacts.disengaged": Kind(NEEDS_ACTION, "Not seen for a while"),
    "contacts.collection_not_recorded": Kind(NEEDS_ACTION, "Collection not recorded"),
    "contacts.reminder": Kind(INFORMATIONAL, "Reminder"),
    # The person answered a reminder's link: they cannot come (issue 20); the team rearranges.
    "contacts.cannot_come": Kind(NEEDS_ACTION, "Person cannot come"),
    # Referrals: a referral received or overdue needs the team; its answers are news to the referrer.
    "referral.received": Kind(NEEDS_ACTION, "Referral received"),
    "referral.acknowledge_overdue": Kind(NEEDS_ACTION, "Referral not acknowledged in time"),
    "referral.decide_overdue": Kind(NEEDS_ACTION, "Referral not decided in time"),
    "referral.acknowledged": Kind(INFORMATIONAL, "Referral acknowledged"),
    "referral.accepted": Kind(INFORMATIONAL, "Referral accepted"),
    "referral.declined": Kind(INFORMATIONAL, "Referral declined"),
    "referral.withdrawn": Kind(INFORMATIONAL, "Referral withdrawn"),
    # Care plans: a person asking for changes, or a review falling due, needs the team.
    "careplan.published": Kind(INFORMATIONAL, "Care plan updated"),
    "careplan.agreed": Kind(INFORMATIONAL, "Care plan agreed"),
    "careplan.carer_views": Kind(INFORMATIONAL, "Carer's views on a care plan"),
    "careplan.changes": Kind(NEEDS_ACTION, "Changes asked for in a care plan"),
    "careplan.review_due": Kind(NEEDS_ACTION, "Care plan review due"),
    # Issue 20: the person wrote for their plan (to accept or answer); the answer is news to them.
    "careplan.own_words": Kind(NEEDS_ACTION, "The person wrote for their care plan"),
    "careplan.own_words_answered": Kind(INFORMATIONAL, "Your care team answered you"),
    # Outcomes: a measure overdue (outcomes.<instrument>_overdue).
    "outcomes.": Kind(NEEDS_ACTION, "Outcome measure overdue"),
    # Link workers and link meetings.
    "linkworker.replacement_needed": Kind(NEEDS_ACTION, "Link worker needed", about_person=False),
    "linkworker.training_refresh": Kind(NEEDS_ACTION, "Link worker training due", about_person=False),
    "linkmeeting.action": Kind(NEEDS_ACTION, "Link meeting action", about_person=False),
    "linkmeeting.invitation": Kind(INFORMATIONAL, "Link meeting invitation", about_person=False),
    "linkmeeting.agenda7": Kind(INFORMATIONAL, "Link meeting agenda", about_person=False),
    "linkmeeting.agenda1": Kind(INFORMATIONAL, "Link meeting agenda", about_person=False),
    "linkmeeting.notes": Kind(INFORMATIONAL, "Link meeting notes", about_person=False),
    # Case conversations: a message is news to each person addressed; an unanswered question past
    # its reply-by date is for the addressed team's manager to see to.
    "conversation.message": Kind(INFORMATIONAL, "Message in a conversation"),
    "conversation.reply_overdue": Kind(NEEDS_ACTION, "Conversation not answered in time"),
    # Risk and safety flags (issue 19): each asks the writing organisation's staff to act.
    "safety.review_due": Kind(NEEDS_ACTION, "Risk assessment or safety flag review due"),
    "safety.flag_removal_request": Kind(NEEDS_ACTION, "Safety flag removal to confirm"),
    "safety.overdose_review": Kind(NEEDS_ACTION, "Overdose flag review after missed collections"),
    # Incidents (issue 19): a serious one is for every involved organisation's managers to act on; a
    # review action due is its owner's.
    "incident.serious": Kind(NEEDS_ACTION, "Serious incident"),
    "incident.serious_team": Kind(NEEDS_ACTION, "Serious incident about a team", about_person=False),
    "incident.action_due": Kind(NEEDS_ACTION, "Incident review action due", about_person=False),
    # Accounts (email only) and escalations.
    "staff.invitation": Kind(INFORMATIONAL, "Invitation to DualCare", about_person=False),
    "auth.sign_in_link": Kind(INFORMATIONAL, "Link to sign in", about_person=False),
    # The person, in their portal, changed what is shared (issue 20): told to their key workers.
    "consent.withdrawn_by_person": Kind(INFORMATIONAL, "Sharing stopped by the person"),
    "consent.requested_by_person": Kind(NEEDS_ACTION, "Sharing asked for by the person"),
    # Provider handover (issue 21 item 5): people came to a team with no key worker yet.
    "handover.allocate": Kind(NEEDS_ACTION, "Key workers to allocate after a handover", about_person=False),
    # A plan summary sent to a carer (issue 20): news, nothing to do.
    "carers.plan_summary": Kind(INFORMATIONAL, "Plan summary for a carer"),
    "alert.escalated": Kind(NEEDS_ACTION, "Escalated to a manager", about_person=False),
}


# Messages in conversations: counted in the header on their own, beside alerts, and read in the
# conversations' inbox rather than the alert list.
MESSAGE_KINDS = ("conversation.message",)


def declared(kind: str) -> bool:
    return _entry(kind) is not None


def _entry(kind: str) -> Kind | None:
    if kind in ALERT_KINDS:
        return ALERT_KINDS[kind]
    prefixes = [key for key in ALERT_KINDS if key.endswith(".") and kind.startswith(key)]
    return ALERT_KINDS[max(prefixes, key=len)] if prefixes else None


def needs_action(kind: str) -> bool:
    """Whether an alert of this kind asks "What did you do?" (True for an undeclared kind)."""
    entry = _entry(kind)
    return entry.needs_action if entry is not None else NEEDS_ACTION


def about_person(kind: str) -> bool:
    """Whether an alert of this kind must name the one person it is about (False if undeclared)."""
    entry = _entry(kind)
    return entry.about_person if entry is not None else False


def label(kind: str) -> str:
    """What an alert of this kind is about, for the list's filter ("Other alerts" if undeclared)."""
    entry = _entry(kind)
    return entry.label if entry is not None else "Other alerts"
