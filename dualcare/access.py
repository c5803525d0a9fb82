"""The one place that decides who may see or do what in DualCare (DESIGN.md "Access").

Staff see a person's record while one of their teams has an open involvement with
that person. What crosses an organisation boundary follows the person's consent,
per receiving organisation and per scope (care plan, risk, outcomes, contacts).
Managers see the people of their own organisation. Pharmacists see contacts only.
Organisation admins manage staff and see no clinical record. A service user sees
their own record; a carer sees what the person has allowed.

Staff access is held as django-guardian object permissions on ServiceUser, through
direct-foreign-key tables. They are granted and revoked only here, by
`permissions_sync`, called in the same transaction as every change of involvement,
consent or staff role. Nobody holds a global permission on clinical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dualcare.ids import is_uuid
from dualcare.people import carer_sharing
from dualcare.people.models import (
    Carer,
    CarerPermission,
    Consent,
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    ServiceUserGroupObjectPermission,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)

VIEW_RECORD = "view_serviceuser"
SCOPE_PERMS = {scope: f"view_{scope}" for scope in Scope.values}
ALL_PERMS = [VIEW_RECORD, *SCOPE_PERMS.values()]

# Roles whose holders work with people's records in their teams.
CLINICAL_ROLES = {StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER, StaffRole.Role.TEAM_MANAGER}


# ---------------------------------------------------------------------------
# Staff roles


def active_roles(user: User, *, on=None) -> QuerySet[StaffRole]:
    """The user's staff roles in force on a day (today by default)."""
    day = on or timezone.localdate()
    return StaffRole.objects.filter(user=user).filter(_active_roles_q(day))


def _active_roles_q(day) -> Q:
    # `end` is the first day without the role, so a role ended today gives nothing today.
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


def teams_of(user: User, *, roles: Iterable[str] | None = None) -> QuerySet[Team]:
    """Teams in which the user holds an active role (optionally only the given roles)."""
    staff_roles = active_roles(user)
    if roles is not None:
        staff_roles = staff_roles.filter(role__in=list(roles))
    return Team.objects.filter(pk__in=staff_roles.values("team_id")).select_related("organisation")


def organisations_of(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=active_roles(user).values("team__organisation_id"))


def acting_organisation(user: User, service_user: ServiceUser | None = None) -> Organisation | None:
    """The organisation a staff member acts for: one involved with the person where possible."""
    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.STAFF:
        return None
    roles = active_roles(user).select_related("team__organisation").order_by("start")
    if service_user is not None:
        involved = roles.filter(
            team__involvements__service_user=service_user, team__involvements__end__isnull=True
        )
        role = involved.first()
        if role is not None:
            return role.team.organisation
    role = roles.first()
    return role.team.organisation if role else None


def has_role(user: User, *roles: str) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.kind == User.Kind.STAFF
        and active_roles(user).filter(role__in=roles).exists()
    )


def roles_in_force(*, on=None, **filters) -> QuerySet[StaffRole]:
    """Staff roles in force on a day (today by default), of active logins, filtered as given."""
    day = on or timezone.localdate()
    return StaffRole.objects.filter(_active_roles_q(day), user__is_active=True, **filters)


def team_managers(team_id) -> list[User]:
    """Who hears about a team's alerts: its managers, else its organisation's team managers,
    else (so an alert never goes nowhere) the team's own clinical staff. Roles in force today."""
    in_force = roles_in_force()
    managers = in_force.filter(role=StaffRole.Role.TEAM_MANAGER)
    org_id = Team.objects.filter(pk=team_id).values("organisation_id")
    for roles in (
        managers.filter(team_id=team_id),
        managers.filter(team__organisation_id__in=org_id),
        in_force.filter(team_id=team_id, role__in=list(CLINICAL_ROLES)),
    ):
        people = list(User.objects.filter(pk__in=roles.values("user_id")))
        if people:
            return people
    return []


def is_org_admin_of(user: User, organisation: Organisation) -> bool:
    return active_roles(user).filter(role=StaffRole.Role.ORG_ADMIN, team__organisation=organisation).exists()


def organisations_administered_by(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=active_roles(user).filter(role=StaffRole.Role.ORG_ADMIN).values("team__organisation_id")
    )


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

    desired = set()
    for su_id in teams_by_person:
        for user_id, team_id, org_id, role in roles:
            in_team = team_id in teams_by_person[su_id]
            manager_of_org = role == StaffRole.Role.TEAM_MANAGER and org_id in orgs_by_person[su_id]
            if role == StaffRole.Role.PHARMACIST and in_team:
                desired.add((user_id, su_id, SCOPE_PERMS[Scope.CONTACTS]))
            elif role in CLINICAL_ROLES and (in_team or manager_of_org):
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


# ---------------------------------------------------------------------------
# Reading: permission-filtered querysets and checks


