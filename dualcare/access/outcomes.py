"""Outcome measures: the outcomes consent scope, and exit measures after care ends.

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from dualcare.ids import is_uuid
from dualcare.people.models import (
    Involvement,
    Organisation,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

from .consent import org_written_filter
from .denials import Hidden
from .roles import CLINICAL_ROLES, active_roles, is_active_staff, teams_of

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

    if not is_active_staff(user):
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
        raise Hidden("No such exit measure.")
    audit_record(
        actor=user,
        action=action,
        target=involvement,
        service_user=involvement.service_user,
        detail={"instrument": instrument},
    )
    return involvement


def outcomes_measure_teams(user: User) -> QuerySet[Team]:
    """Teams whose outcome measures (due list, team figures, export) this staff member may look at:
    their clinical teams, and a manager's organisation's teams."""
    if not is_active_staff(user):
        return Team.objects.none()
    mine = teams_of(user, roles=CLINICAL_ROLES)
    managed = Team.objects.filter(
        organisation__in=active_roles(user)
        .filter(role=StaffRole.Role.TEAM_MANAGER)
        .values("team__organisation")
    )
    return (Team.objects.filter(pk__in=mine.values("pk")) | managed).distinct()


# ---------------------------------------------------------------------------
# The NDTMS TOP return (issue 21, item 3). A drug and alcohol service sends NDTMS every TOP its
# teams recorded, including those of people it has since discharged (whose records its staff no
# longer see): the return is the organisation's own forms, taken by its managers and its
# organisation admins only, and each person in it is audited as read.


def ndtms_organisations(user: User) -> QuerySet[Organisation]:
    """Drug and alcohol services whose NDTMS TOP extract this member of staff may take: those
    where they are a team manager or an organisation admin."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    roles = active_roles(user).filter(role__in=[StaffRole.Role.TEAM_MANAGER, StaffRole.Role.ORG_ADMIN])
    return Organisation.objects.filter(
        kind=Organisation.Kind.SUBSTANCE_MISUSE, pk__in=roles.values("team__organisation_id")
    )


def ndtms_organisation_or_404(user: User, pk, *, action: str) -> Organisation:
    """The drug and alcohol service whose extract the user may take; otherwise 404, audited as a
    refusal (whether it is missing, not a drug and alcohol service or not theirs)."""
    from dualcare.audit.services import audit_record

    organisation = ndtms_organisations(user).filter(pk=pk).first() if is_uuid(pk) else None
    if organisation is None:
        audit_record(actor=user, action=action, denied=True, detail={"requested_id": str(pk)[:64]})
        raise Hidden("No such extract.")
    return organisation


def ndtms_extract_filter(user: User, organisation: Organisation, records: QuerySet) -> QuerySet:
    """The organisation's own outcome records for its NDTMS return (every one its teams recorded,
    of people discharged too), for its managers and admins; nothing for anyone else."""
    if not ndtms_organisations(user).filter(pk=organisation.pk).exists():
        return records.none()
    return records.filter(organisation=organisation)
