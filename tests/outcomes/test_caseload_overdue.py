"""'Outcome measure overdue' on the caseload (outcomes/caseload.py) says what the due list says."""

import datetime as dt

import pytest

from dualcare.people.models import Involvement, ServiceUser
from outcomes.caseload import latest_form_day_overdue, with_measure_overdue
from outcomes.schedules import add_months
from outcomes.selectors import due_for_user
from tests.factories import person

from .helpers import days_ago, make_honos, make_top

pytestmark = pytest.mark.django_db


def _begun(service_user, team, days: int) -> None:
    Involvement.objects.filter(service_user=service_user, team=team).update(start=days_ago(days))


def _flagged(user, people) -> set:
    annotated = with_measure_overdue(
        ServiceUser.objects.filter(pk__in=[p.pk for p in people]), user=user, today=days_ago(0)
    )
    return {p for p in annotated if p.measure_overdue}


def _overdue_on_the_due_list(user) -> set:
    return {
        item.involvement.service_user
        for item in due_for_user(user)
        if item.due.overdue and item.involvement.end is None
    }


def test_the_flag_matches_the_due_list_for_each_way_a_measure_falls_due(world):
    north = world.cmht_north
    no_baseline_long = person(north, key_worker=world.keyworker_mh, family_name="Nobaseline")
    _begun(no_baseline_long, north, 60)
    no_baseline_new = person(north, key_worker=world.keyworker_mh, family_name="Justbegun")
    _begun(no_baseline_new, north, 10)
    baseline_done = person(north, key_worker=world.keyworker_mh, family_name="Baselined")
    _begun(baseline_done, north, 60)
    make_honos(world, service_user=baseline_done, rated_on=days_ago(58))
    review_overdue = person(north, key_worker=world.keyworker_mh, family_name="Reviewlate")
    _begun(review_overdue, north, 240)
    make_honos(world, service_user=review_overdue, rated_on=days_ago(238))
    reviewed = person(north, key_worker=world.keyworker_mh, family_name="Reviewed")
    _begun(reviewed, north, 240)
    make_honos(world, service_user=reviewed, rated_on=days_ago(238))
    make_honos(world, service_user=reviewed, rated_on=days_ago(30), stage="review")
    # A baseline from an earlier episode, long before this one began, does not count.
    old_episode = person(north, key_worker=world.keyworker_mh, family_name="Oldepisode")
    make_honos(world, service_user=old_episode, rated_on=days_ago(400))
    _begun(old_episode, north, 60)
    everyone = [no_baseline_long, no_baseline_new, baseline_done, review_overdue, reviewed, old_episode]

    flagged = _flagged(world.keyworker_mh, everyone)
    assert flagged == {no_baseline_long, review_overdue, old_episode}
    assert flagged == _overdue_on_the_due_list(world.keyworker_mh) & set(everyone)


def test_top_is_due_for_the_drug_and_alcohol_team_and_not_for_the_cmht(world):
    both = person(world.cmht_north, key_worker=world.keyworker_mh, family_name="Twoteams")
    from dualcare.people import services

    services.involvement_start(service_user=both, team=world.sm_team, key_worker=world.keyworker_sm)
    make_honos(world, service_user=both, rated_on=days_ago(1))
    _begun(both, world.sm_team, 60)
    assert _flagged(world.keyworker_sm, [both]) == {both}
    assert _flagged(world.keyworker_mh, [both]) == set()  # the CMHT's HoNOS is done; TOP is not theirs
    make_top(world, service_user=both, completed_on=days_ago(50))
    assert _flagged(world.keyworker_sm, [both]) == set()
    assert _flagged(world.keyworker_sm, [both]) == _overdue_on_the_due_list(world.keyworker_sm) & {both}


def test_the_latest_form_day_is_exact_across_month_ends():
    for offset in range(800):
        last_due = dt.date(2025, 1, 1) + dt.timedelta(days=offset)
        for months in (3, 6, 12):
            day = latest_form_day_overdue(last_due, months)
            assert add_months(day, months) <= last_due < add_months(day + dt.timedelta(days=1), months)
