"""Risk assessments and safety flags (issue 19): the risk consent scope, the pharmacy's sight of
flags, and who may raise, review and remove them.

Part of dualcare.access (see its __init__ for the rules as a whole).

Both are 'risk' information written by one organisation (ORG_WRITTEN): its own staff see its rows
while they may see the person; another organisation's staff only while the person's risk consent
to one of their organisations is active. A carer never sees them (risk is no carer grant), and
the person reads them only through their care team. A pharmacist, who sees no record, sees the
flags (never the assessments) of the people whose collections they hold, written by their own
pharmacy or shared with it by the person's risk consent: a flag is there to keep the pharmacist
and the person safe at the counter.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from dualcare.people.models import (
    Consent,
    Organisation,
    Scope,
    ServiceUser,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)

from .consent import org_written_filter
from .records import acting_team, can_view_record
from .roles import CLINICAL_ROLES, SCOPE_PERMS, active_roles, has_role, is_active_staff, permission_id


def _held_roles(user: User) -> set[str]:
    return set(active_roles(user).values_list("role", flat=True)) if is_active_staff(user) else set()


def safety_risk_filter(user: User, records: QuerySet, service_user: ServiceUser | None = None) -> QuerySet:
    """Risk assessments (or their domain ratings) the user may see: clinical staff by the risk
    rule of ORG_WRITTEN; nobody else (a pharmacist, a carer, the person: through their team)."""
    if not _held_roles(user) & CLINICAL_ROLES:
        return records.none()
    return org_written_filter(user, records, service_user=service_user)


def safety_flags_filter(user: User, flags: QuerySet, service_user: ServiceUser | None = None) -> QuerySet:
    """Safety flags (or their events, or removal requests) the user may see: clinical staff by the
    risk rule of ORG_WRITTEN, and a pharmacist the flags of people whose collections their
    pharmacy holds, its own or shared with it by the person's risk consent."""
    held = _held_roles(user)
    clinical = org_written_filter(user, flags, service_user=service_user) if held & CLINICAL_ROLES else None
    if StaffRole.Role.PHARMACIST not in held:
        return clinical if clinical is not None else flags.none()
    pharmacies = (
        active_roles(user).filter(role=StaffRole.Role.PHARMACIST).order_by().values("team__organisation_id")
    )
    holds = ServiceUserUserObjectPermission.objects.filter(
        user=user, permission_id=permission_id(SCOPE_PERMS[Scope.CONTACTS])
    ).values("content_object_id")
    shared = Consent.objects.filter(
        service_user_id=OuterRef("service_user_id"),
        organisation_id__in=pharmacies,
        scope=Scope.RISK,
        withdrawn_at__isnull=True,
    )
    pharmacy = flags.filter(
        Q(service_user_id__in=holds) & (Q(organisation_id__in=pharmacies) | Q(Exists(shared)))
    )
    if service_user is not None:
        pharmacy = pharmacy.filter(service_user=service_user)
    return pharmacy if clinical is None else clinical | pharmacy


def safety_can_view_risk(user: User, service_user: ServiceUser) -> bool:
    """May the user open the person's risk page (whatever rows it then shows them)?"""
    return has_role(user, *CLINICAL_ROLES) and can_view_record(user, service_user)


def safety_writing_team(user: User, service_user: ServiceUser) -> Team | None:
    """The team through which the user assesses risk or raises a flag for the person: one of
    their clinical teams involved now (the same as any write to the record); None if none."""
    return acting_team(user, service_user)


def safety_can_decide_removal(user: User, *, flag_organisation: Organisation, requested_by: User) -> bool:
    """May the user confirm (or turn down) someone's request to remove a flag early? A second
    person: anyone else with a clinical role in the flag's organisation, in force today."""
    if not is_active_staff(user) or user.pk == requested_by.pk:
        return False
    return (
        active_roles(user)
        .filter(role__in=list(CLINICAL_ROLES), team__organisation_id=flag_organisation.pk)
        .exists()
    )


def safety_can_change_flag(user: User, flag) -> bool:
    """May the user review a flag or ask to remove it? Clinical staff of the flag's organisation
    whose team is involved with the person now (nobody changes another organisation's flag)."""
    team = acting_team(user, flag.service_user)
    return team is not None and team.organisation_id == flag.organisation_id
