"""The API contract in one place: what the OpenAPI schema promises and the checks that keep it true.

- `ContractAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) documents, for every operation,
  the errors it can answer in the contract's shapes (400 with field errors, 401, 403, 404, 409 for
  a write the record's state refuses, 429 where throttled), and marks a field nullable when it can
  answer null.
- `ApiContractMiddleware` answers 405 (with Allow) for a method a route does not have, before
  any permission check can answer something else, then checks the request against the published
  schema: every query parameter it declares (`extend_schema(parameters=...)` and django-filter
  filtersets alike) for type, enum and `required`, and a JSON body's types all the way down, so a
  value the schema calls invalid is a 400 naming the field, whatever the view does next.
- Free text that refuses hidden characters (dualcare.limits) carries the rule as a `pattern`.
- `dualcare.api_pagination.Pagination` (apart, as DRF's settings import it) takes page numbers
  the way the schema documents them.
- `not_found` (handler404) answers a missing /api/ route in JSON like every other API error.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.fields import empty

from dualcare.limits import NoHiddenCharacters, no_hidden_characters_pattern

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
    "409": (
        "ValidationError",
        _VALIDATION,
        "The request is well formed, but the record's state does not allow it now (already sent, already "
        "acknowledged, changed by someone else since you read it): read the record again.",
    ),
    "429": ("ErrorDetail", _DETAIL, "Too many requests: wait and try again (see Retry-After)."),
}


class ContractAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus every error an operation can answer and honest nulls."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for parameter in operation.get("parameters", []):
            # The request checks refuse an empty value for free text (_query_error): say so, so a
            # client (and schemathesis) knows `?search=` is not "no search" but a mistake.
            schema = parameter.get("schema", {})
            # A django-filter CharFilter(max_length=...) refuses longer text with a 400: say so too.
            max_length = getattr(filters.get(parameter.get("name")), "extra", {}).get("max_length")
            if parameter.get("in") == "query" and max_length and "maxLength" not in schema:
                schema["maxLength"] = max_length
            if (
                parameter.get("in") == "query"
                and schema.get("type") == "string"
                and not {"enum", "format", "$ref", "minLength"} & schema.keys()
            ):
                schema["minLength"] = 1
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
            if self.method != "GET":
                codes.append("409")  # dualcare.exceptions.StateConflict, from any service a write calls
        elif self.method != "GET":
            codes.append("403")  # the token endpoint: locked out after repeated failures
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        # Free text refuses hidden characters (dualcare.limits): say so, so a client can know.
        validators = getattr(field, "validators", [])
        hidden = next((v for v in validators if isinstance(v, NoHiddenCharacters)), None)
        if direction == "request" and hidden is not None and "pattern" not in meta:
            meta["pattern"] = no_hidden_characters_pattern(multiline=hidden.multiline)
        # `CharField(source="team.name", default=None)` answers null when there is no team.
        if direction == "response" and getattr(field, "default", empty) is None:
            meta["nullable"] = True
        return meta


# --- Request checks that follow the schema -----------------------------------------------------
# The checks read the schema the API publishes (generated once per process, as /api/schema/ serves
# it), so what is refused is exactly what the schema calls invalid: declared query parameters
# (extend_schema ones and django-filter's alike) and the JSON types of a request body. DRF's own
# fields are looser ("1" for an integer, 0 for a string, "true" for a boolean); its validation then
# applies the rest (lengths, ranges, which ids exist) with its own messages.

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}
_TYPE_MESSAGES = {
    "string": "Give text, in quotes.",
    "integer": "Give a whole number, not in quotes.",
    "number": "Give a number, not in quotes.",
    "boolean": "Give true or false, not in quotes.",
    "array": "Give a list.",
    "object": "Give an object.",
}
_LIST_MESSAGES = {
    "string": "Give a list of text values.",
    "integer": "Give a list of whole numbers.",
    "number": "Give a list of numbers.",
    "boolean": "Give a list of true or false values.",
}
# For a value inside a list, named by its place: "Value 2 is not a number."
_TYPE_NOUNS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
}


@dataclass(frozen=True)
class _Operation:
    path: re.Pattern
    method: str
    spec: dict


@cache
def _published_schema() -> tuple[dict, list[_Operation]]:
    """The components and operations of the schema /api/schema/ serves, built once per process."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for template, methods in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(template)) + "$")
        for method, spec in methods.items():
            operations.append(_Operation(pattern, method.upper(), spec))
    # Fewest parameters first, so a literal segment wins: /quadrant-assessments/suggestion/ is no id.
    operations.sort(key=lambda operation: operation.path.pattern.count("[^/]+"))
    return schema.get("components", {}).get("schemas", {}), operations


def _operation(request) -> _Operation | None:
    method = "GET" if request.method == "HEAD" else request.method
    _, operations = _published_schema()
    for operation in operations:
        if operation.method == method and operation.path.match(request.path_info):
            return operation
    return None


def _resolve(schema: dict) -> dict:
    components, _ = _published_schema()
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _kinds(schema: dict) -> set[str]:
    """The JSON types a (resolved) schema allows; an enum without a type allows its members' types."""
    if "type" in schema:
        return {schema["type"]}
    kinds = set()
    for member in schema.get("enum", []):
        kinds |= {kind for kind, types in _JSON_TYPES.items() if _is_json_type(member, types)}
    return kinds


