"""The person's own words for their care plan (issue 20 item 1): who reads them, who writes and
who answers them.

Part of dualcare.access (see its __init__ for the rules as a whole).

The person writes what matters to them, their own goals with how they feel they are going, and
their part of the crisis plan. These are the person's words addressed to their care team, not
something an organisation wrote, so they do not cross organisations by the consent scopes
(ORG_WRITTEN declares them exempt with this rule): they show to the person, and to staff who
may see the person's record now (an open involvement of one of their teams), the same staff who
see the plan's shell and the person's answers to it (careplans.agreement). Only staff of a team
involved in the person's care (care_plan_writing_team) accept or answer them.

Carers (Triangle of Care, the person's consent to carers): a carer does not see the person's
own goals, ratings or suggestions. What a carer sees of the plan is what the person granted
(the published crisis plan, with "care_plan"); once a worker accepts the person's words into
the plan they follow that rule like any other entry. How the person rates their own progress
is theirs to share: they can show it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from dualcare.people.models import ServiceUser, User

from .records import can_view_record, service_user_ids_visible_to
from .roles import CLINICAL_ROLES, is_active_user, teams_of


@dataclass(frozen=True)
class OwnWordsAccess:
    """What one user may do with one person's own words (computed once per request)."""

    can_view: bool = False
    can_write: bool = False  # the person themselves
    can_answer: bool = False  # staff of a team involved in the person's care


def own_words_access(user: User, service_user: ServiceUser) -> OwnWordsAccess:
    """The own-words rules for this user and person, in one or two queries."""
    if not is_active_user(user) or service_user is None:
        return OwnWordsAccess()
    if user.kind == User.Kind.SERVICE_USER:
        own = service_user.user_id == user.pk
        return OwnWordsAccess(can_view=own, can_write=own)
    if user.kind != User.Kind.STAFF or not can_view_record(user, service_user):
        return OwnWordsAccess()
    answers = (
        teams_of(user, roles=CLINICAL_ROLES)
        .filter(involvements__service_user=service_user, involvements__end__isnull=True)
        .exists()
    )
    return OwnWordsAccess(can_view=True, can_answer=answers)


def own_words_visible_to(user: User, rows: QuerySet, *, path: str = "service_user") -> QuerySet:
    """Narrow a queryset of the careplans app's own-words rows (or their goals' ratings, with
    `path` the lookup to the person) to what the user may see: the person their own, staff the
    people whose record they may see, carers and everyone else nothing."""
    if not is_active_user(user):
        return rows.none()
    if user.kind == User.Kind.SERVICE_USER:
        return rows.filter(**{f"{path}__user": user})
    if user.kind == User.Kind.STAFF:
        return rows.filter(**{f"{path}_id__in": service_user_ids_visible_to(user)})
    return rows.none()
