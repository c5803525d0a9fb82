"""Referrals as FHIR R4 ServiceRequests (UK Core ServiceRequest), and the state of each as a Task
(UK Core has no Task profile: the base resource) whose focus is the request: a referral's
contents are read by its teams' staff and, once sent, the receiving team's
(access.referrals_visible_to), as the referral pages show them. A referral's Task has the
referral's id, as its ServiceRequest has."""

from __future__ import annotations

from django.db import transaction

from dualcare import access, limits
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.fhir import registry
from dualcare.fhir.registry import (
    BadParameter,
    BadResource,
    ResourceType,
    SearchParam,
    instant,
    meta,
    reference,
)
from dualcare.ids import is_uuid
from dualcare.people.models import Team

from . import services
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


def referrals(user, service_user=None):
    rows = Referral.objects.filter(service_user=service_user) if service_user else Referral.objects.all()
    return access.referrals_visible_to(user, rows).select_related(
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


# ---------------------------------------------------------------------------
# Inbound (issue 21, item 2): a sending system posts a ServiceRequest with its staff member's token;
# it becomes a sent referral of that member's team, through referral_create as the pages' is.

TEAM_SYSTEM = registry.DUALCARE_SYSTEM + "team"
CONSENT_EXTENSION = (
    registry.DUALCARE_SYSTEM.replace("/Id/", "/StructureDefinition/") + "referral-consent-confirmed"
)
URGENCY = {fhir: ours for ours, fhir in PRIORITY.items()}
# The service's field at fault -> the element of the resource that carried it.
ELEMENT = {
    "service_user": "ServiceRequest.subject",
    "to_team": "ServiceRequest.performer",
    "from_team": "ServiceRequest.requester",
    "urgency": "ServiceRequest.priority",
    "reason": "ServiceRequest.reasonCode",
    "person_wants": "ServiceRequest.note",
    "consent_confirmed": "ServiceRequest.extension",
}


def _team(element: str, value) -> Team | None:
    identifier = (value or {}).get("identifier") or {}
    if identifier.get("system") != TEAM_SYSTEM or not is_uuid(identifier.get("value")):
        raise BadResource(
            element,
            f"Name the team by its identifier: system {TEAM_SYSTEM}, value its id from /api/v1/teams/.",
        )
    team = Team.objects.filter(pk=identifier["value"]).select_related("organisation").first()
    if team is None:
        raise BadResource(element, "There is no team with that id.")
    return team


def _text(element: str, items, *, what: str) -> str:
    """The element's texts, one a line, held to the limits the API's referral fields have (no
    hidden characters, LONG_TEXT): the services take the text as given."""
    text = "\n".join(item.get("text", "") for item in items or [] if isinstance(item, dict)).strip()
    if limits.has_hidden_characters(text, multiline=True):
        raise BadResource(element, limits.hidden_characters_message(what))
    if len(text) > limits.LONG_TEXT:
        raise BadResource(element, limits.too_long_message(what, limits.LONG_TEXT))
    return text


def referral_from_fhir(user, resource: dict) -> Referral:
    """A sent referral from a ServiceRequest: subject the person (one the sender's team works
    with), performer[0] the receiving team, requester the sending team (else the sender's team
    involved with the person), priority the urgency, reasonCode the reason, note what the person
    wants, and the consent extension true (the person agrees to the referral). One transaction:
    anything refused leaves nothing written."""
    errors = registry.r4_errors(resource)
    if errors:
        raise BadResource(errors[0][0], f"Not a valid FHIR R4 ServiceRequest: {errors[0][1]}.")
    if resource.get("status") != "active" or resource.get("intent") not in ("order", "proposal", "plan"):
        raise BadResource(
            "ServiceRequest.status", "Send the referral with status active (it is sent on arrival)."
        )
    subject = (resource.get("subject") or {}).get("reference", "")
    person = None
    if subject.startswith("Patient/") and is_uuid(subject.removeprefix("Patient/")):
        person = access.service_users_visible_to(user).filter(pk=subject.removeprefix("Patient/")).first()
    if person is None:
        raise BadResource(
            "ServiceRequest.subject", "Give the person as Patient/<id>, one your team works with."
        )
    performers = resource.get("performer") or []
    if len(performers) != 1:
        raise BadResource("ServiceRequest.performer", "Name one receiving team.")
    to_team = _team("ServiceRequest.performer", performers[0])
    from_team = (
        _team("ServiceRequest.requester", resource["requester"]) if resource.get("requester") else None
    )
    if resource.get("priority") not in URGENCY:
        raise BadResource("ServiceRequest.priority", f"Give the priority: one of {', '.join(URGENCY)}.")
    consented = any(
        extension.get("url") == CONSENT_EXTENSION and extension.get("valueBoolean") is True
        for extension in resource.get("extension") or []
    )
    reason = _text("ServiceRequest.reasonCode", resource.get("reasonCode"), what="a reason")
    person_wants = _text("ServiceRequest.note", resource.get("note"), what="what they want")
    try:
        with transaction.atomic():
            return services.referral_create(
                by=user,
                service_user=person,
                to_team=to_team,
                from_team=from_team,
                urgency=URGENCY[resource["priority"]],
                reason=reason,
                person_wants=person_wants,
                consent_confirmed=consented,
                send=True,
            )
    except StateConflict as refused:
        raise BadResource(
            ELEMENT.get(refused.field, "ServiceRequest"), refused.message, conflict=True
        ) from None
    except ApplicationError as refused:
        raise BadResource(ELEMENT.get(refused.field, "ServiceRequest"), refused.message) from None


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
    create=referral_from_fhir,
    documentation="A referral from one team to another; its DualCare state (sent, acknowledged, "
    "accepted, declined, withdrawn, closed) maps to the request's status. Create (POST) sends a "
    f"referral: subject Patient/<id>, performer and requester teams by identifier {TEAM_SYSTEM}, "
    f"priority, reasonCode.text, note.text (what the person wants), and extension {CONSENT_EXTENSION} "
    "valueBoolean true (the person agrees to the referral).",
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
