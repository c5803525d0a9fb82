"""/api/v1/directory/ in the Open Referral UK shape (issue 18, item 2), validated against the
standard's own JSON schemas (directory/oruk_schema/, vendored from OpenReferralUK/uk-profile);
every member of staff reads it, nobody else; queries pinned."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.factories import as_user

from .helpers import ident, import_services, oruk_service

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2] / "directory" / "oruk_schema"
BASE = "/api/v1/directory/"


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / name).read_text()), format_checker=FormatChecker())


def _page_schema() -> dict:
    return json.loads((SCHEMAS / "openapi.json").read_text())["components"]["schemas"]["Page"]


def _assert_valid(name: str, document) -> None:
    errors = sorted(_validator(name).iter_errors(document), key=str)
    assert not errors, [f"{list(error.absolute_path)}: {error.message}" for error in errors[:5]]


def _assert_page(body: dict, item_schema: str) -> None:
    _assert_valid_schema(_page_schema(), body)
    for item in body["contents"]:
        _assert_valid(item_schema, item)


def _assert_valid_schema(schema: dict, document) -> None:
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert not errors, [error.message for error in errors[:5]]


@pytest.fixture
def directory(world):
    import_services(world.mh, oruk_service("north"))
    import_services(world.charity, oruk_service("east", minimum_age=None, maximum_age=None, service_areas=[]))
    import_services(world.charity, oruk_service("south", status="temporarily closed"))
    return world


class ServedShapeTests:
    def test_the_services_page_is_the_standards_page_of_service_list_items(self, api, directory):
        response = as_user(api, directory.keyworker_mh).get(f"{BASE}services/")
        assert response.status_code == 200
        body = response.json()
        _assert_page(body, "service_list.json")
        assert body["total_items"] == 2  # the closed one is not listed
        assert {row["name"] for row in body["contents"]} == {"North Housing Advice", "East Housing Advice"}

    def test_a_service_is_the_standards_fully_nested_service(self, api, directory):
        response = as_user(api, directory.keyworker_sm).get(f"{BASE}services/{ident('service', 'north')}/")
        assert response.status_code == 200
        body = response.json()
        _assert_valid("service.json", body)
        assert body["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "NT1 4AB"
        assert body["schedules"] == [
            {
                "id": body["schedules"][0]["id"],
                "service_id": body["id"],
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "09:00",
                "closes_at": "17:00",
            }
        ]
        assert body["attributes"][0]["taxonomy_term"]["term"] == "housing"
        assert body["organization"]["name"] == "North Housing Trust"

    def test_what_it_serves_imports_back_unchanged(self, api, directory):
        from directory import services
        from directory.models import Service

        body = as_user(api, directory.keyworker_mh).get(f"{BASE}services/{ident('service', 'north')}/").json()
        before = Service.objects.values().get(pk=ident("service", "north"))
        run = services.directory_import(
            keeper=directory.mh, by=None, file_name="x.json", content=json.dumps([body]).encode()
        )
        assert (run.updated, run.refused) == (1, [])
        after = Service.objects.values().get(pk=ident("service", "north"))
        assert {k: v for k, v in after.items() if k != "updated_at"} == {
            k: v for k, v in before.items() if k != "updated_at"
        }

    def test_the_friends_are_in_the_standards_shapes(self, api, directory):
        client = as_user(api, directory.keyworker_mh)
        _assert_page(client.get(f"{BASE}taxonomies/").json(), "taxonomy.json")
        terms = client.get(f"{BASE}taxonomy_terms/").json()
        _assert_page(terms, "taxonomy_term.json")
        assert [term["name"] for term in terms["contents"]] == ["Housing"]
        _assert_page(client.get(f"{BASE}service_at_locations/").json(), "service_at_location.json")
        organizations = client.get(f"{BASE}organizations/").json()
        _assert_page(organizations, "organization.json")
        one = client.get(f"{BASE}organizations/{ident('org', 'north')}/").json()
        _assert_valid("organization.json", one)
        assert [s["name"] for s in one["services"]] == ["North Housing Advice"]
        root = client.get(BASE).json()
        assert root["version"] == "3.0"

    def test_it_filters_by_the_standards_parameters_and_ours(self, api, directory):
        client = as_user(api, directory.keyworker_mh)

        def names(query):
            return sorted(r["name"] for r in client.get(f"{BASE}services/?{query}").json()["contents"])  # noqa: E731

        assert names(f"taxonomy_term_id={ident('term')}") == ["East Housing Advice", "North Housing Advice"]
        assert names("minimum_age=70") == ["East Housing Advice"]  # North takes up to 65
        assert names("postcode=NT1") == ["East Housing Advice", "North Housing Advice"]
        assert names("postcode=NT9") == []
        assert names("search=north") == ["North Housing Advice"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
            ("minimum_age=-1", "minimum_age"),
            ("taxonomy_term_id=x", "taxonomy_term_id"),
            ("page=0", "page"),
        ],
    )
    def test_a_bad_parameter_is_a_400_naming_it(self, api, directory, query, field):
        response = as_user(api, directory.keyworker_mh).get(f"{BASE}services/?{query}")
        assert response.status_code == 400 and field in response.json()

    def test_a_page_past_the_end_is_a_404_and_a_missing_service_too(self, api, directory):
        client = as_user(api, directory.keyworker_mh)
        assert client.get(f"{BASE}services/?page=9").status_code == 404
        assert client.get(f"{BASE}services/{ident('service', 'nowhere')}/").status_code == 404


class ApiAccessTests:
    def test_staff_of_any_organisation_read_outside_organisations_entries(self, api, directory):
        for user in (directory.outsider, directory.pharmacist, directory.orgadmin_mh):
            assert as_user(api, user).get(f"{BASE}services/{ident('service', 'east')}/").status_code == 200

    def test_service_users_carers_and_nobody_signed_in_read_none_of_it(self, api, directory):
        for user in (directory.service_user_login, directory.carer):
            assert as_user(api, user).get(f"{BASE}services/").status_code == 403
        api.force_authenticate(None)
        assert api.get(f"{BASE}services/").status_code == 401


class ApiQueryCountTests:
    def test_the_list_costs_the_same_whatever_its_length(self, api, directory, django_assert_num_queries):
        client = as_user(api, directory.keyworker_mh)
        # (signed in with force_authenticate: no query) the count, the page with each team
        client.get(f"{BASE}services/")
        with django_assert_num_queries(2) as few:
            client.get(f"{BASE}services/")
        for index in range(10):
            import_services(directory.charity, oruk_service(f"more{index}"))
        with django_assert_num_queries(len(few.captured_queries)):
            assert client.get(f"{BASE}services/?per_page=50").json()["total_items"] == 12

    def test_a_service_costs_the_same_whatever_it_holds(self, api, directory, django_assert_num_queries):
        client = as_user(api, directory.keyworker_mh)
        # the service with its provider, team and keeper; its needs; places; opening times
        with django_assert_num_queries(4):
            client.get(f"{BASE}services/{ident('service', 'north')}/")
