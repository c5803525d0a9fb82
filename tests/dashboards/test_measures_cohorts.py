"""Caseload by quadrant for the dashboards: people on a team's caseload at the end of each week."""

import datetime as dt

import pytest

from cohorts import measures as app_measures
from cohorts.services import quadrant_assess
from dualcare.dashboards import measures
from dualcare.people import services as people_services
from dualcare.people.models import Involvement
from tests.factories import person

pytestmark = pytest.mark.django_db

W0, W1, W2, W3 = (dt.date(2026, 3, 2) + dt.timedelta(weeks=n) for n in range(4))
SEVERITIES = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}
KEYS = {
    "I": "cohorts.caseload_i",
    "II": "cohorts.caseload_ii",
    "III": "cohorts.caseload_iii",
    "IV": "cohorts.caseload_iv",
    "-": "cohorts.caseload_not_assessed",
}


def someone(team, key_worker, name, since):
    service_user = person(team, key_worker=key_worker, given_name=name, family_name="Quadrant")
    Involvement.objects.filter(service_user=service_user).update(start=since)
    return service_user


def assess(service_user, by, quadrant, on):
    mental_health, substance_use = SEVERITIES[quadrant]
    return quadrant_assess(
        service_user=service_user,
        mental_health_severity=mental_health,
        substance_use_severity=substance_use,
        rationale="Reviewed with the person.",
        by=by,
        assessed_on=on,
    )


@pytest.fixture
def story(world):
    kw = world.keyworker_mh
    jan = dt.date(2026, 1, 5)
    a = someone(world.cmht_north, kw, "A", jan)
    assess(a, kw, "I", dt.date(2026, 2, 1))
    assess(a, kw, "IV", dt.date(2026, 3, 8))  # a Sunday: counts at the end of that week
    b = someone(world.cmht_north, kw, "B", W1)
    assess(b, kw, "II", dt.date(2026, 3, 17))
    c = someone(world.cmht_north, kw, "C", jan)
    assess(c, kw, "III", dt.date(2026, 2, 10))
    people_services.involvement_end(
        involvement=Involvement.objects.get(service_user=c), reason="Discharged to the GP.", by=kw
    )
    Involvement.objects.filter(service_user=c).update(end=W2)  # the first day without
    d = someone(world.cmht_north, kw, "D", jan)
    assess(d, kw, "II", dt.date(2026, 3, 11))
    assess(d, kw, "I", dt.date(2026, 3, 11))  # the same day, later: the latest counts
    e = someone(world.sm_team, world.keyworker_sm, "E", jan)
    assess(e, world.keyworker_sm, "IV", dt.date(2026, 1, 10))


def table(result, group_key=None) -> dict:
    """{week: "I II III IV not-assessed" counts} for one group."""
    weeks = sorted({week for cells in result.values() for g, week in cells if g == group_key})
    return {week: tuple(result[KEYS[q]][(group_key, week)].value for q in KEYS) for week in weeks}


class CaseloadByQuadrantTests:
    def test_it_declares_one_measure_per_quadrant_and_one_for_not_assessed(self):
        assert {m.key for m in app_measures.DASHBOARD_MEASURES} == set(KEYS.values())
        assert all(measures.definitions()[key].improvement == "neither" for key in KEYS.values())

    def test_it_counts_the_caseload_at_the_end_of_each_week_by_quadrant(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], W0, W3)
        assert table(result) == {
            #     I  II III IV  not assessed
            W0: (0, 0, 1, 1, 1),
            W1: (1, 0, 1, 1, 1),
            W2: (1, 1, 0, 1, 0),
            W3: (1, 1, 0, 1, 0),
        }
        assert result["cohorts.caseload_iv"][(None, W0)].n == 1

    def test_it_carries_in_what_happened_before_the_first_week(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], W1, W2)
        assert table(result) == {W1: (1, 0, 1, 1, 1), W2: (1, 1, 0, 1, 0)}

    def test_it_gives_one_value_per_organisation_and_nothing_leaks(self, world, story):
        teams = [world.cmht_north.pk, world.sm_team.pk]
        result = app_measures.weekly_measures(teams, W0, W1, group="organisation")
        assert table(result, world.mh.pk) == {W0: (0, 0, 1, 1, 1), W1: (1, 0, 1, 1, 1)}
        assert table(result, world.sm.pk) == {W0: (0, 0, 0, 1, 0), W1: (0, 0, 0, 1, 0)}
        only_sm = app_measures.weekly_measures([world.sm_team.pk], W0, W1, group="organisation")
        assert {g for cells in only_sm.values() for g, _ in cells} == {world.sm.pk}

    def test_a_week_with_nobody_on_the_caseload_is_left_out(self, world, story):
        result = app_measures.weekly_measures([world.cmht_south.pk], W0, W3)
        assert all(cells == {} for cells in result.values())

    def test_a_person_on_two_caseloads_in_scope_counts_once(self, world, story):
        jan = dt.date(2026, 1, 5)
        shared = someone(world.cmht_north, world.keyworker_mh, "Shared", jan)
        people_services.involvement_start(service_user=shared, team=world.cmht_south, start=jan)
        people_services.involvement_start(service_user=shared, team=world.sm_team, start=jan)
        assess(shared, world.keyworker_mh, "IV", dt.date(2026, 2, 1))
        north_only = table(app_measures.weekly_measures([world.cmht_north.pk], W0, W0))
        south_only = table(app_measures.weekly_measures([world.cmht_south.pk], W0, W0))
        both = table(app_measures.weekly_measures([world.cmht_north.pk, world.cmht_south.pk], W0, W0))
        assert north_only[W0] == (0, 0, 1, 2, 1) and south_only[W0] == (0, 0, 0, 1, 0)
        assert both[W0] == (0, 0, 1, 2, 1)  # not 3 in quadrant IV: the same person twice
        teams = [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]
        by_organisation = app_measures.weekly_measures(teams, W0, W0, group="organisation")
        assert table(by_organisation, world.mh.pk)[W0] == (0, 0, 1, 2, 1)
        assert table(by_organisation, world.sm.pk)[W0] == (0, 0, 0, 2, 0)  # E and the shared person
        assert table(app_measures.weekly_measures(teams, W0, W0))[W0] == (0, 0, 1, 3, 1)

    def test_it_runs_one_query_whatever_the_people_and_weeks(self, world, story, django_assert_num_queries):
        with django_assert_num_queries(1):
            app_measures.weekly_measures([world.cmht_north.pk], W0, W1)
        for n in range(6):
            extra = someone(world.cmht_north, world.keyworker_mh, f"X{n}", dt.date(2026, 1, 5))
            assess(extra, world.keyworker_mh, "II", dt.date(2026, 2, 1))
            assess(extra, world.keyworker_mh, "III", dt.date(2026, 3, 10 + n))
        with django_assert_num_queries(1):
            result = app_measures.weekly_measures([world.cmht_north.pk], W0 - dt.timedelta(weeks=40), W3)
        assert table(result)[W3] == (1, 1, 6, 1, 0)