def _people_with_perm(user: User, codename: str) -> QuerySet:
    """ServiceUser ids on which the user holds `codename` directly or through a group.

    A UNION subquery rather than guardian's `id IN (...) OR id IN (...)`, which scans
    the whole table (DESIGN.md "Engineering decisions").
    """
    direct = ServiceUserUserObjectPermission.objects.filter(
        user=user, permission__codename=codename, permission__content_type__app_label="people"
    ).values("content_object_id")
    via_group = ServiceUserGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=codename, permission__content_type__app_label="people"
    ).values("content_object_id")
    return direct.union(via_group)


def service_users_visible_to(user: User, *, perm: str = VIEW_RECORD) -> QuerySet[ServiceUser]:
    """People whose record (or, for a scope permission, that part of it) the user may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ServiceUser.objects.none()
    if user.kind == User.Kind.SERVICE_USER:
        return ServiceUser.objects.filter(user=user) if perm == VIEW_RECORD else ServiceUser.objects.none()
    if user.kind == User.Kind.CARER:
        return ServiceUser.objects.none()
    return ServiceUser.objects.filter(pk__in=_people_with_perm(user, perm))


def service_users_on_caseload(user: User) -> QuerySet[ServiceUser]:
    """People with an open involvement of one of my teams (that I may see)."""
    return (
        service_users_visible_to(user)
        .filter(involvements__end__isnull=True, involvements__team__in=teams_of(user).values("pk"))
        .distinct()
    )


def user_has_perm(user: User, codename: str, service_user: ServiceUser) -> bool:
    """One indexed lookup per table (direct and via group) for one person, in one query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return False
    direct = ServiceUserUserObjectPermission.objects.filter(
        user=user,
        permission__codename=codename,
        permission__content_type__app_label="people",
        content_object_id=OuterRef("pk"),
    )
    via_group = ServiceUserGroupObjectPermission.objects.filter(
        group__user=user,
        permission__codename=codename,
        permission__content_type__app_label="people",
        content_object_id=OuterRef("pk"),
    )
    return ServiceUser.objects.filter(pk=service_user.pk).filter(Exists(direct) | Exists(via_group)).exists()


def can_view_record(user: User, service_user: ServiceUser) -> bool:
    """The person's record summary: identity, agencies involved, key workers, consents."""
    if getattr(user, "is_authenticated", False) and user.kind == User.Kind.SERVICE_USER:
        return service_user.user_id == user.pk
    return user_has_perm(user, VIEW_RECORD, service_user)


def visible_scopes(user: User, service_user: ServiceUser) -> set[str]:
    """Scopes of information from other organisations this staff member may see for the person."""
    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.STAFF:
        return set()
    by_codename = {codename: scope for scope, codename in SCOPE_PERMS.items()}
    held = ServiceUserUserObjectPermission.objects.filter(
        user=user, content_object=service_user, permission__codename__in=list(by_codename)
    ).values_list("permission__codename", flat=True)
    return {by_codename[codename] for codename in held}


