"""Carers' own records (issue 20 item 4): who may record a carer's needs, offer an assessment and
send them a plan summary. Part of dualcare.access (see its __init__ for the rules as a whole).

Staff of a clinical team involved with the person now act (their organisation is the one that
offers); a carer with a login records their own needs. What a carer may be *sent* follows the
person's grant to that carer (CarerPermission), as what a carer with a login may see."""

from __future__ import annotations

from dualcare.people.models import Carer, CarerPermission, Involvement, Organisation, User

from .careplans import CarePlanAccess
from .records import get_record_or_404
from .roles import CLINICAL_ROLES, active_roles, is_active_staff, is_active_user


def carers_writing_organisation(user: User, carer: Carer) -> Organisation | None:
    """The organisation through which this member of staff acts for the carer: of a clinical team of
    theirs involved with the person now; None for anyone else."""
    if not is_active_staff(user) or carer.ended_at is not None:
        return None
    teams = active_roles(user).filter(role__in=list(CLINICAL_ROLES)).values("team_id")
    involvement = (
        Involvement.objects.filter(service_user_id=carer.service_user_id, end__isnull=True, team_id__in=teams)
        .select_related("team__organisation")
        .order_by("start", "pk")
        .first()
    )
    return involvement.team.organisation if involvement is not None else None


def carers_can_write(user: User, carer: Carer) -> bool:
    """The carer themselves (their own open link), or staff working with the person."""
    if not is_active_user(user):
        return False
    if user.kind == User.Kind.CARER:
        return carer.user_id == user.pk and carer.ended_at is None
    return carers_writing_organisation(user, carer) is not None


def care_plan_access_for_carer(carer: Carer) -> CarePlanAccess:
    """What of the plan a carer may be sent (login or not): the carer's share, while the person grants it."""
    granted = (
        carer.ended_at is None
        and CarerPermission.objects.filter(
            carer=carer, scope=CarerPermission.Scope.CARE_PLAN, revoked_at__isnull=True
        ).exists()
    )
    return CarePlanAccess(can_view=granted, kind=User.Kind.CARER)


def get_carer_or_404(user: User, pk, *, action: str = "carer.view") -> Carer:
    """A carer record: for staff, of a person whose record they may see; for a carer, their own
    link. Audited as a read of the person; otherwise a 404 (also audited)."""
    from .records import service_users_visible_to

    carers = Carer.objects.filter(ended_at__isnull=True).select_related("user", "service_user")
    if is_active_user(user) and user.kind == User.Kind.CARER:
        carers = carers.filter(user=user)
    elif is_active_staff(user):
        carers = carers.filter(service_user__in=service_users_visible_to(user))
    else:
        carers = carers.none()
    return get_record_or_404(user, carers, pk, action=action, not_found="No such carer.")
