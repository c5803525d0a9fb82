"""Granting and revoking the object permissions that hold staff access (permissions_sync).

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dualcare.people.models import (
    Consent,
    Involvement,
    Scope,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)

from .records import forget_checks
from .roles import ALL_PERMS, CLINICAL_ROLES, SCOPE_PERMS, VIEW_RECORD, _active_roles_q

# ---------------------------------------------------------------------------
# Granting and revoking object permissions


def _desired_permissions(service_user_ids: set, user_ids: set | None, day) -> set[tuple]:
    """(user_id, service_user_id, codename) that the rules give, for these people (and users)."""
    involvements = list(
        Involvement.objects.filter(
            service_user_id__in=service_user_ids, end__isnull=True, start__lte=day
        ).values_list("service_user_id", "team_id", "team__organisation_id")
    )
    if not involvements:
        return set()
    team_ids = {team_id for _, team_id, _ in involvements}
    org_ids = {org_id for _, _, org_id in involvements}
    consented: dict[tuple, set[str]] = {}
    for su_id, org_id, scope in Consent.objects.filter(
        service_user_id__in=service_user_ids, withdrawn_at__isnull=True
    ).values_list("service_user_id", "organisation_id", "scope"):
        consented.setdefault((su_id, org_id), set()).add(scope)

    roles = StaffRole.objects.filter(_active_roles_q(day), user__is_active=True).filter(
        Q(team_id__in=team_ids) | Q(role=StaffRole.Role.TEAM_MANAGER, team__organisation_id__in=org_ids)
    )
    if user_ids is not None:
        roles = roles.filter(user_id__in=user_ids)
    roles = list(roles.values_list("user_id", "team_id", "team__organisation_id", "role"))

    teams_by_person: dict = {}
    orgs_by_person: dict = {}
    for su_id, team_id, org_id in involvements:
        teams_by_person.setdefault(su_id, set()).add(team_id)
        orgs_by_person.setdefault(su_id, set()).add(org_id)

    # Each person meets only the roles of their own teams and the managers of their organisations,
    # indexed once: a bulk import's batch (500 people, a thousand roles) spent 9 s of its 22 s at
    # trust scale pairing every person with every role (issue 21, item 4).
    roles_by_team: dict = {}
    managers_by_org: dict = {}
    for user_id, team_id, org_id, role in roles:
        roles_by_team.setdefault(team_id, []).append((user_id, org_id, role))
        if role == StaffRole.Role.TEAM_MANAGER:
            managers_by_org.setdefault(org_id, []).append((user_id, org_id, role))

    desired = set()
    for su_id, person_teams in teams_by_person.items():
        seen = [role for team_id in person_teams for role in roles_by_team.get(team_id, ())]
        seen += [role for org_id in orgs_by_person[su_id] for role in managers_by_org.get(org_id, ())]
        for user_id, org_id, role in seen:
            if role == StaffRole.Role.PHARMACIST:  # only ever met through their own team
                desired.add((user_id, su_id, SCOPE_PERMS[Scope.CONTACTS]))
            elif role in CLINICAL_ROLES:
                desired.add((user_id, su_id, VIEW_RECORD))
                for scope in consented.get((su_id, org_id), ()):
                    desired.add((user_id, su_id, SCOPE_PERMS[scope]))
    return desired


def permissions_sync(
    *, service_user_ids: Iterable | None = None, user_ids: Iterable | None = None
) -> tuple[int, int]:
    """Make the stored object permissions match the rules for these people and/or users.

    Call inside the transaction that changed an involvement, consent or staff role.
    Returns (granted, revoked) counts.
    """
    day = timezone.localdate()
    user_ids = set(user_ids) if user_ids is not None else None
    if service_user_ids is None:
        if user_ids is None:
            raise ValueError("permissions_sync needs service_user_ids, user_ids or both")
        # Everyone these users might see now, and everyone they can see today.
        roles = StaffRole.objects.filter(_active_roles_q(day), user_id__in=user_ids)
        teams = roles.values("team_id")
        managed_orgs = roles.filter(role=StaffRole.Role.TEAM_MANAGER).values("team__organisation_id")
        reachable = (
            Involvement.objects.filter(end__isnull=True)
            .filter(Q(team_id__in=teams) | Q(team__organisation_id__in=managed_orgs))
            .values_list("service_user_id", flat=True)
        )
        held = ServiceUserUserObjectPermission.objects.filter(user_id__in=user_ids).values_list(
            "content_object_id", flat=True
        )
        service_user_ids = set(reachable) | set(held)
    else:
        service_user_ids = set(service_user_ids)
    if not service_user_ids:
        return (0, 0)

    forget_checks()
    desired = _desired_permissions(service_user_ids, user_ids, day)
    existing_rows = ServiceUserUserObjectPermission.objects.filter(
        content_object_id__in=service_user_ids,
        permission__codename__in=ALL_PERMS,
        permission__content_type__app_label="people",
    )
    if user_ids is not None:
        existing_rows = existing_rows.filter(user_id__in=user_ids)
    existing = {
        (user_id, su_id, codename): pk
        for pk, user_id, su_id, codename in existing_rows.values_list(
            "pk", "user_id", "content_object_id", "permission__codename"
        )
    }
    to_revoke = [pk for key, pk in existing.items() if key not in desired]
    to_grant = desired - existing.keys()
    if to_revoke:
        ServiceUserUserObjectPermission.objects.filter(pk__in=to_revoke).delete()
    if to_grant:
        perms = {
            p.codename: p
            for p in Permission.objects.filter(content_type__app_label="people", codename__in=ALL_PERMS)
        }
        ServiceUserUserObjectPermission.objects.bulk_create(
            [
                ServiceUserUserObjectPermission(
                    user_id=user_id, content_object_id=su_id, permission=perms[codename]
                )
                for user_id, su_id, codename in to_grant
            ]
        )
    return (len(to_grant), len(to_revoke))


def staff_roles_bring_into_force() -> int:
    """Grant or withdraw access for staff roles whose start or end date has come. Idempotent."""
    day = timezone.localdate()
    changed = 0
    due_to_start = StaffRole.objects.filter(_active_roles_q(day)).exclude(access_state="granted")
    due_to_end = StaffRole.objects.filter(end__lte=day).exclude(access_state="withdrawn")
    for queryset, state in ((due_to_start, "granted"), (due_to_end, "withdrawn")):
        for role_id, user_id in list(queryset.values_list("pk", "user_id")):
            permissions_sync(user_ids=[user_id])
            # Conditional update: a second beat doing the same work changes nothing more.
            changed += (
                StaffRole.objects.filter(pk=role_id).exclude(access_state=state).update(access_state=state)
            )
    return changed


def permissions_grant_all() -> int:
    """Grant everyone, in one INSERT ... SELECT, the object permissions permissions_sync would.

    For a database whose people were written in bulk (the trust-scale demo) and that holds no
    permission rows yet: the same rule as `_desired_permissions`, over every person, in SQL. A
    clinical role (key worker, link worker, team manager) in force today, of an active login, in a
    team with an open involvement that has started, or a team manager of that team's
    organisation, gives view_serviceuser, and each scope the person consents to share with the
    role's organisation; a pharmacist in the team gives view_contacts. Returns the rows written.
    """
    if ServiceUserUserObjectPermission.objects.exists():
        raise ValueError("permissions_grant_all is for a database with no permission rows yet")
    day = timezone.localdate()
    perms = dict(
        Permission.objects.filter(content_type__app_label="people", codename__in=ALL_PERMS).values_list(
            "codename", "pk"
        )
    )
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (Involvement, StaffRole, Consent, ServiceUserUserObjectPermission)
    }
    team_table = connection.ops.quote_name(Team._meta.db_table)
    user_table = connection.ops.quote_name(User._meta.db_table)
    scope_perm = " ".join(f"WHEN '{scope}' THEN {perms[codename]}" for scope, codename in SCOPE_PERMS.items())
    clinical = ", ".join(f"'{role}'" for role in sorted(CLINICAL_ROLES))
    # Only quoted table names and the rule's constants are put into the text; the day is a parameter.
    query = f"""
        WITH inv AS (
            SELECT DISTINCT i.service_user_id AS su, i.team_id, t.organisation_id AS org
            FROM {table[Involvement]} i JOIN {team_table} t ON t.id = i.team_id
            WHERE i."end" IS NULL AND i.start <= %(day)s
        ),
        roles AS (
            SELECT DISTINCT r.user_id, r.team_id, t.organisation_id AS org, r.role
            FROM {table[StaffRole]} r
            JOIN {team_table} t ON t.id = r.team_id
            JOIN {user_table} u ON u.id = r.user_id
            WHERE r.start <= %(day)s AND (r."end" IS NULL OR r."end" > %(day)s) AND u.is_active
        ),
        seen AS (
            SELECT inv.su, roles.user_id, roles.org
            FROM inv JOIN roles ON roles.team_id = inv.team_id
            WHERE roles.role IN ({clinical})
            UNION
            SELECT inv.su, roles.user_id, roles.org
            FROM inv JOIN roles ON roles.org = inv.org
            WHERE roles.role = '{StaffRole.Role.TEAM_MANAGER}'
        ),
        granted AS (
            SELECT seen.user_id, seen.su, {perms[VIEW_RECORD]} AS permission_id FROM seen
            UNION
            SELECT seen.user_id, seen.su, CASE c.scope {scope_perm} END
            FROM seen JOIN {table[Consent]} c
                ON c.service_user_id = seen.su AND c.organisation_id = seen.org AND c.withdrawn_at IS NULL
            UNION
            SELECT roles.user_id, inv.su, {perms[SCOPE_PERMS[Scope.CONTACTS]]}
            FROM inv JOIN roles ON roles.team_id = inv.team_id
            WHERE roles.role = '{StaffRole.Role.PHARMACIST}'
        )
        INSERT INTO {table[ServiceUserUserObjectPermission]} (user_id, content_object_id, permission_id)
        SELECT user_id, su, permission_id FROM granted
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, {"day": day})
    return ServiceUserUserObjectPermission.objects.count()
