"""The dashboards API: same access as the pages, the chart's limits and special causes per week,
the locality with small numbers suppressed, constant queries, documented in the schema."""

import pytest
from django.urls import reverse

from .conftest import SHARE
from .test_locality import locality_data  # noqa: F401

pytestmark = pytest.mark.django_db


def team_api(world):
    return reverse("api-dashboard-team", args=[world.cmht_north.pk])


class DashboardApiTests:
    def test_it_gives_a_manager_each_measure_with_its_chart(self, shifted, login, period_weeks):
        response = login(shifted.manager_mh).get(team_api(shifted))
        assert response.status_code == 200
        body = response.json()
        assert (body["scope"], body["name"]) == ("team", "North CMHT")
        assert body["last_week"] == period_weeks[-1].isoformat()
        share = next(m for m in body["measures"] if m["key"] == SHARE.key)
        assert share["chart"] == "xmr" and share["status"] == "improvement"
        assert share["lower_limit"] < share["centre_line"] < share["upper_limit"]
        assert len(share["points"]) == 32
        last = share["points"][-1]
        assert (
            last["special_cause"] is True and "shift" in last["rules"] and last["variation"] == "improvement"
        )
        assert last["n"] == 10
        # one period: every point has the chart's own mean and limits
        assert (last["mean"], last["lower_limit"], last["upper_limit"]) == pytest.approx(
            (share["centre_line"], share["lower_limit"], share["upper_limit"])
        )

    def test_it_follows_the_page_rules(self, shifted, login):
        assert login(shifted.manager_sm).get(team_api(shifted)).status_code == 404
        # another organisation's dashboard, or one's own without managing it: the same 404
        assert login(shifted.keyworker_mh).get(team_api(shifted)).status_code == 404
        assert login(shifted.keyworker_sm).get(team_api(shifted)).status_code == 404
        assert login(shifted.service_user_login).get(team_api(shifted)).status_code == 404
        url = reverse("api-dashboard-organisation", args=[shifted.mh.pk])
        assert login(shifted.manager_mh).get(url).status_code == 200
        assert login(shifted.manager_sm).get(url).status_code == 404

    def test_a_period_not_offered_is_a_400_naming_the_field(self, shifted, login):
        # The API's request checks refuse it from the schema's enum (dualcare/api_schema.py).
        client = login(shifted.manager_mh)
        for bad in ("abc", "7"):
            response = client.get(team_api(shifted) + f"?weeks={bad}")
            assert response.status_code == 400
            assert list(response.json()) == ["weeks"] and "52" in response.json()["weeks"][0]

    def test_it_needs_a_signed_in_caller(self, shifted, client):
        assert client.get(team_api(shifted)).status_code in (401, 403)

    def test_it_runs_the_same_queries_for_more_weeks(
        self, shifted, fake, login, period_weeks, django_assert_num_queries
    ):
        client = login(shifted.manager_mh)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            client.get(team_api(shifted))
        fake.series(SHARE.key, shifted.cmht_north, period_weeks[0], list(range(52)), n=7)
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(team_api(shifted)).status_code == 200

    def test_it_is_in_the_schema(self, login, world):
        schema = login(world.manager_mh).get(reverse("api-schema")).content.decode()
        assert "/api/v1/dashboards/teams/{id}/" in schema
        assert "/api/v1/dashboards/locality/" in schema


class LocalityApiTests:
    def test_small_numbers_are_suppressed(self, locality_data, login):  # noqa: F811
        response = login(locality_data.manager_sm).get(
            reverse("api-dashboard-locality") + "?section=referrals"
        )
        assert response.status_code == 200
        share = next(m for m in response.json()["measures"] if m["key"] == SHARE.key)
        last = next(w for w in share["weeks"] if w["week"] == locality_data.last_week.isoformat())
        cells = {cell["organisation"]: cell for cell in last["cells"]}
        trust, service = cells[str(locality_data.mh.pk)], cells[str(locality_data.sm.pk)]
        assert trust == {
            "organisation": str(locality_data.mh.pk),
            "value": None,
            "n": None,
            "suppressed": True,
        }
        assert service["suppressed"] is True and service["n"] is None
        assert cells[str(locality_data.charity.pk)]["n"] == 12
        assert cells[None]["n"] == 24 and cells[None]["suppressed"] is False

    def test_other_staff_are_refused(self, locality_data, login):  # noqa: F811
        assert login(locality_data.pharmacist).get(reverse("api-dashboard-locality")).status_code == 403

    def test_it_gives_one_section_at_a_time_and_every_section_in_turn(self, locality_data, login):  # noqa: F811
        from dualcare.dashboards import measures, selectors

        client = login(locality_data.manager_sm)
        url = reverse("api-dashboard-locality")
        first = client.get(url).json()
        every = selectors.sections()
        assert first["section"] == every[0]
        assert [s["slug"] for s in first["sections"]] == every
        assert {s["heading"] for s in first["sections"]} == {
            d.capability for d in measures.definitions().values()
        }
        seen = []
        for section in every:
            body = client.get(f"{url}?section={section}").json()
            assert body["section"] == section
            assert {selectors.section_slug(m["capability"]) for m in body["measures"]} == {section}
            seen += [m["key"] for m in body["measures"]]
        assert sorted(seen) == sorted(measures.definitions())
        assert [m["key"] for m in first["measures"]] == [
            m["key"] for m in client.get(f"{url}?section={every[0]}").json()["measures"]
        ]

    def test_an_unknown_section_is_a_400_naming_the_field(self, locality_data, login):  # noqa: F811
        response = login(locality_data.manager_sm).get(reverse("api-dashboard-locality") + "?section=nope")
        assert response.status_code == 400
        assert list(response.json()) == ["section"] and "referrals" in response.json()["section"][0]
