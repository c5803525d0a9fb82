"""The incidents' dashboard measures: incidents with harm per 1,000 people on the caseload as a
monthly rate, and serious incidents, by the reporting team and the week it happened."""

import datetime as dt

import pytest

from dualcare.dashboards import measures
from dualcare.people.models import Involvement
from dualcare.safety.incidents.measures import WEEKS_PER_MONTH, weekly_measures
from dualcare.safety.incidents.models import Harm, Kind

pytestmark = pytest.mark.django_db


class IncidentMeasureTests:
    def test_the_rate_and_the_count_by_week_and_group(self, world, report):
        monday = measures.week_of(world.today)
        report(kind=Kind.INCIDENT, harm=Harm.LOW, occurred_on=monday)
        report(kind=Kind.INCIDENT, harm=Harm.SEVERE, occurred_on=monday)
        report(occurred_on=monday)  # a near miss: no harm
        team_ids = [world.cmht_north.pk]
        caseload = Involvement.objects.filter(team=world.cmht_north, end__isnull=True).count()
        found = weekly_measures(team_ids, monday, monday)
        rate = found["incidents.with_harm_per_1000"][(None, monday)]
        assert rate.n == caseload
        assert rate.value == round(1000 * 2 / caseload * WEEKS_PER_MONTH, 2)
        assert found["incidents.serious"][(None, monday)].value == 1
        by_team = weekly_measures(team_ids, monday, monday, group="team")
        assert by_team["incidents.serious"][(world.cmht_north.pk, monday)].value == 1
        by_org = weekly_measures(team_ids, monday, monday, group="organisation")
        assert by_org["incidents.serious"][(world.mh.pk, monday)].value == 1

    def test_a_week_with_a_caseload_and_no_incidents_is_zero(self, world):
        monday = measures.week_of(world.today)
        found = weekly_measures([world.cmht_north.pk], monday, monday)
        assert found["incidents.with_harm_per_1000"][(None, monday)].value == 0

    def test_the_dashboards_read_them_through_the_registry(self, world):
        assert "incidents.with_harm_per_1000" in measures.definitions()

    def test_it_runs_two_queries_whatever_the_weeks(self, world, report, django_assert_num_queries):
        monday = measures.week_of(world.today)
        report(kind=Kind.INCIDENT, harm=Harm.LOW, occurred_on=monday - dt.timedelta(weeks=3))
        with django_assert_num_queries(2):
            weekly_measures([world.cmht_north.pk], monday - dt.timedelta(weeks=12), monday)
