"""The demo's year of outcome history: fills the dashboards' weeks, stays off live pages, loads once."""

import datetime as dt
import time

import nhs_number as nhs
import pytest
from django.utils import timezone

from dualcare import access
from dualcare.dashboards.measures import week_of
from dualcare.people.models import Involvement, ServiceUser
from outcomes import selectors
from outcomes.demo_history import BASELINE_CHANGE, NHS_PREFIX, demo_history_create
from outcomes.models import HonosRating, SatisfactionResponse, TopForm

pytestmark = pytest.mark.django_db

CHART_FROM = dt.date(2025, 11, 24)


@pytest.fixture
def history(world):
    teams = [world.cmht_north, world.cmht_south, world.sm_team, world.pharmacy_team]
    began = time.monotonic()
    made = demo_history_create(teams=teams, today=timezone.localdate(), by=world.manager_mh)
    made["seconds"] = time.monotonic() - began
    return made


def historic():
    return ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX)


class DemoHistoryTests:
    def test_it_is_bulk_and_fast(self, history):
        assert history["historic people"] > 200
        assert history["seconds"] < 30

    def test_numbers_are_valid_and_in_the_helpers_range(self, history):
        numbers = list(historic().values_list("nhs_number", flat=True))
        assert len(numbers) == len(set(numbers)) == history["historic people"]
        assert all(nhs.is_valid(n) and n.startswith("99985") for n in numbers)

    def test_it_keeps_off_live_pages(self, world, history):
        assert not Involvement.objects.filter(service_user__in=historic(), end__isnull=True).exists()
        assert not Involvement.objects.filter(service_user__in=historic(), team=world.pharmacy_team).exists()
        for user in (world.keyworker_mh, world.manager_mh, world.keyworker_sm):
            assert not access.service_users_visible_to(user).filter(pk__in=historic()).exists()

    def test_one_exit_measure_left_for_the_north_team_and_no_more(self, world, history):
        exits = [
            item
            for user in (world.keyworker_mh, world.keyworker_mh_south, world.keyworker_sm)
            for item in selectors.due_for_user(user)
            if item.involvement.service_user.nhs_number.startswith(NHS_PREFIX)
        ]
        assert len(exits) == 1
        assert exits[0].due.kind == "exit" and exits[0].involvement.team == world.cmht_north

    def test_every_chart_week_has_values_with_a_shift_in_baselines(self, world, history):
        teams = [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]
        today = timezone.localdate()
        result = selectors.weekly_measures(teams, CHART_FROM, week_of(today))
        weeks = (week_of(today) - CHART_FROM).days // 7 + 1
        assert len(result["outcomes.baseline_on_time"]) >= weeks - 6
        assert len(result["outcomes.reviews_on_time"]) >= weeks - 8
        assert len(result["outcomes.satisfaction_positive"]) >= weeks - 6
        assert len(result["outcomes.honos_change"]) >= weeks // 2

        def mean(cells):
            values = [cell.value for cell in cells]
            return sum(values) / len(values)

        baselines = result["outcomes.baseline_on_time"]
        before = mean(cell for (_, week), cell in baselines.items() if week < BASELINE_CHANGE)
        after = mean(cell for (_, week), cell in baselines.items() if week >= BASELINE_CHANGE)
        assert after - before > 15
        assert mean(result["outcomes.honos_change"].values()) < 0  # on the whole, people improve

    def test_it_loads_once(self, world, history):
        counts = [
            m.objects.count() for m in (ServiceUser, Involvement, HonosRating, TopForm, SatisfactionResponse)
        ]
        again = demo_history_create(
            teams=[world.cmht_north, world.sm_team], today=timezone.localdate(), by=world.manager_mh
        )
        assert again == {}
        assert [
            m.objects.count() for m in (ServiceUser, Involvement, HonosRating, TopForm, SatisfactionResponse)
        ] == counts