def can_view_scope(user: User, service_user: ServiceUser, scope: str, *, owner: Organisation | None) -> bool:
    """May the user see information of `scope` about the person, held by organisation `owner`?

    The person always sees their own; a carer what the person granted; staff see their own
    organisation's information while involved, and another organisation's only with consent.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.kind == User.Kind.SERVICE_USER:
        return service_user.user_id == user.pk
    if user.kind == User.Kind.CARER:
        return scope in CARER_SCOPES and CARER_SCOPES[scope] in carer_scopes(user, service_user)
    if user_has_perm(user, SCOPE_PERMS[scope], service_user):
        return True
    if owner is None or not user_has_perm(user, VIEW_RECORD, service_user):
        return False
    return organisations_of(user).filter(pk=owner.pk).exists()


def carer_scopes(user: User, service_user: ServiceUser) -> set[str]:
    """What this carer may see of the person, as granted by the person and not revoked."""
    return set(
        CarerPermission.objects.filter(
            carer__user=user,
            carer__service_user=service_user,
            carer__ended_at__isnull=True,
            revoked_at__isnull=True,
        ).values_list("scope", flat=True)
    )


def cared_for_by(user: User) -> QuerySet[ServiceUser]:
    """People this carer supports who have granted them something to see."""
    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.CARER:
        return ServiceUser.objects.none()
    return ServiceUser.objects.filter(
        carers__user=user,
        carers__ended_at__isnull=True,
        carers__permissions__revoked_at__isnull=True,
    ).distinct()


def carer_link_for(user: User, service_user: ServiceUser) -> Carer | None:
    return Carer.objects.filter(user=user, service_user=service_user, ended_at__isnull=True).first()


def service_user_of(user: User) -> ServiceUser | None:
    """The record of a signed-in service user."""
    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.SERVICE_USER:
        return None
    return ServiceUser.objects.filter(user=user).first()


def get_record_or_404(user: User, records: QuerySet, pk, *, action: str, not_found: str = "No such record."):
    """One record of a person from a permission-filtered queryset, audited as a read of that
    person; otherwise 404, audited as denied (with the person, if the record exists)."""
    from dualcare.audit.services import audit_record

    found = records.select_related("service_user").filter(pk=pk).first() if is_uuid(pk) else None
    if found is None:
        hidden = records.model.objects.filter(pk=pk).only("service_user").first() if is_uuid(pk) else None
        audit_record(
            actor=user,
            action=action,
            service_user=hidden.service_user if hidden is not None else None,
            denied=True,
            detail={"requested_id": str(pk)[:64]},
        )
        raise Http404(not_found)
    audit_record(actor=user, action=action, target=found, service_user=found.service_user)
    return found


def get_service_user_or_404(user: User, pk: UUID | str, *, action: str = "service_user.view") -> ServiceUser:
    """The person's record if the user may see it, audited; otherwise 404 (also audited).

    A missing record and a forbidden one look the same, so nobody learns who is known here.
    """
    from dualcare.audit.services import audit_record

    service_user = ServiceUser.objects.filter(pk=pk).first() if is_uuid(pk) else None
    if service_user is None or not can_view_record(user, service_user):
        audit_record(
            actor=user,
            action=action,
            service_user=service_user,
            denied=True,
            detail={"requested_id": str(pk)[:64]},
        )
        raise Http404("No such record.")
    audit_record(actor=user, action=action, target=service_user)
    return service_user


def ensure_can_act_for(user: User, service_user: ServiceUser) -> Team:
    """The team through which a staff member acts on a person's record (write access), or 404."""
    if not can_view_record(user, service_user) or user.kind != User.Kind.STAFF:
        raise Http404("No such record.")
    team = (
        teams_of(user, roles=CLINICAL_ROLES)
        .filter(involvements__service_user=service_user, involvements__end__isnull=True)
        .first()
    )
    if team is None:
        # Managers see their organisation's people, but act through a team that is involved.
        raise PermissionError("Only staff of a team involved in this person's care can change their record.")
    return team


# ---------------------------------------------------------------------------
# What one organisation writes about a person (issue 12)
#
# Rule 2 for every row an organisation writes about a person, declared here in one table and
# applied by one filter. The writing organisation's own staff see its rows while they may see
# the person; another organisation's staff see them only while the person's consent of the
# row's scope to one of the reader's organisations is active (and they hold the matching
# scope permission, which comes from involvement and that consent in permissions_sync).
# Withdrawal revokes the permission in its transaction and ends the consent row, so the very
# next request sees nothing. Models that hold something about a person but are not shared by
# consent are declared exempt, with the rule that applies to them instead; a test walks every
# model with a path to ServiceUser and fails on one that is in neither list.
#
# Keys are model labels, so the core names capability apps' models without importing them.


@dataclass(frozen=True)
class OrgWritten:
    """How one model's rows about a person are shared across organisations.

    `service_user` and `organisation` are lookup paths from the model to the person and to the
    organisation that wrote the row. `scope` is the consent scope; `scope_by` = (field, {value:
    scope}) when it depends on a column (a care plan's risk section). `exempt` says why the rows
    are not consent-scoped and which rule governs them instead.
    """

    service_user: str
    organisation: str = ""
    scope: str = ""
    scope_by: tuple = ()
    exempt: str = ""

    def scopes(self) -> set[str]:
        return {self.scope} if self.scope else set(self.scope_by[1].values()) | {self.scope_by[2]}

    def scope_of(self, value) -> str:
        """The scope of a row whose `scope_by` column holds `value`."""
        if self.scope:
            return self.scope
        return self.scope_by[1].get(value, self.scope_by[2])


_RECORD_SUMMARY = (
    "record summary (rule 1): who is involved, consents and carers are what every involved team "
    "needs to coordinate care, so they show to whoever may see the record; no clinical content"
)
_OUTCOMES_WHY = (
    "HoNOS, TOP, DIALOG and satisfaction are the outcomes scope (DESIGN rule 2, the Consent scopes)"
)

