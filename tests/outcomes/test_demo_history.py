"""The demo's year of outcome history: fills the dashboards' weeks, stays off live pages, loads once."""

import datetime as dt

import nhs_number as nhs
import pytest
from django.utils import timezone

from dualcare import access
from dualcare.dashboards.measures import week_of
from dualcare.people.models import Involvement, ServiceUser
from outcomes import measures, selectors
from outcomes.demo_history import BASELINE_CHANGE, NHS_PREFIX, demo_history_create
from outcomes.models import HonosRating, SatisfactionResponse, TopForm

pytestmark = pytest.mark.django_db

CHART_FROM = dt.date(2025, 11, 24)


def historic():
    return ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX)


class DemoHistoryTests:
    # The world and its history are built once for the class; each test rolls back what it writes.
    @pytest.fixture(scope="class")
    @classmethod
    def world(cls, class_world):
        return class_world

    @pytest.fixture(scope="class")
    @classmethod
    def history(cls, world):
        teams = [world.cmht_north, world.cmht_south, world.sm_team, world.pharmacy_team]
        return demo_history_create(teams=teams, today=timezone.localdate(), by=world.manager_mh)

    def test_it_is_bulk(self, history):
        # How fast is measured by bench/demo_build.py, not asserted here (it failed on a busy machine).
        assert history["historic people"] > 200

    def test_numbers_are_valid_and_in_the_helpers_range(self, history):
        numbers = list(historic().values_list("nhs_number", flat=True))
        assert len(numbers) == len(set(numbers)) == history["historic people"]
        assert all(nhs.is_valid(n) and n.startswith("99985") for n in numbers)

    def test_people_still_in_care_are_their_teams_caseload_and_nobody_elses(self, world, history):
        # Issue 13: the history's care that has not ended is the teams' real caseload.
        assert not Involvement.objects.filter(service_user__in=historic(), team=world.pharmacy_team).exists()
        in_care = Involvement.objects.filter(service_user__in=historic(), end__isnull=True)
        assert in_care.filter(team=world.cmht_north).count() > 20
        today = timezone.localdate()
        last_sunday = today - dt.timedelta(days=today.weekday() + 1)
        assert not in_care.filter(start__gt=last_sunday).exists()  # nothing after the chart's last week
        for user in (world.keyworker_mh, world.keyworker_sm, world.outsider, world.manager_mh):
            if user == world.manager_mh:  # a manager sees the organisation's people
                theirs = in_care.filter(team__organisation=world.cmht_north.organisation)
            else:
                theirs = in_care.filter(team__in=access.teams_of(user))
            visible = access.service_users_visible_to(user).filter(pk__in=historic())
            assert set(visible.values_list("pk", flat=True)) == set(
                theirs.values_list("service_user_id", flat=True)
            ), user.username
        ended = historic().exclude(pk__in=in_care.values("service_user_id"))
        assert ended.exists()
        for user in (world.keyworker_mh, world.manager_mh, world.keyworker_sm):
            assert not access.service_users_visible_to(user).filter(pk__in=ended).exists()

    def test_one_exit_measure_left_for_the_north_team_and_no_more(self, world, history):
        exits = [
            item
            for user in (world.keyworker_mh, world.keyworker_mh_south, world.keyworker_sm)
            for item in selectors.due_for_user(user)
            # People still in care have baselines and reviews due too, as a real caseload does.
            if item.involvement.service_user.nhs_number.startswith(NHS_PREFIX) and item.due.kind == "exit"
        ]
        assert len(exits) == 1
        assert exits[0].due.kind == "exit" and exits[0].involvement.team == world.cmht_north

    def test_every_chart_week_has_values_with_a_shift_in_baselines(self, world, history):
        teams = [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]
        today = timezone.localdate()
        result = measures.weekly_measures(teams, CHART_FROM, week_of(today))
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


def other_history_number() -> str:
    """A valid NHS number in another helper's demo-history range (99970xxxxx)."""
    for i in range(10_000):
        body = f"99970{i:04d}"
        check = nhs.calculate_checksum(body)
        if check is not None and check < 10:
            return f"{body}{check}"
    raise AssertionError("no number")


class OtherHistoriesTests:
    def test_their_ended_care_gets_outcome_forms_too(self, world):
        from dualcare.people import services as people_services
        from tests.factories import person

        theirs = person(world.cmht_north, key_worker=world.keyworker_mh, nhs_number=other_history_number())
        involvement = Involvement.objects.get(service_user=theirs)
        Involvement.objects.filter(pk=involvement.pk).update(start=dt.date(2025, 12, 1))
        people_services.involvement_end(
            involvement=involvement, reason="Discharged", by=world.keyworker_mh, end=dt.date(2026, 8, 1)
        )
        live = Involvement.objects.get(service_user=world.mh_only)  # open: never touched
        made = demo_history_create(teams=[world.cmht_north], today=timezone.localdate(), by=world.manager_mh)
        assert made["other histories' episodes given outcome forms"] == 1
        stages = set(HonosRating.objects.filter(service_user=theirs).values_list("stage", flat=True))
        assert stages and stages <= {"assessment", "review", "discharge"}
        assert not HonosRating.objects.filter(service_user=live.service_user).exists()
        assert not TopForm.objects.filter(service_user=theirs).exists()


class WholeLiveDemoTests:
    def test_the_demo_loads_none_when_demo_history_is_off(self, demo_live):
        # The shared live demo (tests/demo_db.py): DEMO_HISTORY is off under the test runner.
        assert not historic().exists()


class WholeDemoTests:
    def test_the_demo_loads_it_when_demo_history_is_on(self, demo_with_history, settings):
        # The shared live demo again, with DEMO_HISTORY on (tests/demo_db.py).
        from dualcare.management import demo_data

        demo = demo_with_history.demo
        assert historic().count() > 500
        north = demo.teams["north"]
        today = timezone.localdate()
        cells = measures.weekly_measures([north.pk], CHART_FROM, week_of(today))["outcomes.baseline_on_time"]
        before = [c.value for (_, week), c in cells.items() if week < BASELINE_CHANGE]
        after = [c.value for (_, week), c in cells.items() if week >= BASELINE_CHANGE]
        assert sum(after) / len(after) - sum(before) / len(before) > 15
        # Every episode of every demo history in the chart year has outcome forms, but the one left.
        ended = Involvement.objects.filter(
            team__in=[demo.teams[k] for k in ("north", "south", "recovery", "prescribing")],
            end__isnull=False,
            start__gte=dt.date(2025, 4, 21),
            service_user__nhs_number__startswith="999",
        ).exclude(service_user__nhs_number__startswith="9990")
        without = [
            inv
            for inv in ended.select_related("team__organisation")
            if not (HonosRating if inv.team.organisation.kind == "mental_health" else TopForm)
            .objects.filter(service_user=inv.service_user, organisation=inv.team.organisation)
            .exists()
        ]
        assert len(without) <= ended.count() // 5  # only those never baselined and with no exit
        counts = [m.objects.count() for m in (ServiceUser, HonosRating, TopForm, SatisfactionResponse)]
        settings.DEMO_HISTORY = True
        demo_data.build(password=demo.password)
        assert [
            m.objects.count() for m in (ServiceUser, HonosRating, TopForm, SatisfactionResponse)
        ] == counts
