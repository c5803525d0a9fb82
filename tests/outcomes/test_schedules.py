"""Schedules: month ends, leap years, tolerance windows, late reviews; due lists and reminders."""

import datetime as dt

import pytest

from dualcare.notifications.models import Notification
from outcomes import selectors, services
from outcomes.schedules import add_months, next_due

from .helpers import days_ago, make_honos, make_top

D = dt.date
START = D(2026, 1, 10)


class AddMonthsTests:
    def test_it_keeps_the_day_when_the_month_has_it(self):
        assert add_months(D(2026, 1, 15), 6) == D(2026, 7, 15)

    def test_it_clamps_to_the_month_end(self):
        assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
        assert add_months(D(2026, 3, 31), 6) == D(2026, 9, 30)

    def test_it_knows_leap_years(self):
        assert add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)
        assert add_months(D(2028, 2, 29), 12) == D(2029, 2, 28)

    def test_it_crosses_years(self):
        assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


def due(done, today, *, ended_on=None, instrument="top", started_on=START):
    return next_due(
        instrument=instrument,
        started_on=started_on,
        ended_on=ended_on,
        done=done,
        today=today,
        interval_months=6,
        tolerance=14,
    )


class NextDueTests:
    def test_it_wants_a_start_top_at_the_start(self):
        item = due([], D(2026, 1, 12))
        assert item.kind == "baseline" and item.due_on == D(2026, 1, 10) and item.state == "due"

    def test_it_calls_a_missing_start_overdue_after_the_window(self):
        assert due([], D(2026, 1, 24)).state == "due"
        assert due([], D(2026, 1, 25)).state == "overdue"

    def test_it_schedules_the_review_n_months_after_the_start(self):
        item = due([(D(2026, 1, 10), "start")], D(2026, 3, 1))
        assert item.kind == "review" and item.due_on == D(2026, 7, 10) and item.state == "upcoming"
        assert due([(D(2026, 1, 10), "start")], D(2026, 6, 26)).state == "due"
        assert due([(D(2026, 1, 10), "start")], D(2026, 7, 25)).state == "overdue"

    def test_it_counts_the_next_review_from_the_latest_review(self):
        item = due([(D(2026, 1, 10), "start"), (D(2026, 8, 31), "review")], D(2026, 9, 1))
        assert item.due_on == D(2027, 2, 28)

    def test_it_wants_an_exit_form_when_the_episode_ends(self):
        item = due([(D(2026, 1, 10), "start")], D(2026, 4, 2), ended_on=D(2026, 4, 1))
        assert item.kind == "exit" and item.state == "due"
        assert (
            due([(D(2026, 1, 10), "start"), (D(2026, 4, 1), "exit")], D(2026, 4, 2), ended_on=D(2026, 4, 1))
            is None
        )

    def test_it_ignores_forms_of_an_earlier_episode(self):
        item = due([(D(2024, 1, 10), "start")], D(2026, 1, 12))
        assert item.kind == "baseline"

    def test_it_uses_honos_stages(self):
        item = due([(D(2026, 1, 10), "assessment")], D(2026, 7, 10), instrument="honos")
        assert item.kind == "review" and item.words == "HoNOS review"
        assert due([(D(2026, 1, 10), "start")], D(2026, 1, 12), instrument="honos").kind == "baseline"


@pytest.mark.django_db
class DueListTests:
    def test_it_lists_overdue_baselines_for_my_teams(self, world):
        # World involvements started today: nothing overdue yet, baselines due.
        items = selectors.due_for_user(world.keyworker_mh)
        kinds = {(item.involvement.service_user_id, item.due.instrument, item.due.kind) for item in items}
        assert (world.service_user.pk, "honos", "baseline") in kinds
        assert all(item.due.instrument == "honos" for item in items)
        later = selectors.due_for_user(world.keyworker_mh, today=days_ago(-20))
        assert all(item.due.overdue for item in later)

    def test_it_drops_a_baseline_once_recorded(self, world):
        make_honos(world)
        people = {item.involvement.service_user_id for item in selectors.due_for_user(world.keyworker_mh)}
        assert world.service_user.pk not in people and world.mh_only.pk in people

    def test_it_filters_by_key_worker_and_shows_nothing_to_outsiders(self, world):
        assert selectors.due_for_user(world.keyworker_mh, key_worker=world.keyworker_mh_south) == []
        assert selectors.due_for_user(world.outsider) == []
        assert selectors.due_for_user(world.pharmacist) == []

    def test_it_lists_in_a_constant_number_of_queries(self, world, django_assert_num_queries):
        with django_assert_num_queries(3):
            selectors.due_for_user(world.keyworker_sm)
        make_top(world)
        with django_assert_num_queries(3):
            selectors.due_for_user(world.keyworker_sm)

    def test_it_reports_team_completion(self, world):
        make_top(world)
        completion = selectors.team_completion(world.keyworker_sm, world.sm_team)
        assert completion.people == 2 and completion.baseline_done == 1


@pytest.mark.django_db
class ReminderTests:
    def test_it_reminds_the_key_worker_once_per_overdue_item(self, world, django_capture_on_commit_callbacks):
        later = days_ago(-30)
        sent = services.outcomes_send_overdue_reminders(today=later)
        assert sent >= 2
        rows = Notification.objects.filter(kind="outcomes.honos_overdue", recipient=world.keyworker_mh)
        assert rows.filter(channel="in_app").count() == 2
        assert "Sam" not in rows.first().subject and "Testwell" not in rows.first().body
        # Plain English: "Overdue: a first HoNOS ...", "due on 3 October 2026" (no leading zero).
        row = rows.filter(channel="in_app").first()
        assert row.subject.startswith("Overdue: a first HoNOS for someone in North CMHT"), row.subject
        due_on = row.body.split(" was due on ", 1)[1]
        assert not due_on.startswith("0"), row.body
        assert services.outcomes_send_overdue_reminders(today=later) == 0
        assert (
            Notification.objects.filter(
                kind="outcomes.honos_overdue", recipient=world.keyworker_mh, channel="in_app"
            ).count()
            == 2
        )

    def test_it_sends_nothing_before_the_window_closes(self, world):
        assert services.outcomes_send_overdue_reminders() == 0
        assert not Notification.objects.filter(kind__startswith="outcomes.").exists()