ORG_WRITTEN: dict[str, OrgWritten] = {
    # A Minkoff quadrant is a clinical rating of severity drawn from the HoNOS and TOP (cohorts.
    # evidence), with free-text rationale about mental health and drug use: the same information
    # as the outcome measures it summarises, so it follows the outcomes consent.
    "cohorts.quadrantassessment": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    # An enrolment records the quadrant at entry, for the cohort's organisation.
    "cohorts.enrolment": OrgWritten("service_user", "cohort__organisation", Scope.OUTCOMES),
    "outcomes.honosrating": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.topform": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.dialograting": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    "outcomes.satisfactionresponse": OrgWritten("service_user", "organisation", Scope.OUTCOMES),
    # Appointments and collections are the contacts scope, the team's organisation writing them;
    # a supervised-consumption schedule (medicine and dose) is written by the prescribing team.
    "contacts.contact": OrgWritten("service_user", "team__organisation", Scope.CONTACTS),
    "contacts.contactoutcomeevent": OrgWritten(
        "contact__service_user", "contact__team__organisation", Scope.CONTACTS
    ),
    "contacts.supervisedconsumption": OrgWritten(
        "service_user", "prescribing_team__organisation", Scope.CONTACTS
    ),
    # Care plan entries: the risk history is the risk scope, every other section care_plan.
    "careplans.planentry": OrgWritten(
        "plan__service_user", "organisation", scope_by=("section", {"risk": Scope.RISK}, Scope.CARE_PLAN)
    ),
    # Exempt, each with the rule that governs it instead.
    "people.serviceuser": OrgWritten("pk", exempt=_RECORD_SUMMARY),
    "people.involvement": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.consent": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.carer": OrgWritten("service_user", exempt=_RECORD_SUMMARY),
    "people.carerpermission": OrgWritten("carer__service_user", exempt=_RECORD_SUMMARY),
    "people.serviceuseruserobjectpermission": OrgWritten(
        "content_object", exempt="the access machinery itself, read only by this module"
    ),
    "people.serviceusergroupobjectpermission": OrgWritten(
        "content_object", exempt="the access machinery itself, read only by this module"
    ),
    "audit.auditevent": OrgWritten(
        "service_user",
        exempt="who looked at the record, not information about the person; shown to the person "
        "themselves (rule 6) and to auditors",
    ),
    "referrals.referral": OrgWritten(
        "service_user",
        exempt="rule 1: a referral's contents go to the receiving team once sent (referrals_visible_to)",
    ),
    "referrals.referralevent": OrgWritten(
        "referral__service_user", exempt="part of its referral: rule 1, as referrals.referral"
    ),
    "referrals.handover": OrgWritten(
        "referral__service_user", exempt="part of its referral: rule 1, as referrals.referral"
    ),
    "careplans.careplan": OrgWritten(
        "service_user", exempt="the plan's shell (version numbers, review date); its content is its entries"
    ),
    "careplans.planversion": OrgWritten(
        "plan__service_user",
        exempt="a snapshot of entries of every organisation, each shown or hidden by the "
        "careplans.planentry rule (CarePlanAccess.sees_entry on its organisation and section)",
    ),
    "careplans.agreement": OrgWritten(
        "version__plan__service_user",
        exempt="the person's own answer to their plan (or their carer's views), not an "
        "organisation's; shown with the version to whoever may see the plan",
    ),
    "outcomes.outcomereminder": OrgWritten(
        "involvement__service_user", exempt="a due date for the involvement's own team; no content"
    ),
    "linkworkers.casenotification": OrgWritten(
        "service_user",
        exempt="presented to a link meeting by consent of its own kind: named only when every other "
        "organisation present holds care-plan consent, and only to a viewer of the case's "
        "organisation or of one holding it, else de-identified (linkworkers_identified_case_ids)",
    ),
    "notifications.notification": OrgWritten(
        "service_user",
        exempt="an alert names no one in its message; the alert pages name its person only to a "
        "recipient who may see that person's record now (service_users_visible_to), audited",
    ),
    "linkworkers.agendaitem": OrgWritten(
        "case__service_user", exempt="a link meeting's minutes of a case: as linkworkers.casenotification"
    ),
    "linkworkers.action": OrgWritten(
        "item__case__service_user", exempt="a link meeting's action: as linkworkers.casenotification"
    ),
}

# What a carer may see of each scope, by the person's grant (Triangle of Care); risk is never theirs.
CARER_SCOPES = carer_sharing.GRANT_FOR_RECORD_SCOPE


def org_written(model) -> OrgWritten:
    """The sharing rule declared for a model (class, instance or label); LookupError if none."""
    label = model if isinstance(model, str) else model._meta.label_lower
    try:
        return ORG_WRITTEN[label]
    except KeyError:
        raise LookupError(f"{label} is not declared in access.ORG_WRITTEN") from None


def _for_scopes(entry: OrgWritten, condition) -> Q:
    """OR of `condition(scope)` over the rows of each scope (one scope: just the condition)."""
    if entry.scope:
        return condition(entry.scope)
    field, mapping, default = entry.scope_by
    result = ~Q(**{f"{field}__in": list(mapping)}) & condition(default)
    for value, scope in mapping.items():
        result |= Q(**{field: value}) & condition(scope)
    return result


