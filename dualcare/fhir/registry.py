"""The FHIR resource types served at /fhir/: the core's and those each capability app registers
from its AppConfig.ready() (its own fhir.py), as the timeline's sources are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
# DualCare's own identifiers (the record's UUID), for systems that keep a cross-reference.
DUALCARE_SYSTEM = "https://dualcare.example.org/Id/"


class BadParameter(Exception):
    """A search parameter's value the server cannot use: a 400 OperationOutcome naming it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class BadResource(Exception):
    """A resource sent to the server that it cannot take: a 400 OperationOutcome naming the element
    at fault (FHIRPath, e.g. ServiceRequest.subject). `conflict`: well formed, but the record's
    state refuses it now (a 409)."""

    def __init__(self, expression: str, message: str, *, conflict: bool = False):
        super().__init__(message)
        self.expression = expression
        self.message = message
        self.conflict = conflict


@dataclass(frozen=True)
class SearchParam:
    """One search parameter of a resource type: `apply(queryset, value)` narrows the rows (raising
    BadParameter for a value it cannot use); `type` is FHIR's (token, string, date, reference)."""

    name: str
    type: str
    apply: Callable[[QuerySet, str], QuerySet]
    documentation: str = ""


@dataclass(frozen=True)
class ResourceType:
    """A FHIR resource type served from one model.

    `rows(user, service_user=None)`: the rows the user may see, already narrowed by the app's
    access rule, with what `render` needs selected or prefetched (so a page costs the same queries
    whatever its size); `service_user` (a person, or None for everyone) when the request is about
    one person (a patient search, $everything), for the rule's one-person form.
    `render(row)`: the resource as a dict. `patient`: the lookup path from the model to the
    person (``"pk"`` for Patient; empty for a resource about nobody, such as Organization), used
    by the `patient`/`subject` parameters, `_include`, `$everything` and the audit. `profile`: the
    UK Core profile's URL, where UK Core has one (None where it has not: said in the
    CapabilityStatement's documentation).
    """

    name: str
    rows: Callable
    render: Callable
    patient: str = "service_user"
    profile: str | None = None
    params: tuple[SearchParam, ...] = ()
    patient_params: tuple[str, ...] = ("patient",)
    updated: str = "updated_at"
    documentation: str = ""
    include: tuple[str, ...] = field(default=())
    # create(user, resource) -> row: writes the resource through the app's services (one
    # transaction), raising BadResource for what it cannot take; None: the type is read-only.
    create: Callable | None = None

    @property
    def about_people(self) -> bool:
        return bool(self.patient)

    def param(self, name: str) -> SearchParam | None:
        return next((param for param in self.params if param.name == name), None)


_TYPES: dict[str, ResourceType] = {}


def register(resource: ResourceType) -> None:
    """Serve a resource type (from an app's ready(); registering the same name again replaces it,
    so a reloaded app does no harm)."""
    _TYPES[resource.name] = resource


def types() -> dict[str, ResourceType]:
    return dict(sorted(_TYPES.items()))


def get(name: str) -> ResourceType | None:
    return _TYPES.get(name)


# ---------------------------------------------------------------------------
# Helpers the resources share


def instant(value: dt.datetime | None) -> str | None:
    """A FHIR instant/dateTime: ISO 8601 with its offset (times are stored in UTC)."""
    if value is None:
        return None
    return value.isoformat()


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def reference(resource_type: str, pk, display: str = "") -> dict:
    found = {"reference": f"{resource_type}/{pk}"}
    if display:
        found["display"] = display
    return found


def meta(row, profile: str | None, updated: str = "updated_at") -> dict:
    found = {"lastUpdated": instant(getattr(row, updated))}
    if profile:
        found["profile"] = [profile]
    return found


def narrative(text: str) -> dict:
    """A generated narrative (dom-6 asks for one); the text escaped, as XHTML wants."""
    from django.utils.html import escape

    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(text)}</div>'}


def patient_reference_param(path: str, name: str = "patient") -> SearchParam:
    """`patient=Patient/<id>` (or the bare id): the rows about that person."""
    from dualcare.ids import is_uuid

    def apply(rows, value):
        pk = value.removeprefix("Patient/")
        if not is_uuid(pk):
            raise BadParameter(name, "Give the patient as Patient/<id>, with an id from /fhir/Patient.")
        return rows.filter(**{path: pk})

    return SearchParam(name, "reference", apply, "The person: Patient/<id>.")
