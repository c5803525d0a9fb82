"""Referrals as FHIR R4 ServiceRequests (UK Core ServiceRequest): a referral's contents are read by
its teams' staff and, once sent, the receiving team's (access.referrals_visible_to), as the
referral pages show them."""

from __future__ import annotations

from dualcare import access
from dualcare.fhir import registry
from dualcare.fhir.registry import BadParameter, ResourceType, SearchParam, instant, meta, reference

from .models import Referral, State, Urgency

STATUS = {
    State.DRAFT: "draft",
    State.SENT: "active",
    State.ACKNOWLEDGED: "active",
    State.ACCEPTED: "completed",
    State.CLOSED: "completed",
    State.DECLINED: "revoked",
    State.WITHDRAWN: "revoked",
}
PRIORITY = {Urgency.ROUTINE: "routine", Urgency.URGENT: "urgent", Urgency.EMERGENCY: "stat"}
REFERRAL = {"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}


def referrals(user):
    return access.referrals_visible_to(user, Referral.objects.all()).select_related(
        "from_team__organisation", "to_team__organisation"
    )


def service_request(referral: Referral) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": meta(referral, registry.UK_CORE + "UKCore-ServiceRequest"),
        "identifier": [{"system": registry.DUALCARE_SYSTEM + "referral", "value": str(referral.pk)}],
        "status": STATUS[referral.state],
        "intent": "order",
        "category": [{"coding": [REFERRAL]}],
        "subject": reference("Patient", referral.service_user_id),
        "authoredOn": instant(referral.sent_at or referral.created_at),
        "requester": reference(
            "Organization",
            referral.from_team.organisation_id,
            f"{referral.from_team.name}, {referral.from_team.organisation.name}",
        ),
        "performer": [
            reference(
                "Organization",
                referral.to_team.organisation_id,
                f"{referral.to_team.name}, {referral.to_team.organisation.name}",
            )
        ],
        "reasonCode": [{"text": referral.reason}],
    }
    if referral.urgency:
        resource["priority"] = PRIORITY[referral.urgency]
    if referral.person_wants:
        resource["note"] = [{"text": f"What the person wants: {referral.person_wants}"}]
    return resource


def _status(rows, value):
    states = [state for state, status in STATUS.items() if status == value]
    if not states:
        raise BadParameter("status", f"Give status as one of: {', '.join(sorted(set(STATUS.values())))}.")
    return rows.filter(state__in=states)


SERVICE_REQUEST = ResourceType(
    name="ServiceRequest",
    rows=referrals,
    render=service_request,
    profile=registry.UK_CORE + "UKCore-ServiceRequest",
    params=(
        registry.patient_reference_param("service_user", "patient"),
        registry.patient_reference_param("service_user", "subject"),
        SearchParam("status", "token", _status, "draft, active, completed or revoked."),
    ),
    patient_params=("patient", "subject"),
    documentation="A referral from one team to another; its DualCare state (sent, acknowledged, "
    "accepted, declined, withdrawn, closed) maps to the request's status.",
)


def register() -> None:
    registry.register(SERVICE_REQUEST)
