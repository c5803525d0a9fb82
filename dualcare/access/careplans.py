"""Care plans: who reads which sections and entries, and writes which.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import QuerySet

from dualcare.people import carer_sharing
from dualcare.people.models import (
    CarerPermission,
    ServiceUser,
    Team,
    User,
)

from .consent import ORG_WRITTEN
from .denials import Refused
from .records import (
    can_view_record,
    carer_scopes,
    ensure_can_act_for,
    service_user_ids_visible_to,
    visible_scopes,
)
from .roles import CLINICAL_ROLES, is_active_user, organisations_of, teams_of

# ---------------------------------------------------------------------------
# Care plans
#
# One shared plan per person. Staff of an involved organisation see their own
# organisation's entries, and other organisations' entries only with the person's consent
# to their organisation: care_plan for every section but risk, risk for the risk history.
# Withdrawal revokes the scope permission in its transaction, so it hides at once. The
# person sees their published plan; a carer the person granted care_plan sees the
# published crisis plan only (issue 4: what to do and whom to call is what a carer needs).
# Entries are written by staff of a team involved with the person, for that team's
# organisation, which alone changes them.

CARER_CARE_PLAN_SECTIONS = carer_sharing.CARER_CARE_PLAN_SECTIONS


class CarePlanAccess:
    """What one user may see and do with one person's care plan (computed once per request)."""

    def __init__(
        self,
        *,
        can_view: bool = False,
        kind: str = "",
        own_org_ids: frozenset = frozenset(),
        writing_org_ids: frozenset = frozenset(),
        scopes: frozenset = frozenset(),
    ):
        self.can_view = can_view
        self.kind = kind
        self.own_org_ids = own_org_ids
        self.writing_org_ids = writing_org_ids
        self.scopes = scopes

    @property
    def published_only(self) -> bool:
        """Service users and carers see published versions only, never the working draft."""
        return self.kind in (User.Kind.SERVICE_USER, User.Kind.CARER)

    @property
    def can_write(self) -> bool:
        return bool(self.writing_org_ids)

    def sees_section(self, section: str) -> bool:
        if self.kind == User.Kind.CARER:
            return section in CARER_CARE_PLAN_SECTIONS
        return self.can_view

    def may_download(self, version) -> bool:
        """May this user download the version's PDF? The PDF is the person's copy, the whole plan,
        so only a reader who sees every entry in it (page and API; others get the page)."""
        return all(
            self.sees_entry(section, entry["organisation_id"])
            for section, entries in version.content.get("sections", {}).items()
            for entry in entries
        )

    def sees_entry(self, section: str, organisation_id) -> bool:
        """May this user see an entry of `section` written by organisation `organisation_id`?"""
        if not self.can_view or not self.sees_section(section):
            return False
        if self.kind != User.Kind.STAFF:
            return True
        if _uuid_str(organisation_id) in self.own_org_ids:
            return True
        return ORG_WRITTEN["careplans.planentry"].scope_of(section) in self.scopes

    def may_edit(self, organisation_id) -> bool:
        return _uuid_str(organisation_id) in self.writing_org_ids


def _uuid_str(value) -> str:
    return str(value) if value is not None else ""


def care_plan_access(user: User, service_user: ServiceUser) -> CarePlanAccess:
    """The care-plan rules for this user and person, in a handful of queries."""
    if not is_active_user(user):
        return CarePlanAccess()
    if user.kind == User.Kind.SERVICE_USER:
        return CarePlanAccess(can_view=service_user.user_id == user.pk, kind=user.kind)
    if user.kind == User.Kind.CARER:
        granted = CarerPermission.Scope.CARE_PLAN in carer_scopes(user, service_user)
        return CarePlanAccess(can_view=granted, kind=user.kind)
    if not can_view_record(user, service_user):
        return CarePlanAccess(kind=user.kind)
    own = frozenset(str(pk) for pk in organisations_of(user).values_list("pk", flat=True))
    writing = frozenset(
        str(pk)
        for pk in teams_of(user, roles=CLINICAL_ROLES)
        .filter(involvements__service_user=service_user, involvements__end__isnull=True)
        .values_list("organisation_id", flat=True)
    )
    return CarePlanAccess(
        can_view=True,
        kind=user.kind,
        own_org_ids=own,
        writing_org_ids=writing,
        scopes=frozenset(visible_scopes(user, service_user)),
    )


def care_plan_writing_team(user: User, service_user: ServiceUser, organisation_id=None) -> Team:
    """The involved team through which a staff member writes to the plan (of `organisation_id`).

    Raises Hidden (404) when the record is not theirs to see, Refused (403) when they see it but
    no team of theirs (of that organisation) works with the person.
    """
    team = ensure_can_act_for(user, service_user)
    if organisation_id is not None and str(team.organisation_id) != str(organisation_id):
        team = (
            teams_of(user, roles=CLINICAL_ROLES)
            .filter(
                organisation_id=organisation_id,
                involvements__service_user=service_user,
                involvements__end__isnull=True,
            )
            .first()
        )
        if team is None:
            raise Refused("Only the organisation that wrote this entry can change it.")
    return team


def care_plans_visible_to(user: User, plans: QuerySet) -> QuerySet:
    """The care plans (of the careplans app's queryset) of the people whose record the staff
    member may see (entries filtered apart); for a service user their own plan, for a carer the
    plans of the people who granted them "care_plan" (the rule of care_plan_access and the
    portal's pages)."""
    if not is_active_user(user):
        return plans.none()
    if user.kind == User.Kind.SERVICE_USER:
        return plans.filter(service_user__user=user)
    if user.kind == User.Kind.CARER:
        return plans.filter(
            service_user__carers__user=user,
            service_user__carers__ended_at__isnull=True,
            service_user__carers__permissions__scope="care_plan",
            service_user__carers__permissions__revoked_at__isnull=True,
        ).distinct()
    if user.kind != User.Kind.STAFF:
        return plans.none()
    return plans.filter(service_user_id__in=service_user_ids_visible_to(user))
