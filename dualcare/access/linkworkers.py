"""Link workers and their meetings: who sees and runs them, and who may be named to them.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from dualcare.people.models import (
    Consent,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

from .records import service_users_on_caseload, service_users_visible_to
from .roles import has_role, is_active_staff, is_org_admin_of, organisations_of

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


def linkworkers_is_deputy(user: User) -> bool:
    """Deputy of a link worker appointment in force today (the linkworkers app's rows, reached
    through the user: the core imports no capability app)."""
    day = timezone.localdate()
    return user.link_deputyships.filter(Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))).exists()


def linkworkers_can_view_meetings(user: User) -> bool:
    if not is_active_staff(user):
        return False
    return has_role(user, *LINK_VIEW_ROLES) or linkworkers_is_deputy(user)


def linkworkers_can_view_register(user: User) -> bool:
    return linkworkers_can_view_meetings(user) or (
        is_active_staff(user) and has_role(user, StaffRole.Role.ORG_ADMIN)
    )


def linkworkers_can_appoint(user: User, team: Team) -> bool:
    return is_active_staff(user) and is_org_admin_of(user, team.organisation)


def linkworkers_can_chair(user: User, meeting) -> bool:
    return is_active_staff(user) and meeting.chair_id == user.pk


def linkworkers_actions_completable(user: User, actions: QuerySet) -> QuerySet:
    """The actions (of the linkworkers app's queryset) the user may mark done: their own, and
    those of meetings they chair."""
    if not is_active_staff(user):
        return actions.none()
    return actions.filter(Q(owner=user) | Q(meeting__chair=user))


def linkworkers_can_complete(user: User, action) -> bool:
    """One action: its owner or its meeting's chair may mark it done."""
    return is_active_staff(user) and user.pk in (action.owner_id, action.meeting.chair_id)


def linkworkers_can_notify(user: User) -> bool:
    return is_active_staff(user) and has_role(user, StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER)


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
    if not cases or not is_active_staff(viewer):
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
