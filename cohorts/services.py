import datetime as dt

from django.db import transaction

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict

from . import selectors
from .models import Cohort, Enrolment, ExitReason, Quadrant, QuadrantAssessment, Severity, quadrant_for


@transaction.atomic
def quadrant_assess(
    *,
    service_user,
    mental_health_severity: str,
    substance_use_severity: str,
    rationale: str,
    by,
    assessed_on: dt.date | None = None,
) -> QuadrantAssessment:
    """A new quadrant assessment, confirmed by a person; earlier ones stay as history."""
    if mental_health_severity not in Severity.values:
        raise ApplicationError(
            "Choose low or high for the severity of mental illness.", field="mental_health_severity"
        )
    if substance_use_severity not in Severity.values:
        raise ApplicationError(
            "Choose low or high for the severity of substance use.", field="substance_use_severity"
        )
    if not rationale.strip():
        raise ApplicationError("Give the reasons for this quadrant.", field="rationale")
    assessed_on = assessed_on or clock.today()
    if assessed_on > clock.today():
        raise ApplicationError("The assessment date cannot be in the future.", field="assessed_on")
    organisation = access.acting_organisation(by, service_user)
    if organisation is None or not access.can_view_record(by, service_user):
        raise ApplicationError("Only staff involved in this person's care can assess their quadrant.")
    assessment = QuadrantAssessment.objects.create(
        service_user=service_user,
        mental_health_severity=mental_health_severity,
        substance_use_severity=substance_use_severity,
        quadrant=quadrant_for(mental_health_severity, substance_use_severity),
        assessed_on=assessed_on,
        assessed_by=by,
        organisation=organisation,
        rationale=rationale.strip(),
    )
    audit_record(
        actor=by,
        action="quadrant.assess",
        target=assessment,
        service_user=service_user,
        detail={"quadrant": assessment.quadrant},
    )
    return assessment


# Named cohorts ---------------------------------------------------------------------------------
def _cohort_organisation(by):
    """Cohorts belong to the organisation of a team manager or link worker who sets them up
    (access.cohorts_managed_organisations)."""
    organisation = access.cohorts_managed_organisations(by).order_by("name").first()
    if organisation is None:
        raise access.Refused("Only team managers and link workers can set up cohorts.")
    return organisation


def _check_cohort(*, organisation, name: str, start, end, targets, teams, cohort=None) -> str:
    """The rules a cohort's details follow, on creation and on change. Returns the clean name."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Give the cohort a name.", field="name")
    same_name = Cohort.objects.filter(organisation=organisation, name__iexact=name)
    if cohort is not None:
        same_name = same_name.exclude(pk=cohort.pk)
    if same_name.exists():
        raise ApplicationError("Your organisation already has a cohort with this name.", field="name")
    if start is None:
        raise ApplicationError("Enter the start date.", field="start")
    if end is not None and end < start:
        raise ApplicationError("The end cannot be before the start.", field="end")
    for quadrant, value in targets.items():
        if quadrant not in Quadrant.values:
            raise ApplicationError("Targets are for quadrants I, II, III and IV.", field="targets")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ApplicationError("A target is a number of people, 0 or more.", field="targets")
    if any(team.organisation_id != organisation.pk for team in teams):
        raise ApplicationError("Choose teams of your own organisation.", field="teams")
    return name


@transaction.atomic
def cohort_create(
    *,
    by,
    name: str,
    start: dt.date,
    locality: str = "",
    teams=(),
    targets: dict[str, int] | None = None,
    end: dt.date | None = None,
) -> Cohort:
    """A named cohort of the creator's organisation, with a target size per quadrant."""
    organisation = _cohort_organisation(by)
    targets = targets or {}
    teams = list(teams)
    name = _check_cohort(
        organisation=organisation, name=name, start=start, end=end, targets=targets, teams=teams
    )
    cohort = Cohort.objects.create(
        name=name,
        locality=(locality or "").strip(),
        organisation=organisation,
        start=start,
        end=end,
        created_by=by,
        target_i=targets.get("I", 0),
        target_ii=targets.get("II", 0),
        target_iii=targets.get("III", 0),
        target_iv=targets.get("IV", 0),
    )
    cohort.teams.set(teams)
    audit_record(actor=by, action="cohort.create", target=cohort, organisation=organisation)
    return cohort


