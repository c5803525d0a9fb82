"""Outcome measures for the dashboards (issue 8 point 1): exact values on hand-built data, Monday
weeks (the clocks go forward on Sunday 29 March 2026), both groupings, constant queries."""

import datetime as dt

import pytest

from dualcare.dashboards import measures
from dualcare.dashboards.measures import Cell
from dualcare.people.models import Involvement
from outcomes import measures as app_measures
from outcomes import services
from tests.factories import person

from .helpers import HONOS_ITEMS, make_honos, make_top

pytestmark = pytest.mark.django_db

W1 = dt.date(2026, 3, 23)  # Monday; its Sunday is 29 March, the last day of GMT
W2 = dt.date(2026, 3, 30)  # Monday, the first full week of BST
TODAY = dt.date(2026, 11, 20)
ONES = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]  # total 11
WITH_NINE = [9, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]  # the 9 counts as nothing: total 10
TWOS = [2] * 12  # total 24


def started(service_user, team, day):
    Involvement.objects.filter(service_user=service_user, team=team, end__isnull=True).update(start=day)


def honos(world, who, by, day, stage, items=HONOS_ITEMS):
    return make_honos(
        world,
        service_user=who,
        by=by,
        rated_on=day,
        stage=stage,
        items=items,
        item8_type="B" if items[7] in (1, 2, 3, 4) else "",
    )


@pytest.fixture
def data(world):
    """A (North): started Sunday 29 March, baseline 14 days later (on time), review on its day.
    B (North): started Monday 30 March, baseline 15 days later (late).
    C (South): started 30 March, baseline 14 days before (on time), review 15 days late.
    D (drug and alcohol): started 30 March, start TOP 2 days later, review TOP 15 days late.
    E (North): started in January, baseline 31 March, review due 30 September (not 1 October)."""
    w = world
    a, b, c, d = w.mh_only, w.service_user, w.south_only, w.sm_only
    started(a, w.cmht_north, dt.date(2026, 3, 29))
    started(b, w.cmht_north, dt.date(2026, 3, 30))
    started(c, w.cmht_south, dt.date(2026, 3, 30))
    started(d, w.sm_team, dt.date(2026, 3, 30))
    e = person(w.cmht_north, key_worker=w.keyworker_mh, given_name="Eden", family_name="Weekly")
    started(e, w.cmht_north, dt.date(2026, 1, 10))
    honos(w, a, w.keyworker_mh, dt.date(2026, 4, 12), "assessment")  # total 21
    honos(w, a, w.keyworker_mh, dt.date(2026, 10, 12), "review", ONES)  # on time; change -10
    honos(w, b, w.keyworker_mh, dt.date(2026, 4, 14), "assessment")
    honos(w, c, w.keyworker_mh_south, dt.date(2026, 3, 16), "assessment")
    # late; over the 11 items rated both times (item 1 is 9 now): 19 at baseline, 10 now: change -9
    honos(w, c, w.keyworker_mh_south, dt.date(2026, 10, 1), "review", WITH_NINE)
    honos(w, e, w.keyworker_mh, dt.date(2026, 3, 31), "assessment")
    honos(w, e, w.keyworker_mh, dt.date(2026, 9, 16), "review", TWOS)  # on time; change +3
    make_top(w, service_user=d, completed_on=dt.date(2026, 4, 1), stage="start")
    make_top(w, service_user=d, completed_on=dt.date(2026, 10, 16), stage="review")  # due 1 Oct: late
    for who, by, day, answer in [
        (a, w.keyworker_mh, dt.date(2026, 3, 29), "very_good"),
        (a, w.keyworker_mh, dt.date(2026, 3, 30), "poor"),
        (a, w.keyworker_mh, dt.date(2026, 3, 31), "dont_know"),
        (d, w.keyworker_sm, dt.date(2026, 3, 30), "good"),
        (b, w.keyworker_mh, dt.date(2026, 3, 29), "very_good"),  # before B's care began: not counted
    ]:
        services.satisfaction_record(service_user=who, by=by, answer=answer, responded_on=day)
    return w


def teams(world):
    return [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]


class ContractTests:
    def test_the_dashboards_find_the_outcome_measures(self):
        keys = {m.key for m in measures.definitions().values() if m.capability == "Outcomes"}
        assert keys == {
            "outcomes.baseline_on_time",
            "outcomes.reviews_on_time",
            "outcomes.honos_change",
            "outcomes.satisfaction_positive",
            "outcomes.satisfaction_responses",
        }
        improvement = {m.key: m.improvement for m in app_measures.DASHBOARD_MEASURES}
        assert improvement["outcomes.honos_change"] == "down"
        assert improvement["outcomes.satisfaction_responses"] == "neither"


