"""POST /api/v1/spc/: the contract of issue 8 point 5, field errors, and who may call it."""

import pytest
from rest_framework.test import APIClient

from .test_rules import OUTLIERS, TWO_OF_THREE, TWO_PROCESSES

pytestmark = pytest.mark.django_db

URL = "/api/v1/spc/"


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.manager_mh)
    return client


class ContractTests:
    def test_it_returns_the_mean_limits_and_each_points_rules(self, api):
        response = api.post(URL, {"values": OUTLIERS, "improvement": "up"}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        # worked example in test_rules: mean 12, limits 12 ± 2.66 × 72/11
        assert body["kind"] == "xmr"
        assert body["mean"] == pytest.approx(12)
        assert body["upper_limit"] == pytest.approx(29.410909, abs=1e-6)
        assert body["lower_limit"] == pytest.approx(-5.410909, abs=1e-6)
        assert body["baseline"] == [0, 12] and body["screened"] is False
        assert len(body["points"]) == 12
        limits = {"mean": pytest.approx(12), "upper_limit": pytest.approx(29.410909, abs=1e-6),
                  "lower_limit": pytest.approx(-5.410909, abs=1e-6)}  # fmt: skip
        assert body["points"][0] == {
            "value": 12.0,
            **limits,
            "special_cause": False,
            "rules": [],
            "variation": "common",
        }
        assert body["points"][3] == {
            "value": 30.0,
            **limits,
            "special_cause": True,
            "rules": ["outside_limits"],
            "variation": "improvement",
        }
        assert body["points"][8]["variation"] == "concern"

    def test_down_and_neither_set_the_direction(self, api):
        down = api.post(URL, {"values": OUTLIERS, "improvement": "down"}, format="json").json()
        assert down["points"][3]["variation"] == "concern"
        neither = api.post(URL, {"values": OUTLIERS, "improvement": "neither"}, format="json").json()
        assert neither["points"][3]["variation"] == "neither"

    def test_a_baseline_and_screening_are_applied(self, api):
        body = api.post(
            URL, {"values": TWO_OF_THREE, "improvement": "up", "baseline": [0, 8]}, format="json"
        ).json()
        assert body["mean"] == pytest.approx(12) and body["baseline"] == [0, 8]
        assert [i for i, p in enumerate(body["points"]) if "two_of_three" in p["rules"]] == [8, 10, 21, 23]
        screened = api.post(
            URL, {"values": OUTLIERS, "improvement": "up", "screen_moving_ranges": True}, format="json"
        ).json()
        assert screened["screened"] is True

    def test_short_series_still_get_an_xmr_chart(self, api):
        body = api.post(URL, {"values": [1, 3], "improvement": "up"}, format="json").json()
        assert body["kind"] == "xmr"
        assert (body["mean"], body["upper_limit"]) == pytest.approx((2, 7.32))


class BadInputTests:
    @pytest.mark.parametrize(
        "payload, field, message",
        [
            ({"improvement": "up"}, "values", "This field is required."),
            ({"values": [1], "improvement": "up"}, "values", "Give at least 2 values."),
            ({"values": [], "improvement": "up"}, "values", "Give at least 2 values."),
            ({"values": [1, "x", 3], "improvement": "up"}, "values", "Value 2 is not a number."),
            ({"values": [1, None, True], "improvement": "up"}, "values", "Value 2 is not a number."),
            # Refused by the schema's JSON types (dualcare.api_schema) before the serializer reads it.
            ({"values": "1,2,3", "improvement": "up"}, "values", "Give a list of numbers."),
            ({"values": [1, 2, 3]}, "improvement", "This field is required."),
            ({"values": [1, 2, 3], "improvement": "sideways"}, "improvement",
             "Improvement must be up, down or neither."),
            ({"values": [1, 2, 3], "improvement": "up", "baseline": [0, 9]}, "baseline",
             "The baseline must lie within the 3 values, first before last."),
            ({"values": [1, 2, 3], "improvement": "up", "baseline": [1, 2]}, "baseline",
             "The baseline must cover at least 2 values."),
        ],
    )  # fmt: skip
    def test_it_answers_400_with_the_field_and_a_message(self, api, payload, field, message):
        response = api.post(URL, payload, format="json")
        assert response.status_code == 400
        assert message in response.json()[field]

    def test_every_bad_value_is_named(self, api):
        response = api.post(URL, {"values": [1, "a", 2, "b"], "improvement": "up"}, format="json")
        assert response.json() == {"values": ["Value 2 is not a number.", "Value 4 is not a number."]}

    def test_values_too_large_to_chart_are_a_400_not_a_500(self, api):
        # Found by bin/api-contract-check: limits of values near the float maximum overflowed
        # to infinity, which JSON cannot carry.
        values = [1.9, -1.7976931348623157e308, 1.7976931348623155e308, 3.04e254]
        response = api.post(URL, {"values": values, "improvement": "up"}, format="json")
        assert response.status_code == 400
        assert response.json()["values"][0] == (
            "Value 2 is too large: keep values within a million million either way."
        )
        assert len(response.json()["values"]) == 3

    def test_nan_in_the_body_is_not_json(self, api):
        response = api.post(
            URL, '{"values": [1, NaN, 2], "improvement": "up"}', content_type="application/json"
        )
        assert response.status_code == 400


class AuthTests:
    def test_signing_in_is_required(self, world):
        response = APIClient().post(URL, {"values": [1, 2], "improvement": "up"}, format="json")
        assert response.status_code in (401, 403)

    @pytest.mark.parametrize("who", ["service_user_login", "carer"])
    def test_service_users_and_carers_are_refused(self, world, who):
        client = APIClient()
        client.force_authenticate(getattr(world, who))
        assert client.post(URL, {"values": [1, 2], "improvement": "up"}, format="json").status_code == 403

    @pytest.mark.parametrize("who", ["keyworker_mh", "pharmacist", "orgadmin_mh"])
    def test_any_staff_may_call_it(self, world, who):
        client = APIClient()
        client.force_authenticate(getattr(world, who))
        assert client.post(URL, {"values": [1, 2], "improvement": "up"}, format="json").status_code == 200

    def test_a_token_works(self, world):
        token = (
            APIClient()
            .post("/api/v1/auth/token/", {"username": "keyworker.mh", "password": world.password})
            .json()["token"]
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.post(URL, {"values": [1, 2], "improvement": "up"}, format="json").status_code == 200

    def test_get_is_not_allowed(self, api):
        assert api.get(URL).status_code == 405


class SchemaTests:
    def test_the_endpoint_is_in_the_openapi_schema_with_its_serializers(self, client, world):
        client.force_login(world.keyworker_mh)
        text = client.get("/api/schema/?format=json").content.decode()
        assert '"/api/v1/spc/"' in text
        assert "SpcRequest" in text and "SpcResult" in text and "SpcPoint" in text
        assert "always an XmR chart" in text


class RebaseTests:
    def test_each_point_gives_the_mean_and_limits_in_force_for_it(self, api):
        response = api.post(
            URL, {"values": TWO_PROCESSES, "improvement": "up", "rebase": [10]}, format="json"
        )
        assert response.status_code == 200, response.content
        body = response.json()
        # worked example in test_rules: 12 ± 10.64, then 32 ± 10.64
        first, last = body["points"][9], body["points"][10]
        assert (first["mean"], first["upper_limit"], first["lower_limit"]) == pytest.approx((12, 22.64, 1.36))
        assert (last["mean"], last["upper_limit"], last["lower_limit"]) == pytest.approx((32, 42.64, 21.36))
        assert [p["special_cause"] for p in body["points"]] == [False] * 20
        # the top-level figures are the last period's
        assert (body["mean"], body["upper_limit"], body["lower_limit"]) == pytest.approx((32, 42.64, 21.36))
        assert body["rebase"] == [10]
        assert [(p["start"], p["end"], p["baseline"]) for p in body["periods"]] == [
            (0, 10, [0, 10]),
            (10, 20, [10, 20]),
        ]

    def test_without_rebase_there_is_one_period(self, api):
        body = api.post(URL, {"values": TWO_PROCESSES, "improvement": "up"}, format="json").json()
        assert body["rebase"] == [] and len(body["periods"]) == 1
        assert body["points"][0]["mean"] == pytest.approx(22)

    @pytest.mark.parametrize(
        ("payload", "field", "words"),
        [
            ({"rebase": [20]}, "rebase", "from 0 to 19; 20 given"),
            ({"rebase": [19]}, "rebase", "at least 2 values"),
            ({"rebase": [-1]}, "rebase", "greater than or equal to 0"),
            ({"rebase": ["x"]}, "rebase", "not a whole number"),
            ({"rebase": [10], "baseline": [5, 15]}, "baseline", "within one period"),
        ],
    )
    def test_bad_recalculations_are_field_errors(self, api, payload, field, words):
        response = api.post(URL, {"values": TWO_PROCESSES, "improvement": "up", **payload}, format="json")
        assert response.status_code == 400
        assert words in str(response.json()[field])
