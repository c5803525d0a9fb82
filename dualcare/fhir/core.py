"""The core's own FHIR resources: Patient (the person), Organization (the directory), CareTeam (a
team's involvement in the person's care), Consent (to share one scope with one organisation) and
Appointment (contacts other than supervised-consumption collections).

Each type's rows are access's: the people the caller may see (access.service_user_ids_visible_to),
the record summary's rows of those people (involvements and consents are exempt from consent,
access.ORG_WRITTEN), and contacts as access.contacts_visible_to shows them."""

from __future__ import annotations

from dualcare import access
from dualcare.contacts.models import APPOINTMENT_KINDS, Contact, Outcome
from dualcare.people.models import Consent, Involvement, Organisation, ServiceUser
from dualcare.people.search import nhs_number_digits

from .params import date_filter
from .registry import (
    DUALCARE_SYSTEM,
    NHS_NUMBER_SYSTEM,
    UK_CORE,
    BadParameter,
    ResourceType,
    SearchParam,
    day,
    instant,
    meta,
    patient_reference_param,
    reference,
    register,
)

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


def _name(person: ServiceUser) -> str:
    return f"{person.given_name} {person.family_name}"


# ---------------------------------------------------------------------------
# Patient


def patients(user, service_user=None):
    return access.service_users_visible_to(user)


def patient(person: ServiceUser) -> dict:
    names = [{"use": "official", "family": person.family_name, "given": [person.given_name]}]
    if person.preferred_name:
        names.append({"use": "usual", "given": [person.preferred_name]})
    resource = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "meta": meta(person, UK_CORE + "UKCore-Patient"),
        "identifier": [{"system": DUALCARE_SYSTEM + "service-user", "value": str(person.pk)}],
        "name": names,
        "birthDate": day(person.date_of_birth),
    }
    if person.nhs_number:
        resource["identifier"].insert(0, {"system": NHS_NUMBER_SYSTEM, "value": person.nhs_number})
    telecom = []
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone})
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    if telecom:
        resource["telecom"] = telecom
    if person.address:
        resource["address"] = [{"text": person.address}]
    return resource


def _identifier(rows, value):
    system, _, code = value.rpartition("|")
    if system == NHS_NUMBER_SYSTEM or (not system and value.replace(" ", "").isdigit()):
        digits = nhs_number_digits(code)
        if not digits:
            raise BadParameter("identifier", "Give an NHS number of 10 digits (with or without spaces).")
        return rows.filter(nhs_number=digits)
    if system == DUALCARE_SYSTEM + "service-user":
        from dualcare.ids import is_uuid

        if not is_uuid(code):
            raise BadParameter(
                "identifier", "A DualCare service-user identifier is an id from /fhir/Patient."
            )
        return rows.filter(pk=code)
    raise BadParameter(
        "identifier", f"Give the identifier as {NHS_NUMBER_SYSTEM}|<NHS number> (or the NHS number alone)."
    )


def _string(field: str, name: str):
    def apply(rows, value):
        value = value.strip()
        if not value or len(value) > 100:
            raise BadParameter(name, f"Give {name} as the start of the name (1 to 100 characters).")
        return rows.filter(**{f"{field}__istartswith": value})

    return apply


def _birthdate(rows, value):
    return date_filter(rows, "date_of_birth", "birthdate", [value], instants=False)


PATIENT = ResourceType(
    name="Patient",
    rows=patients,
    render=patient,
    patient="pk",
    profile=UK_CORE + "UKCore-Patient",
    params=(
        SearchParam("identifier", "token", _identifier, f"{NHS_NUMBER_SYSTEM}|<NHS number>"),
        SearchParam(
            "family", "string", _string("family_name", "family"), "The family name starts with this."
        ),
        SearchParam("given", "string", _string("given_name", "given"), "The given name starts with this."),
        SearchParam("birthdate", "date", _birthdate, "Date of birth, with an optional prefix (ge, le, ...)."),
    ),
    patient_params=(),
)


# ---------------------------------------------------------------------------
# Organization: the directory every member of staff reads (API contract)


def organisations(user, service_user=None):
    if not access.is_active_staff(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def organization(org: Organisation) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": str(org.pk),
        "meta": meta(org, UK_CORE + "UKCore-Organization"),
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": DUALCARE_SYSTEM + "organisation-kind",
                        "code": org.kind,
                        "display": org.get_kind_display(),
                    }
                ]
            }
        ],
        "name": org.name,
    }
    if org.ods_code:
        resource["identifier"] = [{"system": ODS_SYSTEM, "value": org.ods_code}]
    telecom = [{"system": "phone", "value": org.phone}] if org.phone else []
    if org.email:
        telecom.append({"system": "email", "value": org.email})
    if telecom:
        resource["telecom"] = telecom
    return resource


def _org_name(rows, value):
    value = value.strip()
    if not value or len(value) > 100:
        raise BadParameter("name", "Give name as part of the organisation's name (1 to 100 characters).")
    return rows.filter(name__icontains=value)


ORGANIZATION = ResourceType(
    name="Organization",
    rows=organisations,
    render=organization,
    patient="",
    profile=UK_CORE + "UKCore-Organization",
    params=(SearchParam("name", "string", _org_name, "Part of the organisation's name."),),
    patient_params=(),
)


# ---------------------------------------------------------------------------
# CareTeam: one team's involvement in the person's care


def care_teams(user, service_user=None):
    rows = Involvement.objects.filter(service_user=service_user) if service_user else Involvement.objects
    return rows.filter(service_user_id__in=access.service_user_ids_visible_to(user)).select_related(
        "team__organisation", "key_worker"
    )