@transaction.atomic
def cohort_update(
    *,
    cohort: Cohort,
    by,
    name: str,
    start: dt.date,
    locality: str = "",
    teams=(),
    targets: dict[str, int] | None = None,
    end: dt.date | None = None,
) -> Cohort:
    """Change a cohort's details. Its dates must still hold every enrolment and exit."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if not access.cohorts_can_manage(by, cohort):
        raise access.Refused("Only team managers and link workers of its organisation can change a cohort.")
    targets = targets or {}
    teams = list(teams)
    name = _check_cohort(
        organisation=cohort.organisation,
        name=name,
        start=start,
        end=end,
        targets=targets,
        teams=teams,
        cohort=cohort,
    )
    enrolments = Enrolment.objects.filter(cohort=cohort)
    first = enrolments.order_by("enrolled_on").values_list("enrolled_on", flat=True).first()
    if first is not None and start > first:
        raise ApplicationError(
            f"Someone was enrolled on {first:%-d %B %Y}: the start cannot be after that.", field="start"
        )
    if end is not None:
        last = max(
            (
                day
                for day in (
                    enrolments.order_by("-enrolled_on").values_list("enrolled_on", flat=True).first(),
                    enrolments.filter(exited_on__isnull=False)
                    .order_by("-exited_on")
                    .values_list("exited_on", flat=True)
                    .first(),
                )
                if day is not None
            ),
            default=None,
        )
        if last is not None and end < last:
            raise ApplicationError(
                f"Someone joined or left on {last:%-d %B %Y}: the end cannot be before that.", field="end"
            )
    values = {
        "name": name,
        "locality": (locality or "").strip(),
        "start": start,
        "end": end,
        "target_i": targets.get("I", 0),
        "target_ii": targets.get("II", 0),
        "target_iii": targets.get("III", 0),
        "target_iv": targets.get("IV", 0),
    }
    changed = sorted(field for field, value in values.items() if getattr(cohort, field) != value)
    for field, value in values.items():
        setattr(cohort, field, value)
    cohort.save(update_fields=[*values, "updated_at"])
    if {team.pk for team in teams} != set(cohort.teams.values_list("pk", flat=True)):
        changed.append("teams")
        cohort.teams.set(teams)
    audit_record(
        actor=by,
        action="cohort.update",
        target=cohort,
        organisation=cohort.organisation,
        detail={"fields": changed},
    )
    return cohort


@transaction.atomic
def cohort_enrol(*, cohort: Cohort, service_user, by, enrolled_on: dt.date | None = None) -> Enrolment:
    """Enrol a person; their quadrant at entry is their current (latest) assessment, which must exist."""
    enrolled_on = enrolled_on or clock.today()
    if enrolled_on > clock.today():
        raise ApplicationError("The enrolment date cannot be in the future.", field="enrolled_on")
    if enrolled_on < cohort.start or (cohort.end and enrolled_on > cohort.end):
        raise ApplicationError("Enrol within the cohort's start and end dates.", field="enrolled_on")
    in_organisation = access.organisations_of(by).filter(pk=cohort.organisation_id).exists()
    if not in_organisation or not access.can_view_record(by, service_user):
        raise ApplicationError(
            "Only staff of the cohort's organisation who work with this person can enrol them."
        )
    # The latest assessment the enroller may see: another organisation's only with outcomes consent.
    latest = (
        selectors.quadrant_assessments_visible_to(by, service_user)
        .filter(assessed_on__lte=enrolled_on)
        .first()
    )
    if latest is None:
        raise ApplicationError("Assess the person's quadrant before enrolling them.", field="service_user")
    if Enrolment.objects.filter(cohort=cohort, service_user=service_user, exited_on__isnull=True).exists():
        raise ApplicationError("This person is already in the cohort.", field="service_user")
    enrolment = Enrolment.objects.create(
        cohort=cohort,
        service_user=service_user,
        enrolled_on=enrolled_on,
        enrolled_by=by,
        quadrant_at_entry=latest.quadrant,
    )
    audit_record(actor=by, action="cohort.enrol", target=enrolment, service_user=service_user)
    return enrolment


@transaction.atomic
def cohort_exit(
    *, enrolment: Enrolment, by, reason: str, exited_on: dt.date | None = None, note: str = ""
) -> Enrolment:
    """A person leaves the cohort, with the date and the reason."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    exited_on = exited_on or clock.today()
    if enrolment.exited_on is not None:
        raise StateConflict("This person has already left the cohort.")
    if reason not in ExitReason.values:
        raise ApplicationError(
            "Choose discharged, disengaged, moved away, transferred, died or other.", field="reason"
        )
    if reason == ExitReason.OTHER and not (note or "").strip():
        raise ApplicationError("Say why the person left.", field="note")
    if exited_on > clock.today():
        raise ApplicationError("The exit date cannot be in the future.", field="exited_on")
    if exited_on < enrolment.enrolled_on:
        raise ApplicationError("The exit date cannot be before the enrolment.", field="exited_on")
    if not access.organisations_of(by).filter(pk=enrolment.cohort.organisation_id).exists():
        raise ApplicationError("Only staff of the cohort's organisation can record an exit.")
    enrolment.exited_on = exited_on
    enrolment.exit_reason = reason
    enrolment.exit_note = (note or "").strip()
    enrolment.exited_by = by
    enrolment.save(update_fields=["exited_on", "exit_reason", "exit_note", "exited_by", "updated_at"])
    audit_record(
        actor=by,
        action="cohort.exit",
        target=enrolment,
        service_user=enrolment.service_user,
        detail={"reason": reason},
    )
    return enrolment