def _is_json_type(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # bool is an int in Python, never a number in JSON
        return bool in types
    return isinstance(value, types)


def type_error(schema: dict, value, *, null_allowed: bool = True) -> str | None:
    """None when `value` has the JSON type(s) `schema` declares, all the way down, else a message."""
    errors = type_errors(schema, value, null_allowed=null_allowed)
    return errors[0] if errors else None


def type_errors(schema: dict, value, *, null_allowed: bool = True) -> list[str]:
    """What is not of the JSON type `schema` declares, all the way down: one message for the value,
    or one per value of a list at fault ("Value 2 is not a number.").

    A field given as null is left to the serializer (null_allowed), which says whether it may be
    empty in its own words; a null inside a list or an object is a value of the wrong type."""
    schema = _resolve(schema)
    if value is None:
        return [] if null_allowed or schema.get("nullable") else ["Give a value, not null."]
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            options = [type_errors(option, value, null_allowed=null_allowed) for option in schema[combinator]]
            if all(options):
                return options[0]
    for part in schema.get("allOf", []):
        if errors := type_errors(part, value, null_allowed=null_allowed):
            return errors
    kinds = _kinds(schema)
    if kinds and not any(_is_json_type(value, _JSON_TYPES[kind]) for kind in kinds):
        kind = sorted(kinds)[0]
        item_kind = _resolve(schema.get("items", {})).get("type")
        if kind == "array" and item_kind in _LIST_MESSAGES:
            return [_LIST_MESSAGES[item_kind]]
        return [_TYPE_MESSAGES[kind]]
    if isinstance(value, list) and "items" in schema:
        noun = _TYPE_NOUNS.get(_resolve(schema["items"]).get("type"), "of the right kind")
        return [
            f"Value {position} is not {noun}."
            for position, item in enumerate(value, start=1)
            if type_errors(schema["items"], item, null_allowed=False)
        ]
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            item_schema = properties.get(name, extra if isinstance(extra, dict) else None)
            if item_schema is not None and (errors := type_errors(item_schema, item, null_allowed=False)):
                return [f"{name}: {errors[0]}"]
    return []


def body_errors(request) -> dict[str, list[str]]:
    """Each top-level field of a JSON body whose JSON type is not the one the schema declares."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type != "application/json":
        return {}
    operation = _operation(request)
    content = (operation.spec.get("requestBody") or {}).get("content", {}) if operation else {}
    if "application/json" not in content:
        return {}
    try:
        body = json.loads(request.body or b"null", parse_constant=_refuse_constant)
    except (ValueError, RequestDataTooBig):
        return {}  # DRF answers malformed or oversized JSON with its own 400
    if not isinstance(body, dict):
        return {}  # DRF answers "expected a dictionary"
    schema = _resolve(content["application/json"].get("schema", {}))
    properties = schema.get("properties", {})
    errors = {}
    for name, value in body.items():
        if name in properties and (messages := type_errors(properties[name], value)):
            errors[name] = messages
    return errors


def _refuse_constant(constant: str):
    raise ValueError(f"{constant} is not JSON")  # NaN and Infinity, as DRF's parser refuses them


def _query_error(schema: dict, value: str) -> str | None:
    """None when `value` is what the schema says the query parameter takes, else the message to show."""
    schema = _resolve(schema)
    if "enum" in schema:
        allowed = [str(choice) for choice in schema["enum"]]
        return None if value in allowed else f"Use one of: {', '.join(allowed)}."
    kind, form = schema.get("type"), schema.get("format")
    if kind == "string" and form == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return "Give an id (a UUID)."
    elif kind == "string" and form == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return "Give the date as YYYY-MM-DD."
    elif kind == "integer":
        minimum = schema.get("minimum")
        if not _WHOLE_NUMBER.fullmatch(value) or (minimum is not None and int(value) < minimum):
            return "Give a whole number." if minimum is None else f"Give a whole number from {minimum}."
    elif kind == "boolean":
        if value not in ("true", "false"):
            return "Use true or false."
    elif value == "":
        return "Give a value, or leave the parameter out."
    return None


def query_errors(request) -> dict[str, list[str]]:
    """Each query parameter the schema declares that is missing when required, or not of its type."""
    operation = _operation(request)
    if operation is None:
        return {}
    errors: dict[str, list[str]] = {}
    for parameter in operation.spec.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        name = parameter["name"]
        values = request.GET.getlist(name)
        if not values:
            if parameter.get("required"):
                errors[name] = ["This parameter is required."]
            continue
        if len(values) > 1:
            errors[name] = ["Give this parameter once."]
            continue
        message = _query_error(parameter.get("schema", {}), values[0])
        if message:
            errors[name] = [message]
    return errors


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
        errors = query_errors(request) or body_errors(request)
        if errors:
            return JsonResponse(errors, status=400)
        return None


def not_found(request, exception=None):
    """handler404: a missing /api/ route answers JSON like every API error; pages keep their page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
