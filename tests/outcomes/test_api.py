"""/api/v1/outcomes/: create, scores, errors, access by consent and role, pinned query counts."""

import pytest

from dualcare.people import services as people_services
from outcomes.models import HonosRating, SatisfactionResponse, TopForm
from tests.factories import as_user

from .helpers import HONOS_ITEMS, days_ago, make_dialog, make_honos, make_top

pytestmark = pytest.mark.django_db

HONOS = "/api/v1/outcomes/honos/"
TOP = "/api/v1/outcomes/top/"
DIALOG = "/api/v1/outcomes/dialog/"
SATISFACTION = "/api/v1/outcomes/satisfaction/"


def honos_payload(world, **changes):
    payload = {
        "service_user": str(world.service_user.pk),
        "rated_on": str(days_ago(2)),
        "stage": "assessment",
        "items": HONOS_ITEMS,
        "item8_type": "B",
    }
    payload.update(changes)
    return payload


def grant_outcomes(world, organisation):
    people_services.consent_record(
        service_user=world.service_user,
        organisation=organisation,
        scope="outcomes",
        method="verbal",
        by=world.keyworker_mh,
    )


class HonosApiTests:
    def test_it_creates_and_returns_scores(self, api, world):
        response = as_user(api, world.keyworker_mh).post(HONOS, honos_payload(world), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["total"] == 21 and body["unknown_items"] == 0
        assert body["subscales"] == {"behaviour": 5, "impairment": 3, "symptoms": 5, "social": 8}
        assert body["items"] == HONOS_ITEMS and body["organisation"] == world.mh.name

    def test_it_counts_9s_apart(self, api, world):
        items = [9, *HONOS_ITEMS[1:]]
        response = as_user(api, world.keyworker_mh).post(
            HONOS, honos_payload(world, items=items), format="json"
        )
        assert response.json()["total"] == 19 and response.json()["unknown_items"] == 1

    def test_it_names_the_fields_at_fault_and_saves_nothing(self, api, world):
        items = [*HONOS_ITEMS]
        items[2] = 7
        response = as_user(api, world.keyworker_mh).post(
            HONOS, honos_payload(world, items=items, item8_type="", rated_on="2999-01-01"), format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"items", "item8_type", "rated_on"} and "Item 3" in body["items"][0]
        assert not HonosRating.objects.exists()

    def test_it_refuses_a_person_the_caller_does_not_work_with(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            HONOS, honos_payload(world, service_user=str(world.sm_only.pk)), format="json"
        )
        assert response.status_code == 400 and "service_user" in response.json()
        response = as_user(api, world.outsider).post(HONOS, honos_payload(world), format="json")
        assert response.status_code == 400

    def test_it_refuses_a_manager_who_sees_but_is_not_in_an_involved_team(self, api, world):
        response = as_user(api, world.manager_mh).post(HONOS, honos_payload(world), format="json")
        assert response.status_code == 400 and "detail" in response.json()

    def test_it_refuses_service_users_and_carers_recording(self, api, world):
        for user in (world.service_user_login, world.carer):
            response = as_user(api, user).post(HONOS, honos_payload(world), format="json")
            assert response.status_code == 403  # the outcome lists are staff only
        assert not HonosRating.objects.exists()

    def test_it_is_switched_off_by_the_deployment_setting(self, api, world, settings):
        settings.OUTCOME_INSTRUMENTS = ["top"]
        assert as_user(api, world.keyworker_mh).get(HONOS).status_code == 404
        assert as_user(api, world.keyworker_mh).get(TOP).status_code == 200


class OutcomeAccessTests:
    def test_it_shows_the_raters_own_organisation_without_consent(self, api, world):
        make_honos(world)
        assert as_user(api, world.keyworker_mh).get(HONOS).json()["count"] == 1
        assert as_user(api, world.manager_mh).get(HONOS).json()["count"] == 1

    def test_it_hides_another_organisations_ratings_without_outcomes_consent(self, api, world):
        make_honos(world)
        assert as_user(api, world.keyworker_sm).get(HONOS).json()["count"] == 0
        grant_outcomes(world, world.sm)
        assert as_user(api, world.keyworker_sm).get(HONOS).json()["count"] == 1

    def test_it_hides_everything_from_outsiders_and_pharmacists(self, api, world):
        make_honos(world)
        for user in (world.outsider, world.pharmacist, world.orgadmin_mh, world.keyworker_mh_south):
            assert as_user(api, user).get(HONOS).json()["count"] == 0

    def test_it_refuses_the_person_and_their_carer(self, api, world):
        # The forms in full are more than their pages show: their progress is /api/v1/me/progress/.
        rating = make_honos(world)
        people_services.carer_permission_grant(
            carer=world.carer_link, scope="outcomes", by=world.service_user_login
        )
        for user in (world.service_user_login, world.carer):
            for path in (HONOS, TOP, DIALOG, f"{HONOS}{rating.pk}/"):
                assert as_user(api, user).get(path).status_code == 403

    def test_it_filters_by_person(self, api, world):
        make_honos(world)
        make_honos(world, service_user=world.mh_only)
        client = as_user(api, world.keyworker_mh)
        assert client.get(HONOS, {"service_user": str(world.mh_only.pk)}).json()["count"] == 1
        assert client.get(HONOS, {"service_user": "nope"}).status_code == 400

    def test_it_lists_in_a_constant_number_of_queries(self, api, world, django_assert_num_queries):
        client = as_user(api, world.keyworker_mh)
        make_honos(world)
        # 2 for the page, 2 for its audit (the caller's roles, one insert of a row per person).
        with django_assert_num_queries(4) as first:
            client.get(HONOS)
        for _ in range(5):
            make_honos(world, service_user=world.mh_only)
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(HONOS).json()["count"] == 6


class TopApiTests:
    def payload(self, world, **changes):
        payload = {
            "service_user": str(world.service_user.pk),
            "completed_on": str(days_ago(1)),
            "stage": "start",
            "alcohol_days": 12,
            "alcohol_units_per_day": "8.5",
            "opiates_days": 0,
            "injecting_days": 2,
            "shared_needle": False,
            "shared_paraphernalia": True,
            "psychological_health": 8,
            "physical_health": 11,
            "quality_of_life": 7,
        }
        payload.update(changes)
        return payload

    def test_it_creates_with_not_answered_as_null(self, api, world):
        response = as_user(api, world.keyworker_sm).post(TOP, self.payload(world), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["opiates_days"] == 0 and body["cocaine_days"] is None
        assert body["alcohol_units_per_day"] == "8.50"
        assert body["summary"]["injecting"]["sharing"] is True
        assert body["summary"]["substance_use"]["substances_used"] == ["alcohol"]

    def test_it_names_fields_at_fault(self, api, world):
        response = as_user(api, world.keyworker_sm).post(
            TOP, self.payload(world, alcohol_days=30, injecting_days=0, physical_health=25), format="json"
        )
        assert response.status_code == 400
        # shared_needle false after 0 days is the form's "N"; shared_paraphernalia true is refused
        assert set(response.json()) == {"alcohol_days", "shared_paraphernalia", "physical_health"}
        assert not TopForm.objects.exists()

    def test_it_accepts_no_to_sharing_after_0_days_of_injecting(self, api, world):
        payload = self.payload(world, injecting_days=0, shared_needle=False, shared_paraphernalia=False)
        response = as_user(api, world.keyworker_sm).post(TOP, payload, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["shared_needle"], body["shared_paraphernalia"]) == (False, False)
        assert body["summary"]["injecting"]["sharing"] is False

    def test_it_refuses_an_amount_with_no_days_answered(self, api, world):
        payload = self.payload(world, alcohol_days=None)
        response = as_user(api, world.keyworker_sm).post(TOP, payload, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "alcohol_units_per_day": [
                "Enter the days alcohol was used in the past 28 as well as the units on a using day, "
                "or leave the amount blank."
            ]
        }

    def test_it_takes_the_days_week_by_week(self, api, world):
        weeks = {
            "alcohol_days_week4": 3,
            "alcohol_days_week3": 4,
            "alcohol_days_week2": 2,
            "alcohol_days_week1": 1,
        }
        response = as_user(api, world.keyworker_sm).post(
            TOP, self.payload(world, alcohol_days=None, **weeks), format="json"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["alcohol_days"] == 10 and body["days_by_week"] == {"alcohol_days": [3, 4, 2, 1]}
        assert "alcohol_days_week4" not in body  # the weeks come back in days_by_week
        # the total alone still works, and the weeks must agree with a total given with them
        assert (
            as_user(api, world.keyworker_sm)
            .post(TOP, self.payload(world), format="json")
            .json()["days_by_week"]
            == {}
        )
        wrong = as_user(api, world.keyworker_sm).post(
            TOP, self.payload(world, alcohol_days=11, **weeks), format="json"
        )
        assert wrong.status_code == 400 and "add up to 10 days" in wrong.json()["alcohol_days"][0]
        late = as_user(api, world.keyworker_sm).post(
            TOP, self.payload(world, alcohol_days=None, **{**weeks, "alcohol_days_week2": 9}), format="json"
        )
        assert late.status_code == 400
        assert late.json() == {"alcohol_days_week2": ["Enter a number of days from 0 to 7 for week 2."]}

    def test_it_lists_for_the_rating_organisation(self, api, world):
        make_top(world)
        assert as_user(api, world.keyworker_sm).get(TOP).json()["count"] == 1
        assert as_user(api, world.keyworker_mh).get(TOP).json()["count"] == 0


class DialogAndSatisfactionApiTests:
    def test_it_creates_a_dialog_with_means(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            DIALOG,
            {
                "service_user": str(world.service_user.pk),
                "rated_on": str(days_ago(1)),
                "items": [4] * 8 + [7, 6, 5],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        assert response.json()["quality_of_life"] == "4.00"
        assert response.json()["treatment_satisfaction"] == "6.00"

    def test_it_refuses_a_dialog_item_of_8(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            DIALOG,
            {
                "service_user": str(world.service_user.pk),
                "rated_on": str(days_ago(1)),
                "items": [8] + [4] * 10,
            },
            format="json",
        )
        assert response.status_code == 400 and "items" in response.json()

    def test_it_lets_the_person_answer_for_themselves_only(self, api, world):
        client = as_user(api, world.service_user_login)
        own = client.post(
            SATISFACTION,
            {
                "service_user": str(world.service_user.pk),
                "answer": "good",
                "comment": "They talk to each other now.",
            },
            format="json",
        )
        assert own.status_code == 201, own.content
        other = client.post(
            SATISFACTION, {"service_user": str(world.mh_only.pk), "answer": "good"}, format="json"
        )
        assert other.status_code == 400
        assert SatisfactionResponse.objects.filter(service_user=world.service_user).count() == 1
        assert client.get(SATISFACTION).status_code == 403  # answering, not reading the list

    def test_it_shows_dialog_to_the_raters_organisation(self, api, world):
        make_dialog(world)
        assert as_user(api, world.keyworker_mh).get(DIALOG).json()["count"] == 1
        assert as_user(api, world.keyworker_sm).get(DIALOG).json()["count"] == 0


class EveryErrorAtOnceApiTests:
    """One create answers every error: fields that could not be read, and the instrument's own
    rules on the ones that could; nothing saved. (A value of the wrong JSON type is answered by
    dualcare.api_schema's contract check before the view, on its own.)"""

    def test_honos_answers_a_bad_date_a_bad_type_and_out_of_range_items(self, api, world):
        items = list(HONOS_ITEMS)
        items[2], items[4] = 7, -1
        response = as_user(api, world.keyworker_mh).post(
            HONOS, honos_payload(world, rated_on="2026-02-31", items=items, item8_type="Z"), format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"rated_on", "items", "item8_type"}, body
        assert body["items"] == [
            "Item 3 must be 0, 1, 2, 3, 4, or 9 if not known.",
            "Item 5 must be 0, 1, 2, 3, 4, or 9 if not known.",
        ]
        assert not HonosRating.objects.exists()

    def test_honos_does_not_judge_item_8s_type_by_items_that_could_not_be_read(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            HONOS, honos_payload(world, rated_on="2026-02-31", items=[1, 2], item8_type=""), format="json"
        )
        assert set(response.json()) == {"rated_on", "items"}, response.json()

    def test_dialog_answers_a_bad_date_and_every_out_of_range_item(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            DIALOG,
            {
                "service_user": str(world.service_user.pk),
                "rated_on": "2026-02-31",
                "items": [0, 4, 4, 8] + [4] * 7,
            },
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"rated_on", "items"}, body
        assert body["items"] == ["Rate mental health from 1 to 7.", "Rate accommodation from 1 to 7."]

    def test_satisfaction_answers_a_future_date_and_a_bad_answer(self, api, world):
        response = as_user(api, world.keyworker_mh).post(
            SATISFACTION,
            {
                "service_user": str(world.service_user.pk),
                "responded_on": str(days_ago(-3)),
                "answer": "brilliant",
            },
            format="json",
        )
        assert response.status_code == 400
        assert set(response.json()) == {"responded_on", "answer"}, response.json()
        assert "cannot be in the future" in response.json()["responded_on"][0]
        assert not SatisfactionResponse.objects.exists()

    def test_top_answers_a_bad_date_a_bad_amount_and_an_out_of_range_number(self, api, world):
        response = as_user(api, world.keyworker_sm).post(
            TOP,
            {
                "service_user": str(world.service_user.pk),
                "completed_on": "2026-02-31",
                "stage": "start",
                "opiates_days": 3,
                "opiates_grams_per_day": "lots",
                "tobacco_days": 29,
            },
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert set(body) == {"completed_on", "opiates_grams_per_day", "tobacco_days"}, body
        assert "0 to 28" in body["tobacco_days"][0]
        assert not TopForm.objects.exists()


class NotAnObjectTests:
    @pytest.mark.parametrize("url", [HONOS, TOP, DIALOG, SATISFACTION])
    def test_a_body_that_is_not_an_object_is_a_400_not_a_500(self, api, world, url):
        # Found by make api-check: a JSON list sent to every outcome form answered 500 once the API
        # began running each instrument's rules on what it could read.
        response = as_user(api, world.keyworker_mh).post(url, [None, None], format="json")
        assert response.status_code == 400, response.content[:200]
        assert "non_field_errors" in response.json()
