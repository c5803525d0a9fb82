"""Care plan measures for the dashboards: weekly, by the teams involved, aggregated in the database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from careplans import measures as app_measures
from careplans import services
from careplans.models import Agreement, PlanEntry, PlanVersion
from dualcare.dashboards import measures
from dualcare.people.models import Involvement
from tests.factories import person

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEEK_A = dt.date(2026, 3, 2)
BEFORE_BST = dt.date(2026, 3, 23)
AFTER_BST = dt.date(2026, 3, 30)  # clocks went forward on Sunday 29 March 2026
LONG_AGO = dt.date(2025, 1, 6)


def at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def involved_since(service_user, day=LONG_AGO):
    Involvement.objects.filter(service_user=service_user).update(start=day)


def write(service_user, by, text="Seeing my daughter every weekend.", *, written=None):
    entry = services.entry_add(service_user=service_user, section="what_matters", by=by, text=text)
    PlanEntry.objects.filter(pk=entry.pk).update(created_at=written or at(1, 1, 9))
    return entry


def publish(service_user, by, moment, review_due: dt.date) -> PlanVersion:
    """Published through the service, then dated as if it had been published at `moment`."""
    version = services.careplan_publish(service_user=service_user, by=by)
    PlanVersion.objects.filter(pk=version.pk).update(published_at=moment, review_due=review_due)
    return PlanVersion.objects.get(pk=version.pk)


def agree(version, by, moment):
    agreement = services.agreement_record(version=version, by=by, kind="agreed")
    Agreement.objects.filter(pk=agreement.pk).update(recorded_at=moment)


@pytest.fixture
def story(world):
    """Two people of North CMHT: one plan by the CMHT alone, one shared with the Recovery Team."""
    kw_mh, kw_sm = world.keyworker_mh, world.keyworker_sm
    alone = world.mh_only
    shared = world.service_user
    involved_since(alone)
    involved_since(shared)
    write(alone, kw_mh)
    v1 = publish(alone, kw_mh, at(2, 3, 10), review_due=dt.date(2026, 4, 1))
    agree(v1, kw_mh, at(10, 3, 12))  # agreed within 4 weeks
    v2 = publish(alone, kw_mh, at(30, 3, 10), review_due=dt.date(2026, 9, 1))  # the review, on time
    write(shared, kw_mh)
    write(shared, kw_sm, "Cutting down drinking.")
    s1 = publish(shared, kw_mh, at(8, 3, 23, 30), review_due=dt.date(2026, 3, 25))  # Sunday 23:30
    agree(s1, kw_mh, at(20, 4, 12))  # too late to count as agreed within 4 weeks
    return {"v1": v1, "v2": v2, "s1": s1}


def values(result, key, group_key=None):
    return {week: cell.value for (g, week), cell in result[key].items() if g == group_key}


class CarePlanMeasureTests:
    def test_it_declares_its_measures(self):
        keys = {measure.key for measure in app_measures.DASHBOARD_MEASURES}
        assert keys == {
            "careplans.published",
            "careplans.agreed",
            "careplans.multi_agency",
            "careplans.reviews_on_time",
        }
        assert set(keys) <= set(measures.definitions())

    def test_it_works_out_each_measure_for_the_team(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_A, AFTER_BST)
        assert values(result, "careplans.published") == {WEEK_A: 2, AFTER_BST: 1}
        assert values(result, "careplans.agreed") == {WEEK_A: 50.0, AFTER_BST: 0.0}
        assert values(result, "careplans.multi_agency") == {WEEK_A: 50.0, AFTER_BST: 0.0}
        # Sam's review was due on 25 March and never done; Alex's on 1 April, done on 30 March.
        assert values(result, "careplans.reviews_on_time") == {BEFORE_BST: 0.0, AFTER_BST: 100.0}
        assert result["careplans.reviews_on_time"][(None, AFTER_BST)].n == 1

    def test_a_team_counts_only_plans_of_people_it_was_involved_with_then(self, world, story):
        result = app_measures.weekly_measures([world.sm_team.pk], WEEK_A, AFTER_BST)
        assert values(result, "careplans.published") == {WEEK_A: 1}
        assert values(result, "careplans.multi_agency") == {WEEK_A: 100.0}
        # The involvement began after the plan was published: it does not count for the team.
        Involvement.objects.filter(team=world.sm_team).update(start=dt.date(2026, 3, 9))
        result = app_measures.weekly_measures([world.sm_team.pk], WEEK_A, AFTER_BST)
        assert result["careplans.published"] == {}

    def test_an_entry_added_after_publishing_does_not_make_the_version_multi_agency(self, world, story):
        PlanEntry.objects.filter(plan__service_user=world.service_user, organisation=world.sm).update(
            created_at=at(9, 3, 9)
        )
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_A, WEEK_A)
        assert values(result, "careplans.multi_agency") == {WEEK_A: 0.0}

    def test_a_person_on_two_teams_is_counted_once_for_both(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk, world.sm_team.pk], WEEK_A, WEEK_A)
        assert values(result, "careplans.published") == {WEEK_A: 2}

    def test_it_gives_one_value_per_organisation_and_nothing_leaks(self, world, story):
        teams = [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]
        result = app_measures.weekly_measures(teams, WEEK_A, AFTER_BST, group="organisation")
        assert values(result, "careplans.published", world.mh.pk) == {WEEK_A: 2, AFTER_BST: 1}
        assert values(result, "careplans.published", world.sm.pk) == {WEEK_A: 1}
        assert values(result, "careplans.reviews_on_time", world.sm.pk) == {BEFORE_BST: 0.0}
        only_sm = app_measures.weekly_measures([world.sm_team.pk], WEEK_A, AFTER_BST, group="organisation")
        assert {g for cells in only_sm.values() for g, _ in cells} == {world.sm.pk}

    def test_it_runs_two_queries_whatever_the_rows(self, world, story, django_assert_num_queries):
        teams = [world.cmht_north.pk, world.sm_team.pk]
        with django_assert_num_queries(2):
            small = app_measures.weekly_measures(teams, WEEK_A, AFTER_BST, group="organisation")
        for n in range(5):
            someone = person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"P{n}")
            involved_since(someone)
            write(someone, world.keyworker_mh)
            publish(someone, world.keyworker_mh, at(17, 3, 10), review_due=dt.date(2026, 3, 31))
        with django_assert_num_queries(2):
            large = app_measures.weekly_measures(teams, WEEK_A, AFTER_BST, group="organisation")
        published = lambda result: sum(c.value for c in result["careplans.published"].values())  # noqa: E731
        assert published(large) == published(small) + 5
        assert values(large, "careplans.reviews_on_time", world.mh.pk)[AFTER_BST] == pytest.approx(
            100 / 6, 0.01
        )


class CarePlanWeekBoundaryTests:
    def test_a_plan_published_just_after_midnight_on_monday_in_summer_time_is_in_that_week(self, world):
        involved_since(world.mh_only)
        write(world.mh_only, world.keyworker_mh)
        publish(world.mh_only, world.keyworker_mh, at(29, 3, 23, 30), review_due=dt.date(2026, 9, 1))
        publish(world.mh_only, world.keyworker_mh, at(30, 3, 0, 30), review_due=dt.date(2026, 9, 1))
        result = app_measures.weekly_measures([world.cmht_north.pk], BEFORE_BST, AFTER_BST)
        assert values(result, "careplans.published") == {BEFORE_BST: 1, AFTER_BST: 1}