def _staff_sees(user: User, entry: OrgWritten) -> Q:
    """The person is one the user may see (one IN on their permission rows, a semi-join the
    database drives from those rows into the model's person index), and the row is their own
    organisation's, or the person is among those whose consent of the row's scope to one of the
    user's organisations is active and who gave them that scope's permission (both evaluated
    once, over the user's rows). Only direct (user) permission rows: permissions_sync grants
    nothing through groups. A pharmacist's view_contacts alone shows their own organisation's."""
    my_orgs = active_roles(user).order_by().values("team__organisation_id")
    perms = ServiceUserUserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="people"
    )
    codenames = [VIEW_RECORD, *sorted(SCOPE_PERMS[scope] for scope in entry.scopes())]
    may_see = perms.filter(permission__codename__in=codenames).values("content_object_id")

    def shared(scope) -> Q:
        consented = Consent.objects.filter(
            service_user_id=OuterRef("content_object_id"),
            organisation_id__in=my_orgs,
            scope=scope,
            withdrawn_at__isnull=True,
        )
        people = perms.filter(Exists(consented), permission__codename=SCOPE_PERMS[scope])
        return Q(**{f"{entry.service_user}__in": people.values("content_object_id")})

    own = Q(**{f"{entry.organisation}__in": my_orgs})
    return Q(**{f"{entry.service_user}__in": may_see}) & (own | _for_scopes(entry, shared))


