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


# ---------------------------------------------------------------------------
# Rows of one type kept in more than one place


class Union:
    """The rows of one resource type kept in several tables (QuestionnaireResponse: HoNOS, TOP and
    DIALOG each have their own), with as much of QuerySet as the views use: filter and exclude
    (applied to every part: name a field by an alias every part has), order_by("pk") and a slice
    from the start (one query per part, the pages merged in id order: UUIDs sort the same in
    Python as in PostgreSQL and SQLite), first() and get(pk=). `keep(*names)`: only those parts."""

    def __init__(self, parts: dict[str, QuerySet]):
        self.parts = parts

    def _each(self, method: str, *args, **kwargs) -> Union:
        return Union({name: getattr(rows, method)(*args, **kwargs) for name, rows in self.parts.items()})

    def filter(self, *args, **kwargs) -> Union:
        return self._each("filter", *args, **kwargs)

    def exclude(self, *args, **kwargs) -> Union:
        return self._each("exclude", *args, **kwargs)

    def order_by(self, *fields) -> Union:
        if fields != ("pk",):
            raise ValueError("A union of tables pages in id order only.")
        return self._each("order_by", "pk")

    def keep(self, *names: str) -> Union:
        return Union({name: rows for name, rows in self.parts.items() if name in names})

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.start or window.step:
            raise TypeError("A union of tables takes a slice from its start.")
        found = [row for rows in self.parts.values() for row in rows.order_by("pk")[window]]
        return sorted(found, key=lambda row: row.pk)[window]

    def first(self):
        found = self[:1]
        return found[0] if found else None

    def get(self, **lookup):
        found = self.filter(**lookup)[:2]
        if len(found) != 1:
            raise LookupError(f"{len(found)} rows match {lookup}.")
        return found[0]

    def person_of(self, pk, path: str):
        """The person a row of any part is about, whoever may see it (for the audit of a refusal)."""
        for rows in self.parts.values():
            found = rows.model.objects.filter(pk=pk).values_list(path, flat=True).first()
            if found:
                return found
        return None


class Fixed:
    """Resources defined by the code, not stored (the Questionnaires): rows with a string `pk` and
    an `updated_at`, filtered in Python as the views filter querysets."""

    def __init__(self, rows: list):
        self.rows = rows

    @staticmethod
    def _matches(row, lookup: str, value) -> bool:
        field, _, test = lookup.partition("__")
        have = getattr(row, field)
        if field == "pk":
            have, value = str(have), [str(v) for v in value] if test == "in" else str(value)
        tests = {
            "": lambda: have == value,
            "in": lambda: have in value,
            "gt": lambda: have > value,
            "gte": lambda: have >= value,
            "lt": lambda: have < value,
            "lte": lambda: have <= value,
        }
        return tests[test]()

    def filter(self, **lookups) -> Fixed:
        return Fixed([row for row in self.rows if all(self._matches(row, k, v) for k, v in lookups.items())])

    def exclude(self, **lookups) -> Fixed:
        kept = self.filter(**lookups).rows
        return Fixed([row for row in self.rows if row not in kept])

    def order_by(self, *fields) -> Fixed:
        return Fixed(sorted(self.rows, key=lambda row: str(row.pk)))

    def __getitem__(self, window: slice) -> list:
        return self.rows[window]

    def first(self):
        return self.rows[0] if self.rows else None

    def get(self, **lookup):
        (found,) = self.filter(**lookup).rows
        return found


def takes_id(rows, pk) -> bool:
    """Is `pk` an id these rows could hold (a UUID for stored rows, anything for Fixed)?"""
    from dualcare.ids import is_uuid

    return isinstance(rows, Fixed) or is_uuid(pk)


def person_of(rows, path: str, pk):
    """The person the row `pk` is about, whoever may see it; None when there is no such row."""
    if isinstance(rows, Union):
        return rows.person_of(pk, path)
    return rows.model.objects.filter(pk=pk).values_list(path, flat=True).first()


def r4_errors(resource: dict) -> list[tuple[str, str]]:
    """(element, message) for what in a posted resource is not valid FHIR R4, as fhir.resources
    (the library the tests check every emitted resource with) finds it."""
    from fhir.resources import get_fhir_model_class
    from pydantic import ValidationError

    name = resource["resourceType"]
    try:
        get_fhir_model_class(name).parse_obj(resource)
    except ValidationError as invalid:
        return [
            (name + "." + ".".join(str(part) for part in error["loc"] if part != "__root__"), error["msg"])
            for error in invalid.errors()
        ]
    return []
