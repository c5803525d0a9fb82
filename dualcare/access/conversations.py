"""Conversations: who reads a case conversation, who may be addressed in one, and who has left.

Part of dualcare.access (see its __init__ for the rules as a whole).

A conversation names the kind of information it is about; the kind is the consent scope its
subject and messages cross organisations under (CONVERSATION_SCOPES, declared with the models in
ORG_WRITTEN). General care coordination (who does what and when) follows the care-plan consent:
the person's agreement that an organisation plans their care with the others is what lets it
coordinate that care with them. A staff member reads a conversation while:

- their organisation is in it (it started it, or one of its teams, or a named member of one, is
  addressed), and
- the ORG_WRITTEN rule lets them see it: they may see the person (their team is involved now, or
  they manage its organisation), and the conversation is their own organisation's, or the
  person's consent of its scope to their organisation is active.

Each message within follows the same rule for the organisation that wrote it. Withdrawn consent
or an ended involvement revokes the permission rows in that transaction (permissions_sync), so
the very next request is a 404. The others then read "<Organisation> has left this
conversation", computed from the person's involvements and consents now (never a stored flag).

The person reads the conversations they are included in ("Ask Sam"); a carer never reads any.
The core imports no capability app: the conversations app passes its querysets in.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dualcare.people.models import Consent, Involvement, Scope, ServiceUser, StaffRole, Team, User

from .consent import org_written_filter
from .roles import CLINICAL_ROLES, active_roles, is_active_user, roles_in_force

# A conversation's kind -> the consent scope it is shared under.
CONVERSATION_SCOPES = {
    "general": Scope.CARE_PLAN,
    "care_plan": Scope.CARE_PLAN,
    "risk": Scope.RISK,
    "outcomes": Scope.OUTCOMES,
    "contacts": Scope.CONTACTS,
}


def conversation_scope(kind: str) -> str:
    return CONVERSATION_SCOPES[kind]


def _my_organisation_ids(user: User) -> QuerySet:
    return active_roles(user).order_by().values("team__organisation_id")


def conversations_visible_to(
    user: User, conversations: QuerySet, *, service_user: ServiceUser | None = None
) -> QuerySet:
    """The conversations (of the app's queryset) the user may read now (see the module's rules)."""
    if not is_active_user(user) or user.kind == User.Kind.CARER:
        return conversations.none()
    rows = org_written_filter(user, conversations, service_user=service_user)
    if user.kind == User.Kind.SERVICE_USER:
        return rows.filter(includes_service_user=True)
    if user.kind != User.Kind.STAFF:
        return conversations.none()
    my_orgs = _my_organisation_ids(user)
    participants = conversations.model._meta.get_field("participants").related_model
    addressed = participants.objects.filter(conversation=OuterRef("pk"), team__organisation_id__in=my_orgs)
    return rows.filter(Q(organisation_id__in=my_orgs) | Q(Exists(addressed)))


def conversation_messages_visible_to(
    user: User, messages: QuerySet, conversations: QuerySet, *, service_user: ServiceUser | None = None
) -> QuerySet:
    """The messages (of the app's queryset) the user may read now: of a conversation they may
    read, each by the ORG_WRITTEN rule for the organisation that wrote it."""
    visible = conversations_visible_to(user, conversations, service_user=service_user)
    rows = org_written_filter(user, messages, service_user=service_user)
    return rows.filter(conversation__in=visible.values("pk"))


def conversation_addressable_teams(
    service_user: ServiceUser, kind: str, *, by_organisation_id=None
) -> QuerySet[Team]:
    """Teams that may be addressed about the person in a conversation of this kind: those with an
    open involvement whose organisation is the writer's own, or holds the person's consent of the
    kind's scope now. A pharmacy is addressed only about appointments and collections (its staff
    see nothing else of a record)."""
    scope = conversation_scope(kind)
    consented = Consent.objects.filter(
        service_user=service_user, scope=scope, withdrawn_at__isnull=True
    ).values("organisation_id")
    involved = Involvement.objects.filter(service_user=service_user, end__isnull=True).values("team_id")
    teams = Team.objects.filter(pk__in=involved, is_active=True).filter(
        Q(organisation_id__in=consented) | Q(organisation_id=by_organisation_id)
    )
    if scope != Scope.CONTACTS:
        teams = teams.exclude(organisation__kind="pharmacy")
    return teams.select_related("organisation").order_by("organisation__name", "name")


def conversation_roles(kind: str) -> set[str]:
    """The staff roles that read a conversation of this kind through their team."""
    if conversation_scope(kind) == Scope.CONTACTS:
        return set(CLINICAL_ROLES) | {StaffRole.Role.PHARMACIST}
    return set(CLINICAL_ROLES)


def conversation_team_members(team_ids, kind: str) -> QuerySet[User]:
    """The staff addressed through a whole team: its members in force whose role reads the kind."""
    roles = roles_in_force(team_id__in=list(team_ids), role__in=sorted(conversation_roles(kind)))
    return User.objects.filter(pk__in=roles.values("user_id"), is_active=True)


def conversation_organisations_left(
    service_user: ServiceUser, kind: str, *, organisation_ids: set, starter_id=None
) -> set:
    """Which of the organisations in a conversation have left it now: no team of theirs is
    involved with the person any more, or (for any but the one that started it) the person's
    consent of the kind's scope to them is not active. Two queries."""
    if not organisation_ids:
        return set()
    involved = set(
        Involvement.objects.filter(
            service_user=service_user, end__isnull=True, team__organisation_id__in=organisation_ids
        ).values_list("team__organisation_id", flat=True)
    )
    consented = set(
        Consent.objects.filter(
            service_user=service_user,
            scope=conversation_scope(kind),
            withdrawn_at__isnull=True,
            organisation_id__in=organisation_ids,
        ).values_list("organisation_id", flat=True)
    )
    return {
        org_id
        for org_id in organisation_ids
        if org_id not in involved or (org_id != starter_id and org_id not in consented)
    }
