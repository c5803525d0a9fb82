"""Referrals as FHIR R4 ServiceRequests (UK Core ServiceRequest), and the state of each as a Task
(UK Core has no Task profile: the base resource) whose focus is the request: a referral's
contents are read by its teams' staff and, once sent, the receiving team's
(access.referrals_visible_to), as the referral pages show them. A referral's Task has the
referral's id, as its ServiceRequest has."""

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


# A referral's state as the Task's status (the request's own status says less).
TASK_STATUS = {
    State.DRAFT: "draft",
    State.SENT: "requested",
    State.ACKNOWLEDGED: "received",
    State.ACCEPTED: "accepted",
    State.DECLINED: "rejected",
    State.WITHDRAWN: "cancelled",
    State.CLOSED: "completed",
}


def task(referral: Referral) -> dict:
    resource = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "meta": meta(referral, None),
        "status": TASK_STATUS[referral.state],
        "businessStatus": {"text": referral.get_state_display()},
        "intent": "order",
        "focus": reference("ServiceRequest", referral.pk),
        "for": reference("Patient", referral.service_user_id),
        "authoredOn": instant(referral.sent_at or referral.created_at),
        "lastModified": instant(referral.updated_at),
        "requester": reference("Organization", referral.from_team.organisation_id, referral.from_team.name),
        "owner": reference("Organization", referral.to_team.organisation_id, referral.to_team.name),
    }
    if referral.state == State.DECLINED and referral.decline_reason:
        resource["statusReason"] = {"text": referral.decline_reason}
    return resource


def _task_status(rows, value):
    states = [state for state, status in TASK_STATUS.items() if status == value]
    if not states:
        raise BadParameter("status", f"Give status as one of: {', '.join(TASK_STATUS.values())}.")
    return rows.filter(state__in=states)


TASK = ResourceType(
    name="Task",
    rows=referrals,
    render=task,
    params=(
        registry.patient_reference_param("service_user", "patient"),
        registry.patient_reference_param("service_user", "subject"),
        SearchParam("status", "token", _task_status, "The referral's state as a Task status."),
    ),
    patient_params=("patient", "subject"),
    documentation="A referral's state (UK Core has no Task profile): requested (sent), received "
    "(acknowledged), accepted, rejected (declined), cancelled (withdrawn), completed (closed).",
)


def register() -> None:
    registry.register(SERVICE_REQUEST)
    registry.register(TASK)
