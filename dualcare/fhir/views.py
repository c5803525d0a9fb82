"""/fhir/: the CapabilityStatement, and read, search and $everything of each registered type.

Authentication is the API's (knox tokens, or a verified session); staff only, as the people API
(a person's or carer's token reads /api/v1/me/...). Every answer is application/fhir+json; every
error an OperationOutcome (a bad search parameter a 400 naming it, a resource the caller may not
see a 404, as one that does not exist)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare import access
from dualcare.api_auth import IsStaff
from dualcare.audit.services import audit_record
from dualcare.ids import is_uuid
from dualcare.people.models import ServiceUser

from . import params, registry
from .registry import BadParameter, BadResource, ResourceType

FHIR_JSON = "application/fhir+json"
EVERYTHING_LIMIT = 1000  # resources of one type in $everything; past it an outcome says so


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "json"


class FhirJSONParser(JSONParser):
    media_type = FHIR_JSON


class FhirNegotiation(DefaultContentNegotiation):
    """Always FHIR JSON out: clients ask for application/json, application/fhir+json or anything."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def operation_outcome(code: str, diagnostics: str, *, expression: str = "", severity: str = "error") -> dict:
    issue = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def exception_handler(exc, context):
    """Every error as an OperationOutcome with its status."""
    if isinstance(exc, BadResource):
        code, status = ("conflict", 409) if exc.conflict else ("invalid", 400)
        return Response(operation_outcome(code, exc.message, expression=exc.expression), status=status)
    if isinstance(exc, exceptions.ParseError):
        return Response(operation_outcome("structure", "The body is not JSON."), status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(
            operation_outcome("structure", "Send the resource as application/fhir+json."), status=415
        )
    if isinstance(exc, BadParameter):
        return Response(operation_outcome("invalid", exc.message, expression=exc.parameter[:60]), status=400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(operation_outcome("not-found", "No such resource."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.APIException):
        codes = {401: "login", 403: "forbidden", 405: "not-supported", 406: "not-supported", 429: "throttled"}
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        return Response(
            operation_outcome(codes.get(exc.status_code, "processing"), str(detail)),
            status=exc.status_code,
            headers=headers,
        )
    return None


class FhirView(APIView):
    permission_classes = [IsStaff]
    renderer_classes = [FhirRenderer]
    parser_classes = [FhirJSONParser, JSONParser]
    content_negotiation_class = FhirNegotiation
    schema = None  # FHIR's own contract (the CapabilityStatement), not the OpenAPI schema's
    http_method_names = ["get", "head", "options", "post"]

    def get_exception_handler(self):
        return exception_handler

    def check_format(self):
        wanted = self.request.query_params.getlist("_format")
        if wanted and wanted[-1] not in params.FORMATS:
            raise BadParameter("_format", "This server answers JSON only: use _format=json or leave it out.")

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(f"/fhir/{path}")


def _entry(view: FhirView, resource_type: ResourceType, row, mode: str) -> dict:
    body = resource_type.render(row)
    return {
        "fullUrl": view.absolute(f"{resource_type.name}/{row.pk}"),
        "resource": body,
        "search": {"mode": mode},
    }


def _person_id(row):
    return row.pk if isinstance(row, ServiceUser) else row.service_user_id


def _audit_page(user, resource_type: ResourceType, rows: list, *, action: str, requested=None) -> None:
    if resource_type.about_people:
        access.audit_list_read(user, rows, action=action, requested=requested)


class CapabilityStatementView(FhirView):
    """GET /fhir/metadata: what this server does, built from the registered types (no person's
    data, so open to any caller as FHIR expects)."""

    permission_classes = [AllowAny]

    def get(self, request):
        self.check_format()
        resources = []
        for name, resource_type in registry.types().items():
            resource = {
                "type": name,
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": "_id", "type": "token"},
                    {"name": "_lastUpdated", "type": "date"},
                    *(
                        {"name": param.name, "type": param.type, "documentation": param.documentation}
                        for param in resource_type.params
                    ),
                ],
            }
            if resource_type.profile:
                resource["supportedProfile"] = [resource_type.profile]
            if resource_type.documentation:
                resource["documentation"] = resource_type.documentation
            if resource_type.about_people and name != "Patient":
                resource["searchInclude"] = [f"{name}:{param}" for param in resource_type.patient_params]
            if name == "Patient":
                resource["operation"] = [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    }
                ]
            if resource_type.create is not None:
                resource["interaction"].append({"code": "create"})
            resources.append(resource)
        statement = {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": timezone.localdate().isoformat(),
            "publisher": "DualCare",
            "kind": "instance",
            "software": {"name": "DualCare"},
            "implementation": {
                "description": "DualCare: the shared record of joint care",
                "url": self.absolute(""),
            },
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON, "json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": "Staff only: authenticate as the DualCare API does (Authorization: "
                    "Token <token> from /api/v1/auth/token/). A resource the caller may not see is absent "
                    "from searches and a 404 by id. Searches page in id order: follow Bundle.link next.",
                    "security": {"description": "Token authentication (django-rest-knox), as /api/v1/."},
                    "resource": resources,
                }
            ],
        }
        return Response(statement)


