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

A team a referral about the person is with (sent or acknowledged, not yet accepted) has no
involvement, so no access to the record (rule 1, access.referrals): it may be addressed, and its
clinical staff read the conversation while the referral is open, if its organisation is the
writer's own or holds the person's consent of the kind's scope now, and each message by the same
consent for the organisation that wrote it. The referral declined, withdrawn or closed, the thread
is a 404 at the next request; accepted, the involvement it starts is the ordinary way in.

Each message within follows the same rule for the organisation that wrote it. Withdrawn consent
or an ended involvement revokes the permission rows in that transaction (permissions_sync), so
the very next request is a 404. The others then read "<Organisation> has left this
conversation", computed from the person's involvements and consents now (never a stored flag).

The person reads the conversations they are included in ("Ask Sam"); a carer never reads any.
The core imports no capability app: the conversations app passes its querysets in.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dualcare.people import extensions
from dualcare.people.models import Consent, Involvement, Scope, ServiceUser, StaffRole, Team, User

from .consent import org_written_filter, org_written_rows_of_one
from .referrals import referral_teams_of
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


def _open_referrals() -> QuerySet | None:
    # The referrals app's open referrals (extensions' "open_referrals"); None without the app.
    return extensions.provider("open_referrals")()


def _shared_with(my_orgs: QuerySet, *, person, organisation="organisation_id", kind="kind") -> Q:
    """The row (a conversation or a message) is one of my organisations', or the person's consent
    of its kind's scope to one of them is active: the consent half of ORG_WRITTEN's rule, for
    readers who hold no permission rows on the person (a referral's receiving team)."""
    shared = Q(**{f"{organisation}__in": my_orgs})
    for scope in sorted(set(CONVERSATION_SCOPES.values())):
        kinds = sorted(k for k, s in CONVERSATION_SCOPES.items() if s == scope)
        consented = Consent.objects.filter(
            service_user=person, organisation_id__in=my_orgs, scope=scope, withdrawn_at__isnull=True
        )
        shared |= Q(**{f"{kind}__in": kinds}) & Q(Exists(consented))
    return shared


def _read_through_referral(user: User, conversations: QuerySet, *, service_user=None) -> QuerySet:
    """Conversations the user reads as a member of a team an open referral about the person is
    with, that team addressed in it (see the module's rules)."""
    open_referrals = _open_referrals()
    if open_referrals is None:
        return conversations.none()
    if service_user is not None:
        conversations = conversations.filter(service_user=service_user)
    my_teams = referral_teams_of(user).order_by().values("pk")
    referred = open_referrals.filter(
        service_user=OuterRef(OuterRef("service_user")), to_team__in=my_teams
    ).values("to_team_id")
    participants = conversations.model._meta.get_field("participants").related_model
    addressed = participants.objects.filter(conversation=OuterRef("pk"), team__in=referred)
    return conversations.filter(
        Q(Exists(addressed)) & _shared_with(_my_organisation_ids(user), person=OuterRef("service_user"))
    )


def conversations_visible_to(
    user: User, conversations: QuerySet, *, service_user: ServiceUser | None = None, few: bool = False
) -> QuerySet:
    """The conversations (of the app's queryset) the user may read now (see the module's rules).
    `few`: the caller's queryset is already narrowed to a few conversations of many people (the
    inbox, one thread): the same rule tested row by row (org_written_rows_of_one) rather than
    hashing every person the user may see."""
    if not is_active_user(user) or user.kind == User.Kind.CARER:
        return conversations.none()
    if few and service_user is None:
        rows = org_written_rows_of_one(user, conversations)
    else:
        rows = org_written_filter(user, conversations, service_user=service_user)
    if user.kind == User.Kind.SERVICE_USER:
        return rows.filter(includes_service_user=True)
    if user.kind != User.Kind.STAFF:
        return conversations.none()
    my_orgs = _my_organisation_ids(user)
    participants = conversations.model._meta.get_field("participants").related_model
    addressed = participants.objects.filter(conversation=OuterRef("pk"), team__organisation_id__in=my_orgs)
    in_it = rows.filter(Q(organisation_id__in=my_orgs) | Q(Exists(addressed)))
    return in_it | _read_through_referral(user, conversations, service_user=service_user)


def conversation_messages_visible_to(
    user: User,
    messages: QuerySet,
    conversations: QuerySet,
    *,
    service_user: ServiceUser | None = None,
    readable: bool = False,
) -> QuerySet:
    """The messages (of the app's queryset) the user may read now: of a conversation they may
    read, each by the ORG_WRITTEN rule for the organisation that wrote it. `readable`: the
    caller has just found the user may read `conversations` (one thread, through
    conversations_visible_to in this request), so only each message's own rule is tested."""
    rows = org_written_filter(user, messages, service_user=service_user)
    if user.kind == User.Kind.STAFF and is_active_user(user):
        # A referral's receiving team holds no permission rows: its consent test, row by row.
        referred = _read_through_referral(user, conversations, service_user=service_user)
        rows = rows | messages.filter(
            Q(conversation__in=referred.values("pk"))
            & _shared_with(_my_organisation_ids(user), person=OuterRef("service_user"))
        )
    if readable:
        return rows.filter(conversation__in=conversations.values("pk"))
    visible = conversations_visible_to(user, conversations, service_user=service_user)
    return rows.filter(conversation__in=visible.values("pk"))


def conversation_addressable_teams(
    service_user: ServiceUser, kind: str, *, by_organisation_id=None
) -> QuerySet[Team]:
    """Teams that may be addressed about the person in a conversation of this kind: those with an
    open involvement, or an open referral about the person, whose organisation is the writer's
    own, or holds the person's consent of the kind's scope now. A pharmacy is addressed only about
    appointments and collections (its staff see nothing else of a record)."""
    scope = conversation_scope(kind)
    consented = Consent.objects.filter(
        service_user=service_user, scope=scope, withdrawn_at__isnull=True
    ).values("organisation_id")
    involved = Involvement.objects.filter(service_user=service_user, end__isnull=True).values("team_id")
    working = Q(pk__in=involved)
    open_referrals = _open_referrals()
    if open_referrals is not None:
        working |= Q(pk__in=open_referrals.filter(service_user=service_user).values("to_team_id"))
    teams = Team.objects.filter(working, is_active=True).filter(
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
    involved with the person any more (nor has an open referral about them), or (for any but the
    one that started it) the person's consent of the kind's scope to them is not active. Two or
    three queries."""
    if not organisation_ids:
        return set()
    involved = set(
        Involvement.objects.filter(
            service_user=service_user, end__isnull=True, team__organisation_id__in=organisation_ids
        ).values_list("team__organisation_id", flat=True)
    )
    open_referrals = _open_referrals()
    if open_referrals is not None and not set(organisation_ids) <= involved:
        involved |= set(
            open_referrals.filter(
                service_user=service_user, to_team__organisation_id__in=organisation_ids
            ).values_list("to_team__organisation_id", flat=True)
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