class AllTeamsTests:
    def test_baselines_by_the_week_the_care_started(self, data):
        result = app_measures.weekly_measures(teams(data), W1, W2, today=TODAY)["outcomes.baseline_on_time"]
        assert result == {(None, W1): Cell(100.0, 1), (None, W2): Cell(66.7, 3)}

    def test_weeks_whose_window_is_still_open_are_left_out(self, data):
        result = app_measures.weekly_measures(teams(data), W1, W2, today=dt.date(2026, 4, 13))
        assert result["outcomes.baseline_on_time"] == {(None, W1): Cell(100.0, 1)}

    def test_reviews_on_time_with_the_month_end_clamped(self, data):
        result = app_measures.weekly_measures(teams(data), dt.date(2026, 9, 14), dt.date(2026, 10, 12))
        assert result["outcomes.reviews_on_time"] == {
            (None, dt.date(2026, 9, 14)): Cell(100.0, 1),  # E: due 30 Sep, done 14 days early
            (None, dt.date(2026, 9, 28)): Cell(0.0, 1),  # C: 15 days late
            (None, dt.date(2026, 10, 12)): Cell(50.0, 2),  # A on its day; D's TOP 15 days late
        }

    def test_mean_honos_change_since_the_baseline(self, data):
        result = app_measures.weekly_measures(teams(data), dt.date(2026, 9, 14), dt.date(2026, 10, 12))
        assert result["outcomes.honos_change"] == {
            (None, dt.date(2026, 9, 14)): Cell(3.0, 1),
            (None, dt.date(2026, 9, 28)): Cell(-9.0, 1),
            (None, dt.date(2026, 10, 12)): Cell(-10.0, 1),
        }

    def test_a_pair_with_too_few_items_known_to_both_is_left_out_of_the_mean(self, data, world):
        # issue 17: baseline with ten items not known (total 2), a full review (total 18) in E's
        # week: "+16" before; now not enough known to compare, so the week's mean is E's alone
        f = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Fen", family_name="Unknown")
        honos(world, f, world.keyworker_mh, dt.date(2026, 3, 31), "assessment", [1, 1] + [9] * 10)
        honos(
            world, f, world.keyworker_mh, dt.date(2026, 9, 15), "review", [1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1]
        )
        result = app_measures.weekly_measures(teams(data), dt.date(2026, 9, 14), dt.date(2026, 9, 14))
        assert result["outcomes.honos_change"] == {(None, dt.date(2026, 9, 14)): Cell(3.0, 1)}

    def test_satisfaction_split_at_the_monday(self, data):
        result = app_measures.weekly_measures(teams(data), W1, W2)
        assert result["outcomes.satisfaction_positive"] == {
            (None, W1): Cell(100.0, 1),
            (None, W2): Cell(50.0, 2),
        }
        assert result["outcomes.satisfaction_responses"] == {
            (None, W1): Cell(1.0, 1),
            (None, W2): Cell(3.0, 3),
        }

    def test_only_the_teams_asked_for(self, data):
        result = app_measures.weekly_measures([data.sm_team.pk], W1, W2, today=TODAY)
        assert result["outcomes.baseline_on_time"] == {(None, W2): Cell(100.0, 1)}
        assert result["outcomes.satisfaction_responses"] == {(None, W2): Cell(1.0, 1)}


class ByOrganisationTests:
    def test_each_measure_per_organisation(self, data):
        mh, sm = data.mh.pk, data.sm.pk
        result = app_measures.weekly_measures(teams(data), W1, W2, group="organisation", today=TODAY)
        assert result["outcomes.baseline_on_time"] == {
            (mh, W1): Cell(100.0, 1),
            (mh, W2): Cell(50.0, 2),
            (sm, W2): Cell(100.0, 1),
        }
        assert result["outcomes.satisfaction_positive"] == {
            (mh, W1): Cell(100.0, 1),
            (mh, W2): Cell(0.0, 1),
            (sm, W2): Cell(100.0, 1),
        }
        later = app_measures.weekly_measures(
            teams(data), dt.date(2026, 10, 12), dt.date(2026, 10, 12), group="organisation"
        )
        assert later["outcomes.reviews_on_time"] == {
            (mh, dt.date(2026, 10, 12)): Cell(100.0, 1),
            (sm, dt.date(2026, 10, 12)): Cell(0.0, 1),
        }

    def test_collect_passes_through(self, data):
        result = measures.collect(teams(data), dt.date(2026, 3, 25), dt.date(2026, 4, 1))
        assert result["outcomes.satisfaction_responses"][(None, W2)] == Cell(3.0, 3)


class SwitchedOffTests:
    def test_a_switched_off_instrument_gives_no_values(self, data, settings):
        settings.OUTCOME_INSTRUMENTS = ("top", "dialog")
        result = app_measures.weekly_measures(teams(data), W1, W2, today=TODAY)
        assert result["outcomes.satisfaction_positive"] == {} and result["outcomes.honos_change"] == {}
        assert result["outcomes.baseline_on_time"] == {(None, W2): Cell(100.0, 1)}


class QueryCountTests:
    def test_constant_queries_whatever_the_rows(self, world, django_assert_num_queries):
        start, end = dt.date(2025, 11, 24), dt.date(2026, 11, 16)
        with django_assert_num_queries(5):
            app_measures.weekly_measures(teams(world), start, end, group="organisation")
        team = world.cmht_north
        for i in range(6):
            someone = person(team, key_worker=world.keyworker_mh, given_name=f"P{i}", family_name="Many")
            started(someone, team, dt.date(2026, 1, 5) + dt.timedelta(days=7 * i))
            honos(
                world,
                someone,
                world.keyworker_mh,
                dt.date(2026, 1, 6) + dt.timedelta(days=7 * i),
                "assessment",
            )
            honos(
                world,
                someone,
                world.keyworker_mh,
                dt.date(2026, 7, 6) + dt.timedelta(days=7 * i),
                "review",
                ONES,
            )
            services.satisfaction_record(
                service_user=someone, by=world.keyworker_mh, answer="good", responded_on=dt.date(2026, 2, 2)
            )
        with django_assert_num_queries(5):
            result = app_measures.weekly_measures(teams(world), start, end, group="organisation")
        assert sum(cell.n for cell in result["outcomes.reviews_on_time"].values()) == 6
