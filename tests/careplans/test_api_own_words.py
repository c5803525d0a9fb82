"""/api/v1/me/goals/, me/goal-ratings/, me/own-words/ and /api/v1/care-plans/{id}/own-words/ (issue 20)."""

import pytest
from rest_framework.test import APIClient

from careplans import services
from careplans.models import CarePlan, GoalRating, OwnWords

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class MyGoalsApiTests:
    def test_the_person_writes_a_goal_and_rates_it(self, world):
        api = _client(world.service_user_login)
        response = api.post(
            "/api/v1/me/goals/", {"text": "Cook a meal each week.", "domain": "leisure"}, format="json"
        )
        assert response.status_code == 201, response.json()
        goal_id = response.json()["id"]
        response = api.post("/api/v1/me/goal-ratings/", {"goal": goal_id, "score": 4}, format="json")
        assert response.status_code == 201, response.json()
        goals = api.get("/api/v1/me/goals/").json()
        assert goals["count"] == 1 and [r["score"] for r in goals["results"][0]["ratings"]] == [4]
        assert api.get("/api/v1/me/goal-ratings/").json()["count"] == 1

    @pytest.mark.parametrize(
        "body,field", [({"score": 11}, "score"), ({"score": 0}, "score"), ({"goal": "nope"}, "goal")]
    )
    def test_a_bad_rating_is_a_400_naming_the_field(self, world, body, field):
        goal = services.own_words_propose(
            service_user=world.service_user,
            by=world.service_user_login,
            kind="goal",
            text="A goal",
            domain="job",
        )
        response = _client(world.service_user_login).post(
            "/api/v1/me/goal-ratings/", {"goal": str(goal.pk), "score": 5, **body}, format="json"
        )
        assert response.status_code == 400 and field in response.json()
        assert not GoalRating.objects.exists()

    def test_a_carer_reads_none_and_writes_none(self, world):
        services.own_words_propose(
            service_user=world.service_user, by=world.service_user_login, kind="what_helps", text="Music"
        )
        api = _client(world.carer)
        assert api.get("/api/v1/me/own-words/").json()["count"] == 0
        assert (
            api.post("/api/v1/me/own-words/", {"kind": "what_helps", "text": "x"}, format="json").status_code
            == 403
        )
        assert OwnWords.objects.count() == 1

    def test_its_lists_cost_the_same_whatever_the_rows(self, world, django_assert_max_num_queries):
        api = _client(world.service_user_login)

        def grow():
            goal = services.own_words_propose(
                service_user=world.service_user,
                by=world.service_user_login,
                kind="goal",
                text="A goal",
                domain="job",
            )
            services.goal_rate(goal=goal, by=world.service_user_login, score=5)
            services.own_words_propose(
                service_user=world.service_user, by=world.service_user_login, kind="what_matters", text="x"
            )

        grow()
        counts = {}
        for url in ("/api/v1/me/goals/", "/api/v1/me/goal-ratings/", "/api/v1/me/own-words/"):
            with django_assert_max_num_queries(30) as captured:
                assert api.get(url).status_code == 200
            counts[url] = len(captured.captured_queries)
        grow()
        grow()
        for url, count in counts.items():
            with django_assert_max_num_queries(count):
                api.get(url)


class StaffOwnWordsApiTests:
    def test_a_worker_lists_and_accepts_the_persons_words(self, world):
        words = services.own_words_propose(
            service_user=world.service_user,
            by=world.service_user_login,
            kind="early_signs",
            text="I stop eating.",
        )
        plan = CarePlan.objects.get(service_user=world.service_user)
        api = _client(world.keyworker_mh)
        listed = api.get(f"/api/v1/care-plans/{plan.pk}/own-words/").json()
        assert [row["id"] for row in listed["results"]] == [str(words.pk)]
        response = api.post(
            f"/api/v1/care-plans/{plan.pk}/own-words/answer/",
            {"words": str(words.pk), "decision": "answer"},
            format="json",
        )
        assert response.status_code == 400 and "reply" in response.json()
        response = api.post(
            f"/api/v1/care-plans/{plan.pk}/own-words/answer/",
            {"words": str(words.pk), "decision": "accept"},
            format="json",
        )
        assert response.status_code == 200 and response.json()["state"] == "accepted"
        assert _client(world.outsider).get(f"/api/v1/care-plans/{plan.pk}/own-words/").status_code == 404
