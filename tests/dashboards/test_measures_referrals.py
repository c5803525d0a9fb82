"""Referral measures for the dashboards: weekly, by receiving team, aggregated in the database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dualcare.dashboards import measures
from referrals import measures as app_measures
from referrals import services, sla
from referrals.models import Referral
from tests.factories import person
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
WEEK_A = dt.date(2026, 3, 2)  # a Monday in GMT
WEEK_B = dt.date(2026, 3, 9)
BEFORE_BST = dt.date(2026, 3, 23)  # clocks go forward on Sunday 29 March 2026
AFTER_BST = dt.date(2026, 3, 30)


def at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def send(world, moment, *, to_team=None, by=None, team=None, urgency="routine", name="Person") -> Referral:
    """A referral about a new person of the referring team, sent through the services and then
    dated `moment` (London time), with its deadlines worked out from that moment."""
    service_user = person(team or world.sm_team, given_name=name, family_name="Weekly")
    referral = make_referral(
        world, by=by or world.keyworker_sm, service_user=service_user, to_team=to_team, urgency=urgency
    )
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=moment,
        acknowledge_due_at=sla.due_at(moment, urgency, "acknowledge"),
        decide_due_at=sla.due_at(moment, urgency, "decide"),
    )
    referral.refresh_from_db()
    return referral


def _dated(referral, field, moment):
    Referral.objects.filter(pk=referral.pk).update(**{field: moment})
    referral.refresh_from_db()
    return referral


def acknowledge(referral, by, moment):
    return _dated(services.referral_acknowledge(referral=referral, by=by), "acknowledged_at", moment)


def accept(referral, by, moment):
    return _dated(services.referral_accept(referral=referral, by=by), "accepted_at", moment)


def withdraw(referral, by, moment):
    return _dated(services.referral_withdraw(referral=referral, by=by), "withdrawn_at", moment)


def decline(referral, by, moment, *, next_steps=""):
    declined = services.referral_decline(
        referral=referral,
        by=by,
        reason="Needs are met by another service.",
        signposting_service="Testshire Talking Therapies",
        signposting_next_steps=next_steps,
    )
    return _dated(declined, "declined_at", moment)


@pytest.fixture
def story(world):
    """Four referrals to North CMHT around the week of 2 March 2026, one to the Recovery Team."""
    kw = world.keyworker_mh
    r1 = send(world, at(2, 3, 9), name="One")  # acknowledged in 24 h, accepted next day
    acknowledge(r1, kw, at(3, 3, 9))
    accept(r1, kw, at(4, 3, 9))
    r2 = send(world, at(3, 3, 10), name="Two")  # acknowledged late (due Fri 6 March 10:00)
    acknowledge(r2, kw, at(9, 3, 10))
    decline(r2, kw, at(10, 3, 10), next_steps="Self-refer online or by phone.")
    r3 = send(world, at(8, 3, 23, 30), name="Three")  # Sunday 23:30: still week A
    decline(r3, kw, at(9, 3, 9))  # answered in 9.5 h, signposted without next steps
    r4 = send(world, at(9, 3, 0, 30), name="Four")  # Monday 00:30: week B; never answered
    # North CMHT refers someone to the Recovery Team (another organisation) in week A.
    r5 = send(
        world, at(4, 3, 11), by=world.keyworker_mh, team=world.cmht_north, to_team=world.sm_team, name="Five"
    )
    acknowledge(r5, world.keyworker_sm, at(4, 3, 15))
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5}


def values(result, key, group_key=None):
    return {week: cell.value for (g, week), cell in result[key].items() if g == group_key}


class ReferralMeasureTests:
    def test_it_declares_each_measure_once_with_the_fixed_key(self):
        keys = [measure.key for measure in app_measures.DASHBOARD_MEASURES]
        assert len(keys) == len(set(keys)) == 8
        assert "referrals.acknowledged_in_time" in keys
        assert measures.definitions()["referrals.acknowledged_in_time"].improvement == "up"
        assert measures.definitions()["referrals.hours_to_acknowledge"].improvement == "down"

    def test_it_works_out_each_measure_for_the_receiving_team(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_A, WEEK_B)
        assert values(result, "referrals.received") == {WEEK_A: 3, WEEK_B: 1}
        # r1 in time, r2 late, r3 in time; r4 is past its deadline and unanswered.
        assert values(result, "referrals.acknowledged_in_time") == {WEEK_A: 66.7, WEEK_B: 0.0}
        assert result["referrals.acknowledged_in_time"][(None, WEEK_A)].n == 3
        assert values(result, "referrals.decided_in_time") == {WEEK_A: 100.0, WEEK_B: 0.0}
        # (24 + 144 + 9.5) / 3 hours; nothing answered in week B, so no value.
        assert values(result, "referrals.hours_to_acknowledge") == {WEEK_A: 59.2}
        assert result["referrals.hours_to_acknowledge"][(None, WEEK_A)].n == 3
        # Decided: r1 accepted after 48 h, r2 declined after 168 h, r3 declined after 9.5 h.
        assert values(result, "referrals.hours_to_decide") == {WEEK_A: 75.2}
        assert result["referrals.hours_to_decide"][(None, WEEK_A)].n == 3
        assert measures.definitions()["referrals.hours_to_decide"].improvement == "down"
        assert values(result, "referrals.declined") == {WEEK_A: 66.7}
        assert values(result, "referrals.declined_signposted") == {WEEK_A: 50.0}
        # North CMHT sent one (to the Recovery Team).
        assert values(result, "referrals.sent") == {WEEK_A: 1}

    def test_it_counts_what_the_referring_team_sent(self, world, story):
        result = app_measures.weekly_measures([world.sm_team.pk], WEEK_A, WEEK_B)
        assert values(result, "referrals.sent") == {WEEK_A: 3, WEEK_B: 1}
        assert values(result, "referrals.received") == {WEEK_A: 1}
        assert values(result, "referrals.acknowledged_in_time") == {WEEK_A: 100.0}
        assert values(result, "referrals.hours_to_acknowledge") == {WEEK_A: 4.0}

    def test_it_leaves_out_weeks_outside_the_range(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_B, WEEK_B)
        assert values(result, "referrals.received") == {WEEK_B: 1}

    def test_a_referral_withdrawn_before_its_deadline_is_neither_on_time_nor_late(self, world):
        referral = send(world, at(2, 3, 9))
        withdraw(referral, world.keyworker_sm, at(3, 3, 9))
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_A, WEEK_A)
        assert values(result, "referrals.received") == {WEEK_A: 1}
        assert result["referrals.acknowledged_in_time"] == {}
        assert result["referrals.decided_in_time"] == {}

    def test_weeks_start_on_monday_london_time_across_the_clock_change(self, world):
        send(world, at(29, 3, 23, 30), name="Sunday")  # BST: 22:30 UTC on Sunday
        send(world, at(30, 3, 0, 30), name="Monday")  # BST: 23:30 UTC on Sunday, yet a Monday here
        send(world, at(23, 3, 0, 30), name="EarlyMonday")  # GMT, the week before
        result = app_measures.weekly_measures([world.cmht_north.pk], BEFORE_BST, AFTER_BST)
        assert values(result, "referrals.received") == {BEFORE_BST: 2, AFTER_BST: 1}

    def test_it_gives_one_value_per_organisation_and_nothing_leaks(self, world, story):
        teams = [world.cmht_north.pk, world.cmht_south.pk, world.sm_team.pk]
        result = app_measures.weekly_measures(teams, WEEK_A, WEEK_B, group="organisation")
        assert values(result, "referrals.received", world.mh.pk) == {WEEK_A: 3, WEEK_B: 1}
        assert values(result, "referrals.received", world.sm.pk) == {WEEK_A: 1}
        assert values(result, "referrals.sent", world.sm.pk) == {WEEK_A: 3, WEEK_B: 1}
        assert values(result, "referrals.sent", world.mh.pk) == {WEEK_A: 1}
        assert values(result, "referrals.hours_to_acknowledge", world.sm.pk) == {WEEK_A: 4.0}
        # Only the Recovery Team in scope: nothing of the mental health trust's teams appears.
        only_sm = app_measures.weekly_measures([world.sm_team.pk], WEEK_A, WEEK_B, group="organisation")
        groups = {group for cells in only_sm.values() for group, _ in cells}
        assert groups == {world.sm.pk}
        assert values(only_sm, "referrals.received", world.sm.pk) == {WEEK_A: 1}

    def test_it_runs_two_queries_whatever_the_rows(self, world, story, django_assert_num_queries):
        teams = [world.cmht_north.pk, world.sm_team.pk]
        with django_assert_num_queries(2):
            small = app_measures.weekly_measures(teams, WEEK_A, AFTER_BST, group="organisation")
        for n in range(6):
            referral = send(world, at(16 + n % 3, 3, 10), name=f"More{n}")
            acknowledge(referral, world.keyworker_mh, at(20, 3, 10))
        with django_assert_num_queries(2):
            large = app_measures.weekly_measures(teams, WEEK_A, AFTER_BST, group="organisation")
        assert sum(c.value for c in large["referrals.received"].values()) == (
            sum(c.value for c in small["referrals.received"].values()) + 6
        )

    def test_it_names_nobody(self, world, story):
        result = app_measures.weekly_measures([world.cmht_north.pk], WEEK_A, WEEK_B)
        assert "Weekly" not in repr(result)
