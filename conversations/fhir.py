"""Each message of a case conversation as a FHIR R4 Communication (UK Core Communication): the
messages the reader may read in the thread (access.conversation_messages_visible_to: a thread
they may read, each message by the consent rule for the organisation that wrote it). A withdrawn
message says that it was withdrawn, never its words, as the thread does."""

from __future__ import annotations

from dualcare import access
from dualcare.fhir import registry
from dualcare.fhir.registry import ResourceType, instant, meta, reference

from .models import Conversation, Message


def messages(user, service_user=None):
    return access.conversation_messages_visible_to(
        user, Message.objects.all(), Conversation.objects.all(), service_user=service_user
    ).select_related("conversation", "author", "organisation")


def communication(message: Message) -> dict:
    sender = message.author.display_name
    if message.organisation_id:
        sender = f"{sender}, {message.organisation.name}"
    resource = {
        "resourceType": "Communication",
        "id": str(message.pk),
        "meta": meta(message, registry.UK_CORE + "UKCore-Communication"),
        "identifier": [
            {"system": registry.DUALCARE_SYSTEM + "conversation", "value": str(message.conversation_id)}
        ],
        "status": "entered-in-error" if message.withdrawn_at else "completed",
        "category": [{"text": message.get_kind_display()}],
        "subject": reference("Patient", message.service_user_id),
        "topic": {"text": message.conversation.subject},
        "sent": instant(message.created_at),
        "sender": {"display": sender},
    }
    if message.withdrawn_at:
        resource["note"] = [{"text": "Withdrawn by the person who sent it."}]
    else:
        resource["payload"] = [{"contentString": message.text}]
    return resource


COMMUNICATION = ResourceType(
    name="Communication",
    rows=messages,
    render=communication,
    profile=registry.UK_CORE + "UKCore-Communication",
    params=(
        registry.patient_reference_param("service_user", "patient"),
        registry.patient_reference_param("service_user", "subject"),
    ),
    patient_params=("patient", "subject"),
    documentation="A message of a case conversation; its identifier is the conversation's id.",
)


def register() -> None:
    registry.register(COMMUNICATION)
