"""The carers' dashboard measures: carers identified and carers whose views are in the plan, per week
and team, for people on the team's caseload that day."""

import datetime as dt

import pytest
from django.utils import timezone

from carers import measures
from dualcare.dashboards.measures import week_of
from dualcare.people import services as people_services


@pytest.mark.django_db
class CarerMeasuresTests:
    def test_carers_identified_count_for_the_teams_caseload_only(self, world):
        people_services.carer_record(
            service_user=world.service_user,
            by=world.keyworker_mh,
            given_name="Jan",
            relationship="Sister",
            contact_by="phone",
            phone="07700900999",
        )
        week = week_of(timezone.localdate())
        north = measures.weekly_measures([world.cmht_north.pk], week, week)
        # The world's carer (linked this week) and Jan: both of Sam, who is on North's caseload.
        assert north["carers.identified"][(None, week)].value == 2
        assert north["carers.identified"][(None, week)].n == 1
        by_team = measures.weekly_measures([world.cmht_north.pk], week, week, group="team")
        assert by_team["carers.identified"][(world.cmht_north.pk, week)].value == 2
        from carers import services as carer_services

        carer_services.carer_needs_record(carer=world.carer_link, by=world.carer, needs="A break")
        views = measures.weekly_measures([world.cmht_north.pk], week, week)["carers.views_recorded"]
        assert views[(None, week)].value == 1
        earlier = week - dt.timedelta(weeks=3)
        assert measures.weekly_measures([world.cmht_north.pk], earlier, earlier)["carers.identified"] == {}

    def test_a_team_not_working_with_the_person_counts_none(self, world):
        week = week_of(timezone.localdate())
        other = measures.weekly_measures([world.charity_team.pk], week, week)
        assert other["carers.identified"] == {}
