"""Found by schemathesis (issue 12, item 10) and fixed at the root: a request body's JSON types are the
schema's (DRF alone takes "1" for an integer, 0 for a string, "true" or 1 for a boolean); django-filter
parameters are checked as the schema declares them (an empty `organisation=` was no filter at all);
and a write the record's state refuses is a 409 Conflict, documented, not a 400."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from dualcare import limits
from dualcare.api_schema import type_error
from outcomes.models import HonosRating
from referrals.models import Referral, State
from tests.factories import as_user
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

REFERRALS = "/api/v1/referrals/"


def referral_payload(world, **changes):
    payload = {
        "service_user": str(world.sm_only.pk),
        "to_team": str(world.cmht_north.pk),
        "urgency": "routine",
        "reason": "Low mood, drinking to cope.",
        "consent_confirmed": True,
    }
    payload.update(changes)
    return payload


class StrictJsonTypesTests:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("consent_confirmed", 1, "Give true or false, not in quotes."),
            ("consent_confirmed", "true", "Give true or false, not in quotes."),
            ("reason", 0, "Give text, in quotes."),
            ("to_team", ["a list"], "Give text, in quotes."),
        ],
    )
    def test_it_refuses_a_loose_json_type_naming_the_field_and_writes_nothing(
        self, api, world, field, value, message
    ):
        response = as_user(api, world.keyworker_sm).post(
            REFERRALS, referral_payload(world, **{field: value}), format="json"
        )
        assert response.status_code == 400
        assert response.json() == {field: [message]}
        assert not Referral.objects.exists()

    def test_it_still_takes_the_same_referral_with_the_right_types(self, api, world):
        response = as_user(api, world.keyworker_sm).post(REFERRALS, referral_payload(world), format="json")
        assert response.status_code == 201, response.content

    def test_it_names_the_item_at_fault_inside_a_list(self, api, world):
        items = [2, "1", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        response = as_user(api, world.keyworker_mh).post(
            "/api/v1/outcomes/honos/",
            {
                "service_user": str(world.service_user.pk),
                "rated_on": "2026-01-05",
                "stage": "assessment",
                "items": items,
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {"items": ["Value 2 is not a whole number."]}
        assert not HonosRating.objects.exists()

    def test_it_refuses_a_number_in_quotes_for_spc_values(self, api, world):
        values = [1, 2, "3", 4, 5, 6, 7, 8, 9, 10, 11, 12]
        response = as_user(api, world.manager_mh).post(
            "/api/v1/spc/", {"values": values, "improvement": "up"}, format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"values": ["Value 3 is not a number."]}

    def test_it_checks_types_only_and_leaves_a_form_post_to_drf(self, api, world):
        # Form posts carry only strings; the schema promises JSON, so only JSON bodies are type-checked.
        response = as_user(api, world.keyworker_sm).post(
            REFERRALS, referral_payload(world, consent_confirmed="true")
        )
        assert response.status_code == 201, response.content


class TypeErrorTests:
    @pytest.mark.parametrize(
        ("schema", "value", "expected"),
        [
            ({"type": "integer"}, True, "Give a whole number, not in quotes."),
            ({"type": "integer"}, 1.5, "Give a whole number, not in quotes."),
            ({"type": "number"}, 1, None),
            ({"type": "string", "nullable": True}, None, None),
            ({"oneOf": [{"enum": ["A", "B"], "type": "string"}, {"enum": [""]}]}, 0, "Give text, in quotes."),
            ({"oneOf": [{"enum": ["A", "B"], "type": "string"}, {"enum": [""]}]}, "", None),
            (
                {"type": "object", "additionalProperties": {"type": "integer"}},
                {"IV": "5"},
                "IV: Give a whole number, not in quotes.",
            ),
        ],
    )
    def test_it_follows_the_json_types_all_the_way_down(self, schema, value, expected):
        assert type_error(schema, value) == expected


class FilterParametersTests:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"organisation": ""}, {"organisation": ["Give an id (a UUID)."]}),
            ({"organisation": "north"}, {"organisation": ["Give an id (a UUID)."]}),
            ({"is_active": "1"}, {"is_active": ["Use true or false."]}),
        ],
    )
    def test_it_refuses_a_filter_value_the_schema_calls_invalid(self, api, world, query, expected):
        response = as_user(api, world.keyworker_mh).get("/api/v1/teams/", query)
        assert response.status_code == 400
        assert response.json() == expected

    def test_an_empty_free_text_filter_is_refused_and_the_schema_says_so(self, api, world):
        # schemathesis sent `?search=&nhs_number=` (valid for a plain string) and got this 400.
        response = as_user(api, world.keyworker_mh).get(
            "/api/v1/service-users/", {"search": "", "nhs_number": ""}
        )
        assert response.status_code == 400
        message = ["Give a value, or leave the parameter out."]
        assert response.json() == {"search": message, "nhs_number": message}
        operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][
            "/api/v1/service-users/"
        ]["get"]
        schemas = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
        assert schemas["search"]["minLength"] == 1
        assert schemas["search"]["maxLength"] == 100  # the search box's limit, a 400 beyond it
        assert schemas["nhs_number"]["minLength"] == 1
        assert "minLength" not in schemas["date_of_birth"]  # a date: its own check, its own message

    @pytest.mark.parametrize("path", ["/api/v1/contacts/", "/api/v1/referrals/", "/api/v1/service-users/"])
    def test_a_search_with_hidden_characters_is_refused_where_the_schema_says_so(self, api, world, path):
        # schemathesis sent a search holding U+0090 to the contacts list and got this 400.
        operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][path]["get"]
        schema = next(p["schema"] for p in operation["parameters"] if p["name"] == "search")
        hidden = "Sam\u0090"
        response = as_user(api, world.keyworker_mh).get(path, {"search": hidden})
        pattern = schema.get("pattern")
        assert (response.status_code == 400) == (pattern is not None and not re.match(pattern, hidden))

    def test_it_filters_with_a_valid_value(self, api, world):
        response = as_user(api, world.keyworker_mh).get(
            "/api/v1/teams/", {"organisation": str(world.sm.pk), "is_active": "true"}
        )
        assert response.status_code == 200
        assert {team["name"] for team in response.json()["results"]} == {"Recovery Team"}


class StateConflictTests:
    def test_sending_a_sent_referral_is_a_409_with_a_clear_message(self, api, world):
        referral = make_referral(world)
        response = as_user(api, world.keyworker_sm).post(f"{REFERRALS}{referral.pk}/send/", {}, format="json")
        assert response.status_code == 409
        assert response.json() == {
            "detail": "This referral is sent, so it cannot be sent. Refresh the page to see what has changed."
        }
        referral.refresh_from_db()
        assert referral.state == State.SENT
        assert [e.to_state for e in referral.events.order_by("at", "id")] == ["draft", "sent"]

    def test_the_schema_documents_409_on_writes_and_not_on_reads(self):
        paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
        assert "409" in paths["/api/v1/referrals/{id}/send/"]["post"]["responses"]
        assert "409" in paths["/api/v1/alerts/{id}/acknowledge/"]["post"]["responses"]
        assert "409" not in paths["/api/v1/referrals/"]["get"]["responses"]
        assert "409" not in paths["/api/v1/auth/token/"]["post"]["responses"]


class HiddenCharactersPatternTests:
    def test_the_schema_states_the_free_text_rule_as_a_pattern(self):
        schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
        note = schemas["AcknowledgeRequest"]["properties"]["note"]
        assert note["pattern"] == limits.no_hidden_characters_pattern(multiline=True)
        assert "pattern" not in schemas["Alert"]["properties"]["acknowledgement_note"]

    @pytest.mark.parametrize("multiline", [False, True])
    def test_the_pattern_refuses_exactly_what_the_check_refuses_in_the_basic_plane(self, multiline):
        pattern = re.compile(limits.no_hidden_characters_pattern(multiline=multiline))
        disagree = [
            hex(code)
            for code in range(0x10000)
            if not 0xD800 <= code <= 0xDFFF  # surrogates: not characters
            and bool(pattern.match(f"a{chr(code)}b"))
            == limits.has_hidden_characters(f"a{chr(code)}b", multiline=multiline)
        ]
        assert disagree == []