def org_written_filter(user: User, records: QuerySet, *, service_user: ServiceUser | None = None) -> QuerySet:
    """Narrow a queryset of a model declared in ORG_WRITTEN to the rows the user may see (for one
    person, or everyone): the person their own; a carer what the person granted; staff their
    own organisation's rows about people they may see, and others' only with the person's
    active consent of the row's scope to one of their organisations. No extra query: the rule
    is part of the same statement, driven by the user's permission rows."""
    entry = org_written(records.model)
    if entry.exempt:
        raise ValueError(f"{records.model._meta.label_lower} is not consent-scoped: {entry.exempt}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return records.none()
    if service_user is not None:
        records = records.filter(**{entry.service_user: service_user})
    if user.kind == User.Kind.SERVICE_USER:
        return records.filter(**{f"{entry.service_user}__user": user})
    if user.kind == User.Kind.CARER:

        def granted(scope) -> Q:
            if scope not in CARER_SCOPES:
                return Q(pk__in=[])
            people = CarerPermission.objects.filter(
                carer__user=user,
                carer__ended_at__isnull=True,
                revoked_at__isnull=True,
                scope=CARER_SCOPES[scope],
            ).values("carer__service_user_id")
            return Q(**{f"{entry.service_user}__in": people})

        return records.filter(_for_scopes(entry, granted))
    if user.kind != User.Kind.STAFF:
        return records.none()
    return records.filter(_staff_sees(user, entry))


def can_view_org_written(user: User, record) -> bool:
    """May the user see this one row of a model declared in ORG_WRITTEN? One query."""
    model = type(record)
    return org_written_filter(user, model._default_manager.filter(pk=record.pk)).exists()


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
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return Team.objects.none()
    return teams_of(user, roles=CLINICAL_ROLES)


def referrals_visible_to(user: User, referrals: QuerySet) -> QuerySet:
    """The referrals (of the referrals app's queryset) whose contents the user may read: their
    teams' own, and those sent to their teams."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return referrals.none()
    team_ids = referral_teams_of(user).values("pk")
    return referrals.filter(Q(from_team_id__in=team_ids) | (Q(to_team_id__in=team_ids) & ~Q(state="draft")))


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
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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

    Raises Http404 when the record is not theirs to see, PermissionError when they see it but
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
            raise PermissionError("Only the organisation that wrote this entry can change it.")
    return team


def care_plans_visible_to(user: User, plans: QuerySet) -> QuerySet:
    """The care plans (of the careplans app's queryset) of the people whose record the staff
    member may see (entries filtered apart); for a service user their own plan, for a carer the
    plans of the people who granted them "care_plan" (the rule of care_plan_access and the
    portal's pages)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
    return plans.filter(service_user__in=service_users_visible_to(user))


# ---------------------------------------------------------------------------
# Outcomes
# Outcome measures are the "outcomes" consent scope. The rating organisation's own staff
# (while involved) see its forms; another organisation's staff see them only with the
# person's outcomes consent; the person sees their own; a carer only with the outcomes grant.
# The outcomes app is imported by the callers: these take its querysets.


def outcomes_filter(user: User, records: QuerySet, service_user: ServiceUser | None = None) -> QuerySet:
    """Narrow a queryset of outcome records (HoNOS, TOP, DIALOG, satisfaction) to what the user
    may see, for one person or across everyone they see: the outcomes rule of ORG_WRITTEN."""
    return org_written_filter(user, records, service_user=service_user)


# Exit measures after discharge. Ending an involvement withdraws the team's sight of the record
# at once, but the exit TOP and the discharge HoNOS are taken at the end of care. For
# OUTCOME_EXIT_ACCESS_DAYS (default 28) after the end, the ending team's clinical staff (key
# workers, link workers, its managers) may open that ended involvement's exit-measure form and
# record the exit TOP (drug and alcohol teams) or the discharge HoNOS (mental health teams) -
# those two measures only, never the rest of the record. Opening the form is audited as a read.

OUTCOME_EXIT_INSTRUMENTS = {
    "honos": Organisation.Kind.MENTAL_HEALTH,
    "top": Organisation.Kind.SUBSTANCE_MISUSE,
}


def outcomes_exit_access_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "OUTCOME_EXIT_ACCESS_DAYS", 28))


def outcomes_exit_involvements(user: User, *, today=None) -> QuerySet[Involvement]:
    """Ended involvements of the user's clinical teams still inside the exit-measure window."""
    import datetime as dt

    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return Involvement.objects.none()
    today = today or timezone.localdate()
    return Involvement.objects.filter(
        team_id__in=teams_of(user, roles=CLINICAL_ROLES).values("pk"),
        end__isnull=False,
        end__lte=today,
        end__gte=today - dt.timedelta(days=outcomes_exit_access_days()),
    )


def outcomes_can_record_exit(user: User, involvement: Involvement, instrument: str, *, today=None) -> bool:
    """May the user record this ended involvement's exit measure of `instrument` (and nothing else)?"""
    kind = OUTCOME_EXIT_INSTRUMENTS.get(instrument)
    if kind is None or involvement.team.organisation.kind != kind:
        return False
    return outcomes_exit_involvements(user, today=today).filter(pk=involvement.pk).exists()


def outcomes_exit_involvement_or_404(user: User, pk, instrument: str, *, action: str) -> Involvement:
    """The ended involvement whose exit measure the user may record, audited as a read of the
    person; otherwise 404 (also audited), whether it is missing, someone else's or out of time."""
    from dualcare.audit.services import audit_record

    involvement = (
        Involvement.objects.select_related("service_user", "team__organisation", "key_worker")
        .filter(pk=pk)
        .first()
        if is_uuid(pk)
        else None
    )
    if involvement is None or not outcomes_can_record_exit(user, involvement, instrument):
        audit_record(
            actor=user,
            action=action,
            service_user=involvement.service_user if involvement is not None else None,
            denied=True,
            detail={"requested_id": str(pk)[:64], "instrument": instrument[:12]},
        )
        raise Http404("No such exit measure.")
    audit_record(
        actor=user,
        action=action,
        target=involvement,
        service_user=involvement.service_user,
        detail={"instrument": instrument},
    )
    return involvement


# ---------------------------------------------------------------------------
# Contacts
#
# Appointments and supervised-consumption collections are "contacts" information. Staff see
# their own organisation's contacts with a person they may see, and another organisation's
# only with the person's contacts consent to one of their organisations (the view_contacts
# permission is granted from involvement and consent in permissions_sync). A pharmacist
# records collections at their own pharmacy; staff record contacts of their own team. The
# person sees their own. The contacts app is imported inside the functions.


def contacts_visible_to(user: User) -> QuerySet:
    """Contacts the user may read (appointments and collections)."""
    from dualcare.contacts.models import Contact

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Contact.objects.none()
    if user.kind == User.Kind.SERVICE_USER:
        return Contact.objects.filter(service_user__user=user)
    if user.kind != User.Kind.STAFF:
        return Contact.objects.none()
    return org_written_filter(user, Contact.objects.all())


def can_record_contact(user: User, contact) -> bool:
    """Staff of the contact's own team record it: a pharmacist a collection, clinical staff the rest."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return False
    roles = [StaffRole.Role.PHARMACIST] if contact.kind == "collection" else list(CLINICAL_ROLES)
    return active_roles(user).filter(team_id=contact.team_id, role__in=roles).exists()


def contact_teams_of(user: User, *, collections: bool) -> QuerySet[Team]:
    """Teams for which the user records contacts: pharmacies (collections) or clinical teams."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return Team.objects.none()
    return teams_of(user, roles=[StaffRole.Role.PHARMACIST] if collections else CLINICAL_ROLES)


def get_contact_or_404(user: User, pk, *, action: str = "contact.view"):
    """A contact the user may read, audited as a read of the person; otherwise 404 (also audited)."""
    records = contacts_visible_to(user).select_related(
        "team__organisation", "staff", "schedule", "outcome_recorded_by"
    )
    return get_record_or_404(user, records, pk, action=action, not_found="No such contact.")


# An organisation's alert rules (thresholds) are set by that organisation's admins only: the
# rules are the organisation's own policy, not another's, and they hold no personal data.


def contacts_rules_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose contact alert rules the user may view and change."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return Organisation.objects.none()
    return organisations_administered_by(user).order_by("name")


def contacts_can_set_rules(user: User, organisation: Organisation) -> bool:
    return contacts_rules_organisations(user).filter(pk=getattr(organisation, "pk", None)).exists()


# ---------------------------------------------------------------------------
# Link workers (linkworkers/)
#
# Link workers and team managers see the register and the meetings of the locality (every
# participating organisation), as do the link workers' deputies while appointed. Organisation
# admins see the register and appoint in their own organisation's teams. Only the chair edits
# a meeting's agenda, attendance and minutes. Key workers notify cases of people whose record
# they may act on. Service users and carers see nothing here. A notified case is identified
# to the meeting only when every other organisation present holds the person's care-plan
# consent, and then only to viewers of the case's organisation or of one holding that consent;
# otherwise it is shown de-identified (except to those who may see the record).

LINK_VIEW_ROLES = {StaffRole.Role.LINK_WORKER, StaffRole.Role.TEAM_MANAGER}


def _is_active_staff(user: User) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.kind == User.Kind.STAFF


def linkworkers_is_deputy(user: User) -> bool:
    """Deputy of a link worker appointment in force today (the linkworkers app's rows, reached
    through the user: the core imports no capability app)."""
    day = timezone.localdate()
    return user.link_deputyships.filter(Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))).exists()


