"""/api/v1/risk-assessments/ and /api/v1/safety-flags/: the same access as the pages, the flag's
FHIR-like shape, field-level 400s and pinned query counts."""

import datetime as dt

import pytest

from dualcare.safety.models import RiskAssessment, SafetyFlag
from tests.factories import as_user

pytestmark = pytest.mark.django_db

RISK = "/api/v1/risk-assessments/"
FLAGS = "/api/v1/safety-flags/"


def _assessment_body(world, **overrides):
    return {
        "service_user": str(world.service_user.pk),
        "assessed_on": world.today.isoformat(),
        "person_view": "I am managing.",
        "domains": [
            {"domain": "overdose", "level": "high", "evidence": "Released last week", "plan": "Naloxone"}
        ],
        **overrides,
    }


def _flag_body(world, **overrides):
    return {
        "service_user": str(world.service_user.pk),
        "code": "overdose",
        "warning": "Overdose risk: recent release from prison",
        "reason": "Released last week",
        "review_on": (world.today + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }


class RiskApiTests:
    def test_it_creates_and_lists_for_the_assessing_organisation_only(self, api, world):
        as_user(api, world.keyworker_mh)
        created = api.post(RISK, _assessment_body(world), format="json")
        assert created.status_code == 201, created.content
        assert created.json()["domains"][0]["level"] == "high"
        listed = api.get(RISK, {"service_user": str(world.service_user.pk)}).json()
        assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
        as_user(api, world.keyworker_sm)  # no risk consent to the drug and alcohol service
        assert api.get(RISK).json()["count"] == 0
        assert api.get(f"{RISK}{created.json()['id']}/").status_code == 404

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"domains": []}, "domains"),
            ({"domains": [{"domain": "overdose", "level": "extreme", "evidence": "x"}]}, "domains"),
            ({"assessed_on": "2999-01-01"}, "assessed_on"),
            ({"service_user": "not-an-id"}, "service_user"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field(self, api, world, change, field):
        as_user(api, world.keyworker_mh)
        refused = api.post(RISK, _assessment_body(world, **change), format="json")
        assert refused.status_code == 400 and field in refused.json(), refused.content
        assert not RiskAssessment.objects.exists()

    def test_a_person_the_caller_does_not_see_is_a_400_on_the_field(self, api, world):
        as_user(api, world.outsider)
        refused = api.post(RISK, _assessment_body(world), format="json")
        assert refused.status_code == 400 and "service_user" in refused.json()

    def test_the_list_costs_the_same_whatever_its_length(self, api, world, assess, django_assert_num_queries):
        as_user(api, world.keyworker_mh)
        assess()
        assess(on=world.today - dt.timedelta(days=30))
        # roles (1), ids in order (1), the page's rows (1), their ratings (1), the audit (person read
        # check + insert, 2), the session-free token auth adds none here.
        with django_assert_num_queries(6) as first:
            assert api.get(RISK).status_code == 200
        for days in (60, 90, 120):
            assess(on=world.today - dt.timedelta(days=days))
        with django_assert_num_queries(len(first.captured_queries)):
            assert api.get(RISK).json()["count"] == 5


class FlagApiTests:
    def test_it_gives_the_flag_in_a_fhir_like_shape(self, api, world):
        as_user(api, world.keyworker_mh)
        created = api.post(FLAGS, _flag_body(world), format="json")
        assert created.status_code == 201, created.content
        flag = created.json()
        assert flag["resourceType"] == "Flag"
        assert flag["status"] == "active"
        assert flag["code"] == {
            "coding": [{"code": "overdose", "display": "Overdose risk"}],
            "text": "Overdose risk: recent release from prison",
        }
        assert flag["period"] == {"start": world.today.isoformat(), "end": None}
        assert flag["author"]["organisation_name"] == world.mh.name
        assert flag["subject"] == str(world.service_user.pk)

    def test_removing_early_needs_a_second_person(self, api, world):
        as_user(api, world.keyworker_mh)
        pk = api.post(FLAGS, _flag_body(world), format="json").json()["id"]
        asked = api.post(f"{FLAGS}{pk}/remove/", {"reason": "Engaging well"}, format="json")
        assert asked.status_code == 200 and asked.json()["removal_request"] == "pending"
        assert asked.json()["flag"]["status"] == "active"
        own = api.post(f"{FLAGS}{pk}/decide-removal/", {"decision": "confirm"}, format="json")
        assert own.status_code == 400 and "decision" in own.json()
        as_user(api, world.linkworker_mh)
        confirmed = api.post(f"{FLAGS}{pk}/decide-removal/", {"decision": "confirm"}, format="json")
        assert confirmed.status_code == 200, confirmed.content
        assert confirmed.json()["flag"]["status"] == "inactive"
        assert confirmed.json()["flag"]["period"]["end"] == world.today.isoformat()

    def test_the_pharmacy_reads_a_flag_shared_with_it(self, api, world, raise_flag, share_risk):
        flag = raise_flag()
        as_user(api, world.pharmacist)
        assert api.get(FLAGS).json()["count"] == 0
        share_risk(world.pharmacy_org)
        assert [row["id"] for row in api.get(FLAGS, {"status": "active"}).json()["results"]] == [str(flag.pk)]

    def test_another_organisation_may_not_change_a_flag(self, api, world, raise_flag, share_risk):
        flag = raise_flag()
        share_risk(world.sm)
        as_user(api, world.keyworker_sm)
        refused = api.post(f"{FLAGS}{flag.pk}/remove/", {"reason": "Not ours"}, format="json")
        assert refused.status_code == 403
        assert SafetyFlag.objects.get().is_active

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"code": "nonsense"}, "code"),
            ({"warning": ""}, "warning"),
            ({"warning": "x" * 121}, "warning"),
            ({"review_on": "2000-01-01"}, "review_on"),
            ({"review_on": "soon"}, "review_on"),
        ],
    )
    def test_it_refuses_bad_flags_naming_the_field(self, api, world, change, field):
        as_user(api, world.keyworker_mh)
        refused = api.post(FLAGS, _flag_body(world, **change), format="json")
        assert refused.status_code == 400 and field in refused.json(), refused.content
        assert not SafetyFlag.objects.exists()

    def test_a_bad_status_filter_is_a_400(self, api, world):
        as_user(api, world.keyworker_mh)
        assert "status" in api.get(FLAGS, {"status": "maybe"}).json()

    def test_the_list_costs_the_same_whatever_its_length(
        self, api, world, raise_flag, django_assert_num_queries
    ):
        as_user(api, world.keyworker_mh)
        raise_flag()
        with django_assert_num_queries(5) as first:
            assert api.get(FLAGS).status_code == 200
        for _ in range(4):
            raise_flag()
        with django_assert_num_queries(len(first.captured_queries)):
            assert api.get(FLAGS).json()["count"] == 5
