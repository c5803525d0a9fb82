"""Reading a person's record: permission-filtered querysets, checks and the audited 404 helpers.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

from django.db.models import QuerySet

from dualcare.ids import is_uuid
from dualcare.people.models import (
    Carer,
    CarerPermission,
    Organisation,
    ServiceUser,
    ServiceUserUserObjectPermission,
    Team,
    User,
)

from .consent import CARER_SCOPES
from .denials import Hidden, Refused
from .roles import (
    CLINICAL_ROLES,
    SCOPE_PERMS,
    VIEW_RECORD,
    is_active_staff,
    is_active_user,
    organisations_of,
    permission_id,
    teams_of,
)

# ---------------------------------------------------------------------------
# Reading: permission-filtered querysets and checks


def _people_with_perm(user: User, codename: str) -> QuerySet:
    """ServiceUser ids on which the user holds `codename`: the direct object permissions that
    permissions_sync grants (nothing grants any through a group, so no group table is read).

    A subquery on the permission table rather than guardian's `id IN (...) OR id IN (...)`, which
    scans the whole table (DESIGN.md "Engineering decisions"). The permission is named by its id,
    as one scalar subquery (computed once per statement): joined through auth_permission, the
    planner could not tell the user's rows of one permission apart and, on a 50,000-person trust,
    probed the content_object index once per person on a 747-person caseload, filtering ~90 other
    users' rows each time (913 ms for the caseload count, 58 ms with the id; issue 15). With the
    id, guardian's unique (user, permission, content_object) index answers it exactly.
    """
    return ServiceUserUserObjectPermission.objects.filter(
        user=user, permission_id=permission_id(codename)
    ).values("content_object_id")


def service_users_visible_to(user: User, *, perm: str = VIEW_RECORD) -> QuerySet[ServiceUser]:
    """People whose record (or, for a scope permission, that part of it) the user may see."""
    if not is_active_user(user):
        return ServiceUser.objects.none()
    if user.kind == User.Kind.SERVICE_USER:
        return ServiceUser.objects.filter(user=user) if perm == VIEW_RECORD else ServiceUser.objects.none()
    if user.kind == User.Kind.CARER:
        return ServiceUser.objects.none()
    return ServiceUser.objects.filter(pk__in=_people_with_perm(user, perm))


def service_user_ids_visible_to(user: User, *, perm: str = VIEW_RECORD) -> QuerySet:
    """The ids of service_users_visible_to(user, perm), for `service_user_id IN (...)`: for staff
    the permission rows' content_object ids themselves, without the person table between (through
    it, the planner read all 50,000 people of a trust to match a key worker's 747; issue 15)."""
    if is_active_staff(user):
        return _people_with_perm(user, perm)
    return service_users_visible_to(user, perm=perm).values("pk")


def service_users_on_caseload(user: User) -> QuerySet[ServiceUser]:
    """People with an open involvement of one of my teams (that I may see)."""
    return (
        service_users_visible_to(user)
        .filter(involvements__end__isnull=True, involvements__team__in=teams_of(user).values("pk"))
        .distinct()
    )


# The record page asks "may this user see the record, this scope, that scope" of one person many
# times (the summary and each capability's section). Inside `record_checks_once()` the answer is
# read once, as the set of permissions the user holds on the person, and reused until the block
# ends (the end of that request) or until permissions_sync changes any permission. Outside it
# every check reads the database, as before.
_held_in_request: ContextVar[dict | None] = ContextVar("dualcare_access_held_in_request", default=None)


@contextmanager
def record_checks_once() -> Iterator[None]:
    """Decide each viewer's permissions on a person once within this block (one request's page)."""
    token = _held_in_request.set({})
    try:
        yield
    finally:
        _held_in_request.reset(token)


def forget_checks() -> None:
    """Drop what record_checks_once remembered: permissions have just changed."""
    if _held_in_request.get() is not None:
        _held_in_request.set({})


def _held_perms(user: User, service_user: ServiceUser) -> frozenset[str]:
    """The codenames of the direct object permissions the user holds on the person (one indexed
    query on guardian's unique (user, permission, content_object); remembered in a
    record_checks_once block)."""
    remembered = _held_in_request.get()
    key = (user.pk, service_user.pk)
    if remembered is not None and key in remembered:
        return remembered[key]
    held = frozenset(
        ServiceUserUserObjectPermission.objects.filter(
            user=user, content_object_id=service_user.pk, permission__content_type__app_label="people"
        ).values_list("permission__codename", flat=True)
    )
    if remembered is not None:
        remembered[key] = held
    return held


def user_has_perm(user: User, codename: str, service_user: ServiceUser) -> bool:
    """One indexed lookup of the direct object permissions for one person, in one query (none
    when already read in this record_checks_once block)."""
    if not is_active_staff(user):
        return False
    return codename in _held_perms(user, service_user)


def can_view_record(user: User, service_user: ServiceUser) -> bool:
    """The person's record summary: identity, agencies involved, key workers, consents."""
    if is_active_user(user) and user.kind == User.Kind.SERVICE_USER:
        return service_user.user_id == user.pk
    return user_has_perm(user, VIEW_RECORD, service_user)


def visible_scopes(user: User, service_user: ServiceUser) -> set[str]:
    """Scopes of information from other organisations this staff member may see for the person."""
    if not is_active_staff(user):
        return set()
    by_codename = {codename: scope for scope, codename in SCOPE_PERMS.items()}
    return {by_codename[codename] for codename in _held_perms(user, service_user) if codename in by_codename}


def can_view_scope(user: User, service_user: ServiceUser, scope: str, *, owner: Organisation | None) -> bool:
    """May the user see information of `scope` about the person, held by organisation `owner`?

    The person always sees their own; a carer what the person granted; staff see their own
    organisation's information while involved, and another organisation's only with consent.
    """
    if not is_active_user(user):
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
    if not is_active_user(user) or user.kind != User.Kind.CARER:
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
    if not is_active_user(user) or user.kind != User.Kind.SERVICE_USER:
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
        raise Hidden(not_found)
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
        raise Hidden("No such record.")
    audit_record(actor=user, action=action, target=service_user)
    return service_user


def acting_team(user: User, service_user: ServiceUser) -> Team | None:
    """The team through which a staff member acts on a person's record (write access): one of
    their clinical teams involved in the person's care now; None when there is none."""
    if not can_view_record(user, service_user) or user.kind != User.Kind.STAFF:
        return None
    # The record page and its sections (referrals, contacts) each ask: read once in a
    # record_checks_once block, as the permissions are (forget_checks drops it with them).
    remembered = _held_in_request.get()
    key = ("acting_team", user.pk, service_user.pk)
    if remembered is not None and key in remembered:
        return remembered[key]
    team = (
        teams_of(user, roles=CLINICAL_ROLES)
        .filter(involvements__service_user=service_user, involvements__end__isnull=True)
        .first()
    )
    if remembered is not None:
        remembered[key] = team
    return team


def can_act_for(user: User, service_user: ServiceUser) -> bool:
    """Whether the staff member may change the person's record (through an involved team)."""
    return acting_team(user, service_user) is not None


def ensure_can_act_for(user: User, service_user: ServiceUser) -> Team:
    """The team through which a staff member acts on a person's record; Hidden (404) when they
    may not see the record, Refused (403) when they see it but no team of theirs is involved."""
    if not can_view_record(user, service_user) or user.kind != User.Kind.STAFF:
        raise Hidden("No such record.")
    team = acting_team(user, service_user)
    if team is None:
        # Managers see their organisation's people, but act through a team that is involved.
        raise Refused("Only staff of a team involved in this person's care can change their record.")
    return team
