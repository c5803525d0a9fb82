"""Referrals: who sees a referral's contents and acts on it (rule 1).

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dualcare.people.models import (
    Team,
    User,
)
from dualcare.sql import InArray

from .roles import CLINICAL_ROLES, is_active_staff, teams_of

# ---------------------------------------------------------------------------
# Referrals
#
# Rule 1: staff of the receiving team see a referral itself (not the person's record) from
# the moment it is sent; the referring team keeps seeing its referrals; nobody else sees
# its contents. Acceptance starts the receiving team's involvement, and with it access to
# the record as consent allows (permissions_sync above). Only clinical roles act on
# referrals: pharmacists and organisation admins do not. The core imports no capability app:
# the referrals app passes its own querysets in.

REFERRAL_SENDER_ACTIONS = {"edit", "send", "withdraw"}
REFERRAL_RECEIVER_ACTIONS = {"acknowledge", "accept", "decline"}
REFERRAL_EITHER_ACTIONS = {"view", "close", "handover", "note_pdf"}


def referral_teams_of(user: User) -> QuerySet[Team]:
    """Teams through which a staff member sends, receives and answers referrals."""
    if not is_active_staff(user):
        return Team.objects.none()
    return teams_of(user, roles=CLINICAL_ROLES)


def referrals_visible_to(user: User, referrals: QuerySet) -> QuerySet:
    """The referrals (of the referrals app's queryset) whose contents the user may read: their
    teams' own, and those sent to their teams."""
    if not is_active_staff(user):
        return referrals.none()
    team_ids = referral_teams_of(user).values("pk")
    # Each side found through its team index (InArray), the two OR'd: not every referral read.
    return referrals.filter(
        Q(InArray("from_team", team_ids)) | (Q(InArray("to_team", team_ids)) & ~Q(state="draft"))
    )


def referral_sides(user: User, referral) -> set[str]:
    """Which side(s) of the referral the user is on: "sender", "receiver", both or none."""
    team_ids = set(referral_teams_of(user).values_list("pk", flat=True))
    sides = set()
    if referral.from_team_id in team_ids:
        sides.add("sender")
    if referral.to_team_id in team_ids and referral.state != "draft":
        sides.add("receiver")
    return sides


def can_act_on_referral(user: User, referral, action: str, *, sides: set[str] | None = None) -> bool:
    """May the user take `action` on the referral, as far as who they are goes?

    Whether the referral's state allows the move is the state machine's business
    (Referral.ensure_can_move_to); this answers only whether this person may try.
    """
    sides = referral_sides(user, referral) if sides is None else sides
    if action in REFERRAL_SENDER_ACTIONS:
        return "sender" in sides
    if action in REFERRAL_RECEIVER_ACTIONS:
        return "receiver" in sides
    if action in REFERRAL_EITHER_ACTIONS:
        return bool(sides)
    raise ValueError(f"Unknown referral action {action!r}")