class SearchView(FhirView):
    """GET /fhir/<Type>: a page of the resources the caller may see, in id order (keyset paging:
    the next link carries the last id), with _include of the patient reference."""

    resource_name = ""

    def get(self, request):
        resource_type = registry.get(self.resource_name)
        query = request.query_params
        for name in query:
            if name not in params.COMMON and resource_type.param(name) is None:
                known = ", ".join([*params.COMMON, *(param.name for param in resource_type.params)])
                raise BadParameter(
                    name, f"{resource_type.name} has no search parameter of that name: use {known}."
                )
        self.check_format()
        size = params.count(query.getlist("_count"))
        after = params.cursor(query.getlist("_cursor"))
        includes = query.getlist("_include")
        allowed = {f"{resource_type.name}:{param}" for param in resource_type.patient_params}
        for include in includes:
            if include not in allowed or resource_type.name == "Patient":
                raise BadParameter(
                    "_include", f"{resource_type.name} includes {', '.join(sorted(allowed)) or 'nothing'}."
                )
        person = None
        for name in resource_type.patient_params:
            for value in query.getlist(name):
                if is_uuid(value.removeprefix("Patient/")):
                    person = ServiceUser(pk=value.removeprefix("Patient/"))
        rows = resource_type.rows(request.user, service_user=person)
        if query.getlist("_id"):
            rows = rows.filter(
                pk__in=params.ids(query.getlist("_id"), uuids=not isinstance(rows, registry.Fixed))
            )
        rows = params.date_filter(
            rows, resource_type.updated, "_lastUpdated", query.getlist("_lastUpdated"), instants=True
        )
        requested = None
        for param in resource_type.params:
            for value in query.getlist(param.name):
                rows = param.apply(rows, value)
                if param.name in resource_type.patient_params:
                    requested = value.removeprefix("Patient/")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        page = list(rows.order_by("pk")[: size + 1])
        more = len(page) > size
        page = page[:size]
        entries = [_entry(self, resource_type, row, "match") for row in page]
        _audit_page(
            request.user, resource_type, page, action=f"fhir.{resource_type.name}.search", requested=requested
        )
        if includes and page:
            patient = registry.get("Patient")
            people = list(
                patient.rows(request.user).filter(pk__in={_person_id(row) for row in page}).order_by("pk")
            )
            entries += [_entry(self, patient, person, "include") for person in people]
            access.audit_list_read(request.user, people, action=f"fhir.{resource_type.name}.include")
        links = [{"relation": "self", "url": request.build_absolute_uri()}]
        if more:
            kept = [(key, value) for key in query for value in query.getlist(key) if key != "_cursor"]
            kept.append(("_cursor", str(page[-1].pk)))
            links.append(
                {"relation": "next", "url": self.absolute(f"{resource_type.name}?{urlencode(kept)}")}
            )
        bundle = {"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries}
        if not entries:
            del bundle["entry"]
        return Response(bundle)

    def post(self, request):
        """Create: the resource written through its app's services, in one transaction (nothing
        half-written); 201 with its Location, or an OperationOutcome naming what was wrong."""
        resource_type = registry.get(self.resource_name)
        if resource_type.create is None:
            raise exceptions.MethodNotAllowed("POST")
        body = request.data
        if not isinstance(body, dict) or body.get("resourceType") != resource_type.name:
            raise BadResource("resourceType", f"Send one {resource_type.name} resource.")
        row = resource_type.create(request.user, body)
        created = resource_type.rows(request.user).get(pk=row.pk)
        return Response(
            resource_type.render(created),
            status=201,
            headers={"Location": self.absolute(f"{resource_type.name}/{row.pk}")},
        )


class ReadView(FhirView):
    """GET /fhir/<Type>/<id>: one resource, audited as a read of its person; a 404 OperationOutcome
    (audited as denied, naming the person when the resource exists) for one the caller may not see."""

    resource_name = ""

    def get(self, request, pk):
        self.check_format()
        resource_type = registry.get(self.resource_name)
        action = f"fhir.{resource_type.name}.read"
        rows = resource_type.rows(request.user)
        row = rows.filter(pk=pk).first() if registry.takes_id(rows, pk) else None
        if row is None:
            if resource_type.about_people:
                person_id = registry.person_of(rows, resource_type.patient, pk) if is_uuid(pk) else None
                audit_record(
                    actor=request.user,
                    action=action,
                    service_user=ServiceUser(pk=person_id) if person_id else None,
                    denied=True,
                    detail={"requested_id": str(pk)[:64]},
                )
            raise Http404
        if resource_type.about_people:
            audit_record(
                actor=request.user, action=action, target=row, service_user=ServiceUser(pk=_person_id(row))
            )
        return Response(resource_type.render(row))


class EverythingView(FhirView):
    """GET /fhir/Patient/<id>/$everything: the person and everything about them the caller may see,
    one searchset Bundle (one query per registered type, whatever the history; up to
    EVERYTHING_LIMIT of each type, an OperationOutcome entry saying where it stopped)."""

    def get(self, request, pk):
        self.check_format()
        for name in request.query_params:
            if name != "_format":
                raise BadParameter(name, "$everything takes no parameters here.")
        with access.record_checks_once():
            person = access.get_service_user_or_404(request.user, pk, action="fhir.Patient.everything")
            patient = registry.get("Patient")
            entries = [
                _entry(
                    self, patient, patient.rows(request.user, service_user=person).get(pk=person.pk), "match"
                )
            ]
            for name, resource_type in registry.types().items():
                if name == "Patient" or not resource_type.about_people:
                    continue
                rows = list(
                    resource_type.rows(request.user, service_user=person)
                    .filter(**{resource_type.patient: person.pk})
                    .order_by("pk")[: EVERYTHING_LIMIT + 1]
                )
                entries += [_entry(self, resource_type, row, "match") for row in rows[:EVERYTHING_LIMIT]]
                if len(rows) > EVERYTHING_LIMIT:
                    entries.append(
                        {
                            "resource": operation_outcome(
                                "too-costly",
                                f"Only the first {EVERYTHING_LIMIT} {name} resources are here: search "
                                f"/fhir/{name}?patient=Patient/{person.pk} for the rest.",
                                severity="warning",
                            ),
                            "search": {"mode": "outcome"},
                        }
                    )
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "link": [{"relation": "self", "url": request.build_absolute_uri()}],
            "entry": entries,
        }
        return Response(bundle)
