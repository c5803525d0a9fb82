"""A percentage's process limits are capped at 0 and 100 in the API and the CSV as on the chart:
one function (MeasureChart.limits) gives all three their numbers."""

import csv
import io

import pytest
from django.urls import reverse

from .conftest import CASELOAD, SHARE

pytestmark = pytest.mark.django_db

# mean 67.5, mean moving range 55: the formula's limits are -78.8 and 213.8
SWINGING = [40, 95] * 10


@pytest.fixture
def swinging(world, fake, period_weeks):
    fake.series(SHARE.key, world.cmht_north, period_weeks[-20], SWINGING, n=10)
    fake.series(CASELOAD.key, world.cmht_north, period_weeks[-20], SWINGING, n=10)
    return world


class ProportionLimitTests:
    def test_the_api_gives_a_percentage_its_limits_within_0_and_100(self, swinging, login):
        url = reverse("api-dashboard-team", args=[swinging.cmht_north.pk])
        measures = {m["key"]: m for m in login(swinging.manager_mh).get(url).json()["measures"]}
        share, caseload = measures[SHARE.key], measures[CASELOAD.key]
        assert share["chart"] == "xmr"
        assert (share["lower_limit"], share["upper_limit"], share["limits_capped"]) == (0, 100, True)
        # A count is not a proportion: the formula's limits, uncapped.
        assert caseload["lower_limit"] < 0 and caseload["upper_limit"] > 200
        assert caseload["limits_capped"] is False

    def test_the_csv_gives_a_percentage_its_limits_within_0_and_100(self, swinging, login):
        client = login(swinging.manager_mh)
        response = client.get(reverse("dashboards:team_csv", args=[swinging.cmht_north.pk]))
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        share = [r for r in rows if r["measure_key"] == SHARE.key]
        caseload = [r for r in rows if r["measure_key"] == CASELOAD.key]
        assert len(share) == 20
        limits = {(float(r["lower_process_limit"]), float(r["upper_process_limit"])) for r in share}
        assert limits == {(0, 100)}
        assert float(caseload[0]["lower_process_limit"]) < 0 < 200 < float(caseload[0]["upper_process_limit"])

    def test_the_api_gives_the_numbers_the_chart_draws(self, swinging, login):
        from dualcare.dashboards import selectors

        scope = selectors.Scope(organisation=swinging.mh, team=swinging.cmht_north)
        charts = {c.key: c for c in selectors.dashboard(scope, selectors.period_for()).charts}
        url = reverse("api-dashboard-team", args=[swinging.cmht_north.pk])
        for measure in login(swinging.manager_mh).get(url).json()["measures"]:
            if measure["chart"] == "xmr":
                lower, upper, capped = charts[measure["key"]].limits
                assert (measure["lower_limit"], measure["upper_limit"]) == pytest.approx((lower, upper))
                assert measure["limits_capped"] is capped