def care_team(involvement: Involvement) -> dict:
    period = {"start": day(involvement.start)}
    if involvement.end:
        period["end"] = day(involvement.end)
    resource = {
        "resourceType": "CareTeam",
        "id": str(involvement.pk),
        "meta": meta(involvement, UK_CORE + "UKCore-CareTeam"),
        "status": "inactive" if involvement.end else "active",
        "name": involvement.team.name,
        "subject": reference("Patient", involvement.service_user_id),
        "period": period,
        "managingOrganization": [
            reference("Organization", involvement.team.organisation_id, involvement.team.organisation.name)
        ],
    }
    if involvement.key_worker_id:
        resource["participant"] = [
            {
                "role": [{"text": "Key worker"}],
                "member": {"display": involvement.key_worker.display_name},
                "onBehalfOf": reference("Organization", involvement.team.organisation_id),
            }
        ]
    return resource


def _status(active: str, inactive: str, field: str):
    def apply(rows, value):
        if value == active:
            return rows.filter(**{f"{field}__isnull": True})
        if value == inactive:
            return rows.filter(**{f"{field}__isnull": False})
        raise BadParameter("status", f"Give status as {active} or {inactive}.")

    return apply


CARE_TEAM = ResourceType(
    name="CareTeam",
    rows=care_teams,
    render=care_team,
    profile=UK_CORE + "UKCore-CareTeam",
    params=(
        patient_reference_param("service_user", "patient"),
        patient_reference_param("service_user", "subject"),
        SearchParam("status", "token", _status("active", "inactive", "end"), "active or inactive."),
    ),
    patient_params=("patient", "subject"),
)


# ---------------------------------------------------------------------------
# Consent: the person's consent to share one kind of information with one organisation


def consents(user, service_user=None):
    rows = Consent.objects.filter(service_user=service_user) if service_user else Consent.objects
    return rows.filter(service_user_id__in=access.service_user_ids_visible_to(user)).select_related(
        "organisation"
    )


def consent(row: Consent) -> dict:
    period = {"start": instant(row.recorded_at)}
    if row.withdrawn_at:
        period["end"] = instant(row.withdrawn_at)
    return {
        "resourceType": "Consent",
        "id": str(row.pk),
        "meta": meta(row, UK_CORE + "UKCore-Consent"),
        "status": "inactive" if row.withdrawn_at else "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}
        ],
        "patient": reference("Patient", row.service_user_id),
        "dateTime": instant(row.recorded_at),
        "performer": [reference("Patient", row.service_user_id)],
        "policyRule": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]
        },
        "provision": {
            "type": "permit",
            "period": period,
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "reference": reference("Organization", row.organisation_id, row.organisation.name),
                }
            ],
            "code": [
                {
                    "coding": [
                        {
                            "system": DUALCARE_SYSTEM + "consent-scope",
                            "code": row.scope,
                            "display": row.get_scope_display(),
                        }
                    ]
                }
            ],
        },
    }


CONSENT = ResourceType(
    name="Consent",
    rows=consents,
    render=consent,
    profile=UK_CORE + "UKCore-Consent",
    params=(
        patient_reference_param("service_user", "patient"),
        SearchParam("status", "token", _status("active", "inactive", "withdrawn_at"), "active or inactive."),
    ),
)


# ---------------------------------------------------------------------------
# Appointment: appointments, home visits and depots (a collection is supervised consumption, not
# an appointment). UK Core has no Appointment profile: the base resource.

APPOINTMENT_STATUS = {
    Outcome.ATTENDED: "fulfilled",
    Outcome.MISSED: "noshow",
    Outcome.CANCELLED_BY_SERVICE: "cancelled",
    Outcome.CANCELLED_BY_PERSON: "cancelled",
}


def appointments(user, service_user=None):
    return (
        access.contacts_visible_to(user, service_user=service_user, people_first=service_user is None)
        .filter(kind__in=APPOINTMENT_KINDS)
        .select_related("team__organisation", "staff")
    )


def appointment(contact: Contact) -> dict:
    participants = [{"actor": reference("Patient", contact.service_user_id), "status": "accepted"}]
    if contact.staff_id:
        participants.append({"actor": {"display": contact.staff.display_name}, "status": "accepted"})
    return {
        "resourceType": "Appointment",
        "id": str(contact.pk),
        "meta": meta(contact, None),
        "status": APPOINTMENT_STATUS.get(contact.outcome, "booked"),
        "serviceType": [
            {
                "coding": [
                    {
                        "system": DUALCARE_SYSTEM + "contact-kind",
                        "code": contact.kind,
                        "display": contact.get_kind_display(),
                    }
                ]
            }
        ],
        "description": f"{contact.get_kind_display()} with {contact.team.name}",
        "start": instant(contact.starts_at),
        # DualCare records when an appointment starts, not how long it lasts; app-2 wants both.
        "end": instant(contact.starts_at),
        "participant": participants,
    }


def _appointment_date(rows, value):
    return date_filter(rows, "starts_at", "date", [value], instants=True)


APPOINTMENT = ResourceType(
    name="Appointment",
    rows=appointments,
    render=appointment,
    params=(
        patient_reference_param("service_user", "patient"),
        SearchParam("date", "date", _appointment_date, "When it starts, with an optional prefix."),
    ),
    documentation="UK Core has no Appointment profile. DualCare records when an appointment starts, "
    "not how long it lasts: end is the start.",
)


def register_core() -> None:
    for resource in (PATIENT, ORGANIZATION, CARE_TEAM, CONSENT, APPOINTMENT):
        register(resource)