def linkworkers_can_view_meetings(user: User) -> bool:
    if not _is_active_staff(user):
        return False
    return has_role(user, *LINK_VIEW_ROLES) or linkworkers_is_deputy(user)


def linkworkers_can_view_register(user: User) -> bool:
    return linkworkers_can_view_meetings(user) or (
        _is_active_staff(user) and has_role(user, StaffRole.Role.ORG_ADMIN)
    )


def linkworkers_can_appoint(user: User, team: Team) -> bool:
    return _is_active_staff(user) and is_org_admin_of(user, team.organisation)


def linkworkers_can_chair(user: User, meeting) -> bool:
    return _is_active_staff(user) and meeting.chair_id == user.pk


def linkworkers_can_notify(user: User) -> bool:
    return _is_active_staff(user) and has_role(user, StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER)


def linkworkers_notifiable_people(user: User) -> QuerySet[ServiceUser]:
    """People a key worker may present at a link meeting: on their teams' caseload."""
    if not linkworkers_can_notify(user):
        return ServiceUser.objects.none()
    return service_users_on_caseload(user)


def linkworkers_organisations_present(meeting) -> set:
    """Organisations of the teams whose link workers are invited to the meeting: teams with a link
    worker appointment in force on the day (one filter() call: the same appointment row)."""
    day = timezone.localtime(meeting.starts_at).date()
    return set(
        Team.objects.filter(
            Q(link_appointments__start__lte=day)
            & (Q(link_appointments__end__isnull=True) | Q(link_appointments__end__gt=day))
        ).values_list("organisation_id", flat=True)
    )


def linkworkers_identified_case_ids(meeting, cases, *, viewer: User) -> set:
    """Ids of the cases whose person may be named to this viewer at this meeting. 3-4 queries.

    Named to one who may see the person's record; otherwise only when every other organisation
    present holds the person's care-plan consent (the meeting may hear the name) and one of the
    viewer's own organisations is the case's or holds that consent: a viewer from an organisation
    not at the meeting, with no involvement and no consent, sees the case de-identified.
    """
    cases = list(cases)
    if not cases or not _is_active_staff(viewer):
        return set()
    present = linkworkers_organisations_present(meeting)
    person_ids = {case.service_user_id for case in cases}
    consented: dict = {}
    for su_id, org_id in Consent.objects.filter(
        service_user_id__in=person_ids, scope=Scope.CARE_PLAN, withdrawn_at__isnull=True
    ).values_list("service_user_id", "organisation_id"):
        consented.setdefault(su_id, set()).add(org_id)
    viewer_orgs = set(organisations_of(viewer).values_list("pk", flat=True))
    visible = set(service_users_visible_to(viewer).filter(pk__in=person_ids).values_list("pk", flat=True))
    identified = set()
    for case in cases:
        own = case.team.organisation_id
        sharing = consented.get(case.service_user_id, set())
        by_consent = present - {own} <= sharing and bool(viewer_orgs & (sharing | {own}))
        if by_consent or case.service_user_id in visible:
            identified.add(case.pk)
    return identified


# ---------------------------------------------------------------------------
# Dashboards (dualcare/dashboards/)
#
# Rule 3: a team manager (role in force) sees the dashboards of their own organisation and of
# each of its teams, and annotates them or recalculates their limits; another organisation's
# dashboards are a 404. The locality view (de-identified aggregates, small numbers suppressed)
# is open to the team managers of every participating organisation: one with a team that works
# with service users. Other staff get a 403 (they may know dashboards exist); service users and
# carers a 404. Dashboards hold aggregates only, so reading them writes no audit row.


