import datetime as dt

from django.db import transaction
from django.utils import timezone

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError

from .models import QuadrantAssessment, Severity, quadrant_for


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
        raise ApplicationError("Choose low or high.", field="mental_health_severity")
    if substance_use_severity not in Severity.values:
        raise ApplicationError("Choose low or high.", field="substance_use_severity")
    if not rationale.strip():
        raise ApplicationError("Give the reasons for this quadrant.", field="rationale")
    assessed_on = assessed_on or timezone.localdate()
    if assessed_on > timezone.localdate():
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
