"""Signposting: who sees where a person was pointed, and who records the follow-up.

Part of dualcare.access (see its __init__ for the rules as a whole).

A signpost is written by the signposting team's organisation about the person (ORG_WRITTEN
"directory.signpost", the care-plan scope: where to go after care is discharge and aftercare, a
care-plan section). A signpost made when a referral is declined is also part of that referral
(rule 1): both sides of the referral see it, as they see the decline's reason, whatever the
consent, since the referrer must know where the person was sent instead. The person sees their
own; a carer what the person shares of their care plan. Only the signposting team's clinical
staff record the follow-up. The core imports no capability app: the directory passes its rows in.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dualcare.people.models import User

from .consent import org_written_filter
from .roles import CLINICAL_ROLES, is_active_staff, teams_of


def signposts_visible_to(user: User, signposts: QuerySet, *, service_user=None) -> QuerySet:
    """The signposts (of the directory's queryset) the user may see: the consent rule of
    ORG_WRITTEN, and for staff also those of referrals they are a side of."""
    shared = org_written_filter(user, signposts, service_user=service_user)
    if not is_active_staff(user):
        return shared
    team_ids = teams_of(user, roles=CLINICAL_ROLES).values("pk")
    of_referral = signposts.filter(
        Q(referral__isnull=False) & (Q(referral__from_team__in=team_ids) | Q(referral__to_team__in=team_ids))
    )
    if service_user is not None:
        of_referral = of_referral.filter(service_user=service_user)
    # One statement, the two rules OR'd in its WHERE: not an IN over every signpost's id (a team's
    # follow-ups at trust scale: 790 ms as two IN subqueries, 77 ms so, on a loaded machine).
    return shared | of_referral


def signposts_can_follow_up(user: User, signpost) -> bool:
    """May the user record whether the person got there? The signposting team's clinical staff."""
    return is_active_staff(user) and teams_of(user, roles=CLINICAL_ROLES).filter(pk=signpost.team_id).exists()


def signposts_follow_up_teams(user: User):
    """The teams whose follow-ups this user records (their clinical teams)."""
    return teams_of(user, roles=CLINICAL_ROLES)
