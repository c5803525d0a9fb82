"""The OpenAPI schema tells the truth (dualcare.api_schema): every error an operation can answer is
documented, fields that answer null are nullable, and requests the schema calls invalid are refused
with a 400 naming the parameter, a method a route lacks with a 405, a missing route with JSON.
bin/api-contract-check checks the whole API against the schema with schemathesis."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _schema_of(schema, reference):
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]


class SchemaDocumentsErrorsTests:
    def test_it_documents_every_error_a_signed_in_list_can_answer(self, schema):
        responses = schema["paths"]["/api/v1/referrals/"]["get"]["responses"]
        assert set(responses) == {"200", "400", "401", "403", "404"}
        field_errors = _schema_of(schema, responses["400"]["content"]["application/json"]["schema"])
        assert field_errors["additionalProperties"]["anyOf"][0] == {"type": "array", "items": {}}
        detail = _schema_of(schema, responses["404"]["content"]["application/json"]["schema"])
        assert detail["required"] == ["detail"]

    def test_it_documents_the_throttle_and_lockout_of_the_token_endpoint(self, schema):
        responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
        assert set(responses) == {"200", "400", "403", "429"}

    def test_it_documents_no_400_where_nothing_can_be_malformed(self, schema):
        assert "400" not in schema["paths"]["/api/v1/me/"]["get"]["responses"]


class SchemaDescribesValuesTests:
    def test_it_marks_fields_that_answer_null_as_nullable(self, schema):
        alert = schema["components"]["schemas"]["Alert"]["properties"]
        assert alert["team"]["nullable"] is True
        assert alert["acknowledged_by"]["nullable"] is True
        contact = schema["components"]["schemas"]["Contact"]["properties"]
        assert all(contact[name]["nullable"] for name in ("staff", "medicine", "dose"))
        assert "nullable" not in contact["team_name"]

    def test_it_says_page_numbers_start_at_one(self, schema):
        parameters = schema["paths"]["/api/v1/care-plans/"]["get"]["parameters"]
        page = next(p for p in parameters if p["name"] == "page")
        assert page["schema"] == {"type": "integer", "minimum": 1}

    def test_it_promises_json_request_bodies(self, schema):
        body = schema["paths"]["/api/v1/referrals/"]["post"]["requestBody"]
        assert list(body["content"]) == ["application/json"]

    def test_it_says_which_query_parameters_are_required(self, schema):
        parameters = schema["paths"]["/api/v1/quadrant-assessments/suggestion/"]["get"]["parameters"]
        assert next(p for p in parameters if p["name"] == "service_user")["required"] is True


@pytest.mark.django_db
class RequestsFollowTheSchemaTests:
    @pytest.fixture
    def api(self, world):
        client = APIClient()
        client.force_authenticate(world.keyworker_mh)
        return client

    def test_it_refuses_an_empty_id_the_schema_calls_invalid(self, api):
        response = api.get("/api/v1/care-plans/", {"service_user": ""})
        assert response.status_code == 400
        assert response.json() == {"service_user": ["Give an id (a UUID)."]}

    def test_it_refuses_a_value_outside_the_enum_and_a_parameter_given_twice(self, api):
        response = api.get("/api/v1/alerts/?state=closed&state=open")
        assert response.status_code == 400
        assert response.json() == {"state": ["Give this parameter once."]}
        response = api.get("/api/v1/contacts/", {"kind": "séance", "date": "2026-02-30"})
        assert response.status_code == 400
        assert set(response.json()) == {"kind", "date"}

    def test_it_refuses_a_missing_required_parameter(self, api):
        response = api.get("/api/v1/quadrant-assessments/suggestion/")
        assert response.json() == {"service_user": ["This parameter is required."]}

    @pytest.mark.parametrize("page", ["0", "-1", "²", "last", ""])
    def test_it_refuses_a_page_number_below_one_or_not_a_number(self, api, page):
        response = api.get("/api/v1/care-plans/", {"page": page})
        assert response.status_code == 400
        assert list(response.json()) == ["page"]

    def test_it_still_answers_a_page_past_the_end_with_a_404(self, api):
        assert api.get("/api/v1/care-plans/", {"page": "99"}).status_code == 404

    def test_it_answers_a_method_the_route_lacks_with_405_before_any_permission_check(self, api):
        # keyworker.mh has no part in link meetings: GET is a 404, but TRACE is not a method there.
        assert api.get("/api/v1/link-meetings/").status_code == 404
        response = api.generic("TRACE", "/api/v1/link-meetings/")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert api.delete("/api/v1/referrals/").status_code == 405

    def test_it_answers_a_missing_api_route_in_json(self, api):
        response = api.get("/api/v1/care-plans/not-a-uuid/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}
