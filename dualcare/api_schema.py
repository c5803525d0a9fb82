"""The API contract in one place: what the OpenAPI schema promises and the checks that keep it true.

- `ContractAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) documents, for every operation,
  the errors it can answer in the contract's shapes (400 with field errors, 401, 403, 404, 429
  where throttled), and marks a field nullable when it can answer null.
- `ApiContractMiddleware` answers 405 (with Allow) for a method a route does not have, before
  any permission check can answer something else, and checks the query parameters an operation
  declares with `extend_schema(parameters=...)` against their declared type, enum and `required`,
  so a value the schema calls invalid is a 400 naming the parameter, whatever the view does next.
- `dualcare.api_pagination.Pagination` (apart, as DRF's settings import it) takes page numbers
  the way the schema documents them.
- `not_found` (handler404) answers a missing /api/ route in JSON like every other API error.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.http import JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.fields import empty

API_PREFIX = "/api/"
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")  # str.isdigit() takes "²", which int() refuses

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", ...]} for each field at fault (nested for nested input), or
# {"detail": "message"} when a rule is about the request as a whole.
_VALIDATION = {
    "type": "object",
    "description": "Each field at fault with its messages, or `detail` for the request as a whole.",
    "properties": {"detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
    "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
}
_ERRORS = {
    "400": ("ValidationError", _VALIDATION, "The request is not valid: each field at fault is named."),
    "401": ("ErrorDetail", _DETAIL, "No valid credentials: sign in, or send 'Authorization: Token <token>'."),
    "403": ("ErrorDetail", _DETAIL, "Signed in, but not allowed to do this."),
    "404": ("ErrorDetail", _DETAIL, "No such record that you may see (or a capability you have no part in)."),
    "429": ("ErrorDetail", _DETAIL, "Too many requests: wait and try again (see Retry-After)."),
}


class ContractAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus every error an operation can answer and honest nulls."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code in responses:
                continue
            name, schema, description = _ERRORS[code]
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
            )
            self.registry.register_on_missing(component)
            responses[code] = {
                "content": {"application/json": {"schema": component.ref}},
                "description": description,
            }
        return operation

    def _error_codes(self, operation) -> list[str]:
        authenticated = bool(self.view.get_authenticators())
        codes = []
        # Any query parameter, path id or body can be malformed; the token endpoint takes a body.
        if operation.get("parameters") or "requestBody" in operation or self.method != "GET":
            codes.append("400")
        if authenticated:
            # Permission classes hide a whole capability with a 404 (linkworkers, switched-off outcome
            # instruments) as well as a record the caller may not see, so every signed-in route has one.
            codes += ["401", "403", "404"]
        elif self.method != "GET":
            codes.append("403")  # the token endpoint: locked out after repeated failures
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # `CharField(source="team.name", default=None)` answers null when there is no team.
        if direction == "response" and getattr(field, "default", empty) is None:
            meta["nullable"] = True
        return meta


# --- Request checks that follow the schema -----------------------------------------------------


def _allowed_methods(view_func) -> list[str] | None:
    """The HTTP methods a DRF route answers, or None for a route that is not DRF's."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return None
    actions = getattr(view_func, "actions", None)
    if actions is not None:  # a viewset route: only its mapped methods
        methods = {method.upper() for method in actions}
    else:
        methods = {
            m.upper() for m in view_class.http_method_names if m != "options" and hasattr(view_class, m)
        }
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")  # DRF's metadata answer
    return sorted(methods)


def _declared_parameters(view_func, request, view_kwargs) -> list[OpenApiParameter]:
    """The query parameters the schema declares for this route and method (`extend_schema(parameters=)`)."""
    actions = getattr(view_func, "actions", None)
    name = actions.get(request.method.lower()) if actions is not None else request.method.lower()
    handler = getattr(view_func.cls, name, None) if name else None
    schema_class = getattr(handler, "kwargs", {}).get("schema")
    if schema_class is None:
        return []
    # The same override the schema generator reads, on a view set up as DRF would for this request.
    view = view_func.cls(**view_func.initkwargs)
    view.request, view.args, view.kwargs, view.action = request, (), view_kwargs, name
    view.format_kwarg = None
    schema = schema_class()
    schema.view, schema.method = view, request.method
    declared = schema.get_override_parameters()
    return [p for p in declared if isinstance(p, OpenApiParameter) and p.location == OpenApiParameter.QUERY]


def _is_valid(parameter: OpenApiParameter, value: str) -> str | None:
    """None when `value` is what the schema says the parameter takes, else the message to show."""
    if parameter.enum:
        allowed = [str(choice) for choice in parameter.enum]
        return None if value in allowed else f"Use one of: {', '.join(allowed)}."
    kind = parameter.type
    if kind == OpenApiTypes.UUID:
        try:
            uuid.UUID(value)
        except ValueError:
            return "Give an id (a UUID)."
    elif kind == OpenApiTypes.DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "Give the date as YYYY-MM-DD."
    elif kind == OpenApiTypes.INT:
        if not _WHOLE_NUMBER.fullmatch(value):
            return "Give a whole number."
    elif kind == OpenApiTypes.BOOL:
        if value not in ("true", "false"):
            return "Use true or false."
    elif value == "":
        return "Give a value, or leave the parameter out."
    return None


def query_errors(view_func, request, view_kwargs) -> dict[str, list[str]]:
    """Each declared query parameter that is missing when required, or not of its declared type."""
    errors: dict[str, list[str]] = {}
    for parameter in _declared_parameters(view_func, request, view_kwargs):
        values = request.GET.getlist(parameter.name)
        if not values:
            if parameter.required:
                errors[parameter.name] = ["This parameter is required."]
            continue
        if len(values) > 1:
            errors[parameter.name] = ["Give this parameter once."]
            continue
        message = _is_valid(parameter, values[0])
        if message:
            errors[parameter.name] = [message]
    return errors


class ApiContractMiddleware:
    """For /api/ routes: 405 for a method the route lacks; 400 for a query parameter the schema rejects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith(API_PREFIX):
            return None
        allowed = _allowed_methods(view_func)
        if allowed is None:
            return None
        if request.method not in allowed:
            response = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
            response["Allow"] = ", ".join(allowed)
            return response
        errors = query_errors(view_func, request, view_kwargs)
        if errors:
            return JsonResponse(errors, status=400)
        return None


def not_found(request, exception=None):
    """handler404: a missing /api/ route answers JSON like every API error; pages keep their page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