def dashboards_managed_organisation_ids(user: User) -> set:
    """Organisations in which the user is a team manager today (one query)."""
    if not _is_active_staff(user):
        return set()
    return set(
        roles_in_force(user=user, role=StaffRole.Role.TEAM_MANAGER).values_list(
            "team__organisation_id", flat=True
        )
    )


def dashboards_participating_organisations() -> QuerySet[Organisation]:
    """Organisations taking part in the locality: those with a team that works with service users."""
    return Organisation.objects.filter(
        Exists(Team.objects.filter(organisation=OuterRef("pk"), works_with_people=True))
    ).order_by("name")


def dashboards_can_view_locality(user: User, managed_ids: set | None = None) -> bool:
    managed = dashboards_managed_organisation_ids(user) if managed_ids is None else managed_ids
    return bool(managed) and dashboards_participating_organisations().filter(pk__in=managed).exists()


# ---------------------------------------------------------------------------
# Cohorts (cohorts/)
#
# A named cohort belongs to one organisation; every member of staff of that organisation sees
# it (cohorts.selectors.cohorts_visible_to), and members are named only to those who may see
# their record. Team managers and link workers set cohorts up and change them, for their own
# organisation only: they are the people who run the locality's dual-diagnosis work.

COHORT_MANAGER_ROLES = {StaffRole.Role.TEAM_MANAGER, StaffRole.Role.LINK_WORKER}


def cohorts_managed_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose cohorts the user may set up and change."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        pk__in=active_roles(user).filter(role__in=list(COHORT_MANAGER_ROLES)).values("team__organisation_id")
    )


def cohorts_can_manage(user: User, cohort=None) -> bool:
    """May the user set up a cohort (no cohort given), or change this one?"""
    managed = cohorts_managed_organisations(user)
    if cohort is not None:
        managed = managed.filter(pk=cohort.organisation_id)
    return managed.exists()


# ---------------------------------------------------------------------------
# Audited reads through the API (outcomes, quadrant assessments, contacts)
#
# Rule 6: every read of a person's record is audited. A record fetched by id is one row for its
# person (a hidden or missing one: a denied row, and a 404). A page of an API list is a read of
# every person on it: one row per distinct person, written together in a constant number of
# queries (the caller's roles once, one insert), with the organisation acting_organisation gives.
# A list filtered to a person whose record the caller may not see is a denied attempt.


def _acting_organisation_ids(user: User, service_user_ids: list) -> dict:
    """acting_organisation for many people in one query: {person id: organisation id}; the
    key None holds the organisation for a person none of the caller's teams is involved with."""
    from django.db.models import FilteredRelation

    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.STAFF:
        return {}
    rows = (
        active_roles(user)
        .annotate(
            open_involvement=FilteredRelation(
                "team__involvements",
                condition=Q(
                    team__involvements__end__isnull=True,
                    team__involvements__service_user_id__in=service_user_ids,
                ),
            )
        )
        .order_by("start", "pk")
        .values_list("team__organisation_id", "open_involvement__service_user_id")
    )
    organisations: dict = {}
    for organisation_id, service_user_id in rows:
        organisations.setdefault(None, organisation_id)
        if service_user_id is not None:
            organisations.setdefault(service_user_id, organisation_id)
    return organisations


def audit_list_read(user: User, rows: Iterable, *, action: str, requested=None) -> None:
    """Audit a page of an API list: one row per distinct person among `rows` (records with a
    `service_user_id`), naming the records' kind and how many of that person's were read.
    `requested`: the person the list was filtered to; if none of theirs came back and the caller
    may not see their record, that is written as a denied attempt. Rows may be people themselves."""
    from dualcare.audit.models import AuditEvent
    from dualcare.audit.services import audit_record

    counts: dict = {}
    target_type = ""
    for row in rows:
        person_id = row.pk if isinstance(row, ServiceUser) else row.service_user_id
        counts[person_id] = counts.get(person_id, 0) + 1
        target_type = row._meta.label_lower
    if requested is not None and not counts:
        person = ServiceUser.objects.filter(pk=requested).first() if is_uuid(requested) else None
        may_see = person is not None and (
            can_view_record(user, person) or carer_link_for(user, person) is not None
        )
        if not may_see:
            audit_record(
                actor=user,
                action=action,
                service_user=person,
                denied=True,
                detail={"requested_id": str(requested)[:64]},
            )
        return
    if not counts:
        return
    organisations = _acting_organisation_ids(user, list(counts))
    actor = user if getattr(user, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            organisation_id=organisations.get(service_user_id, organisations.get(None)),
            action=action,
            service_user_id=service_user_id,
            target_type=target_type,
            detail={"records": count},
        )
        for service_user_id, count in counts.items()
    )
