"""/api/v1/incidents/: the same access as the pages, field-level 400s, pinned query counts."""

import pytest

from dualcare.safety.incidents.models import Incident
from tests.factories import as_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/"


def report(api, world, **overrides):
    body = {
        "service_user": str(world.service_user.pk),
        "kind": "near_miss",
        "harm": "none",
        "title": "Two scripts nearly issued",
        "occurred_on": str(world.today),
        "what_happened": "The GP and the clinic both\nstarted a prescription.",
        **overrides,
    }
    return api.post(URL, body, format="json")


class IncidentApiTests:
    def test_it_reports_reviews_closes_and_lists(self, api, world):
        as_user(api, world.keyworker_mh)
        created = report(api, world)
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["shared_with"] == [{"id": str(world.mh.pk), "name": world.mh.name}]
        added = api.post(
            f"{URL}{pk}/actions/",
            {
                "text": "Agree one prescriber",
                "owner_organisation": str(world.mh.pk),
                "due_date": str(world.today),
            },
            format="json",
        )
        assert added.status_code == 201 and added.json()["state"] == "review"
        action = added.json()["actions"][0]["id"]
        assert api.post(f"{URL}{pk}/actions/{action}/done/").status_code == 200
        assert api.post(f"{URL}{pk}/actions/{action}/done/").status_code == 409
        as_user(api, world.manager_mh)
        assert (
            api.post(f"{URL}{pk}/lessons/", {"lessons_learned": "One prescriber."}, format="json").status_code
            == 200
        )
        closed = api.post(f"{URL}{pk}/close/", {"closure_summary": "Agreed."}, format="json")
        assert closed.status_code == 200 and closed.json()["state"] == "closed"
        listed = api.get(URL, {"service_user": str(world.service_user.pk), "state": "closed"}).json()
        assert [row["id"] for row in listed["results"]] == [pk]

    def test_a_team_only_report(self, api, world):
        as_user(api, world.keyworker_mh)
        created = report(
            api, world, service_user=None, team=str(world.cmht_north.pk), kind="incident", harm="low"
        )
        assert created.status_code == 201 and created.json()["service_user"] is None
        assert report(api, world, service_user=None, team=str(world.sm_team.pk)).json() == {
            "team": ["Choose one of your own teams."]
        }

    def test_bad_input_is_a_400_naming_the_field(self, api, world):
        as_user(api, world.keyworker_mh)
        cases = {
            "harm": {"harm": "terrible"},
            "kind": {"kind": "rumour"},
            "occurred_on": {"occurred_on": "2999-01-01"},
            "title": {"title": ""},
            "service_user": {"service_user": str(world.sm_only.pk)},
        }
        for field, overrides in cases.items():
            response = report(api, world, **overrides)
            assert response.status_code == 400 and field in response.json(), (field, response.content)
        assert report(api, world, harm="low").json() == {
            "harm": ["A near miss caused no harm: choose no harm, or record it as an incident."]
        }
        pk = report(api, world).json()["id"]
        response = api.post(
            f"{URL}{pk}/actions/",
            {"text": "x", "owner_organisation": str(world.sm.pk), "due_date": str(world.today)},
            format="json",
        )
        assert response.status_code == 400 and "owner_organisation" in response.json()
        assert api.get(URL, {"harm": "terrible"}).status_code == 400
        assert Incident.objects.count() == 1

    def test_it_hides_incidents_from_those_who_may_not_read_them(self, api, world):
        as_user(api, world.keyworker_mh)
        pk = report(api, world).json()["id"]
        for user in (world.keyworker_sm, world.pharmacist, world.outsider):
            as_user(api, user)
            assert api.get(f"{URL}{pk}/").status_code == 404
            assert api.get(URL).json()["count"] == 0
        for user in (world.service_user_login, world.carer):
            as_user(api, user)
            assert api.get(URL).status_code in (403, 404)

    def test_it_pins_the_list_query_count(self, api, world, django_assert_num_queries):
        as_user(api, world.keyworker_mh)
        for i in range(2):
            report(api, world, title=f"Near miss {i}")
        api.get(URL)
        with django_assert_num_queries(LIST_QUERIES):
            api.get(URL)
        for i in range(5):
            report(api, world, title=f"More {i}")
        with django_assert_num_queries(LIST_QUERIES):
            assert api.get(URL).json()["count"] == 7


# The ids in order (the access rule), the page of rows (people, organisations, teams joined), the
# viewer's acting organisations for the audit, and the audit rows of the people on it (one insert).
LIST_QUERIES = 4
