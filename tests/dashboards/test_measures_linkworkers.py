"""Link-worker measures for the dashboards: coverage, training in date and meeting attendance."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dualcare.dashboards import measures
from dualcare.people.models import Team
from linkworkers import measures as app_measures
from linkworkers import services
from linkworkers.models import Course, Tier

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
W0, W1, W2, W3 = (dt.date(2026, 3, 2) + dt.timedelta(weeks=n) for n in range(4))
JAN = dt.date(2026, 1, 5)


def meeting(world, when: dt.datetime, attendance: dict, *, finalise=True):
    held = services.meeting_create(
        title="Locality link meeting",
        starts_at=when,
        duration_minutes=90,
        location="Room 2",
        chair=world.linkworker_mh,
    )
    for user, status in attendance.items():
        deputy = world.outsider if status == "deputy" else None
        services.attendance_record(
            meeting=held, user=user, status=status, by=world.linkworker_mh, deputy=deputy
        )
    if finalise:
        services.meeting_finalise(meeting=held, by=world.linkworker_mh)
    return held


@pytest.fixture
def story(world):
    Team.objects.filter(pk=world.mh_admin_team.pk).update(works_with_people=False)
    services.appointment_create(team=world.cmht_north, user=world.linkworker_mh, start=JAN)
    services.appointment_create(team=world.cmht_south, user=world.keyworker_mh_south, start=JAN, end=W2)
    services.appointment_create(team=world.sm_team, user=world.keyworker_sm, start=dt.date(2026, 3, 10))
    yearly = Course.objects.create(title="Dual diagnosis update", tier=Tier.AWARENESS, refresh_months=12)
    lasting = Course.objects.create(title="Specialist practice", tier=Tier.SPECIALIST)
    three_yearly = Course.objects.create(title="Assessment", tier=Tier.ASSESSMENT, refresh_months=36)
    by = world.orgadmin_mh
    # Refresh due on Monday 9 March 2026: in date at the end of week 0, not of week 1.
    services.training_record_add(
        user=world.linkworker_mh, course=yearly, attended_on=dt.date(2025, 3, 9), by=by
    )
    services.training_record_add(
        user=world.linkworker_mh, course=three_yearly, attended_on=dt.date(2026, 3, 18), by=by
    )
    services.training_record_add(
        user=world.keyworker_mh_south, course=lasting, attended_on=dt.date(2024, 6, 1), by=by
    )
    meeting(
        world,
        dt.datetime(2026, 3, 10, 10, tzinfo=LONDON),
        {world.linkworker_mh: "present", world.keyworker_mh_south: "apologies", world.keyworker_sm: "deputy"},
    )
    meeting(
        world,
        dt.datetime(2026, 3, 23, 10, tzinfo=LONDON),
        {world.linkworker_mh: "absent", world.keyworker_sm: "present"},
    )
    # Minutes not finalised: not counted yet.
    meeting(
        world, dt.datetime(2026, 3, 17, 10, tzinfo=LONDON), {world.linkworker_mh: "absent"}, finalise=False
    )


def values(result, key, group_key=None):
    return {week: cell.value for (g, week), cell in result[key].items() if g == group_key}


def scope(world):
    return [world.cmht_north.pk, world.cmht_south.pk, world.mh_admin_team.pk, world.sm_team.pk]


class LinkWorkerMeasureTests:
    def test_it_declares_its_measures(self):
        keys = {m.key for m in app_measures.DASHBOARD_MEASURES}
        assert keys == {
            "linkworkers.teams_covered",
            "linkworkers.meeting_attendance",
            "linkworkers.training_in_date",
        }
        assert all(measures.definitions()[key].improvement == "up" for key in keys)

    def test_it_counts_teams_with_a_link_worker_at_the_end_of_each_week(self, world, story):
        result = app_measures.weekly_measures(scope(world), W0, W3)
        # Three teams work with people (not the administration team).
        assert values(result, "linkworkers.teams_covered") == {W0: 66.7, W1: 100.0, W2: 66.7, W3: 66.7}
        assert result["linkworkers.teams_covered"][(None, W0)].n == 3

    def test_for_one_team_it_says_whether_it_has_a_link_worker(self, world, story):
        result = app_measures.weekly_measures([world.cmht_south.pk], W0, W3)
        assert values(result, "linkworkers.teams_covered") == {W0: 100.0, W1: 100.0, W2: 0.0, W3: 0.0}
        admin_only = app_measures.weekly_measures([world.mh_admin_team.pk], W0, W3)
        assert admin_only["linkworkers.teams_covered"] == {}

    def test_it_counts_link_workers_with_training_in_date(self, world, story):
        result = app_measures.weekly_measures(scope(world), W0, W3)
        assert values(result, "linkworkers.training_in_date") == {W0: 100.0, W1: 33.3, W2: 50.0, W3: 50.0}
        assert result["linkworkers.training_in_date"][(None, W1)].n == 3

    def test_it_counts_attendance_at_finalised_meetings_by_the_week_they_were_held(self, world, story):
        result = app_measures.weekly_measures(scope(world), W0, W3)
        assert values(result, "linkworkers.meeting_attendance") == {W1: 66.7, W3: 50.0}

    def test_it_gives_one_value_per_organisation_and_nothing_leaks(self, world, story):
        result = app_measures.weekly_measures(scope(world), W0, W3, group="organisation")
        assert values(result, "linkworkers.teams_covered", world.mh.pk) == {
            W0: 100.0,
            W1: 100.0,
            W2: 50.0,
            W3: 50.0,
        }
        assert values(result, "linkworkers.teams_covered", world.sm.pk) == {
            W0: 0.0,
            W1: 100.0,
            W2: 100.0,
            W3: 100.0,
        }
        assert values(result, "linkworkers.meeting_attendance", world.mh.pk) == {W1: 50.0, W3: 0.0}
        assert values(result, "linkworkers.meeting_attendance", world.sm.pk) == {W1: 100.0, W3: 100.0}
        assert values(result, "linkworkers.training_in_date", world.sm.pk) == {W1: 0.0, W2: 0.0, W3: 0.0}
        only_sm = app_measures.weekly_measures([world.sm_team.pk], W0, W3, group="organisation")
        assert {g for cells in only_sm.values() for g, _ in cells} == {world.sm.pk}

    def test_it_runs_six_queries_whatever_the_rows(self, world, story, django_assert_num_queries):
        with django_assert_num_queries(6):
            app_measures.weekly_measures(scope(world), W0, W3, group="organisation")
        course = Course.objects.get(title="Dual diagnosis update")
        for n in range(4):
            services.training_record_add(
                user=world.keyworker_sm,
                course=course,
                attended_on=dt.date(2025, 6, 1 + n),
                by=world.orgadmin_mh,
            )
            meeting(world, dt.datetime(2026, 3, 3 + n, 10, tzinfo=LONDON), {world.linkworker_mh: "present"})
        with django_assert_num_queries(6):
            result = app_measures.weekly_measures(
                scope(world), W0 - dt.timedelta(weeks=30), W3, group="organisation"
            )
        assert values(result, "linkworkers.training_in_date", world.sm.pk)[W1] == 100.0


class LinkMeetingWeekBoundaryTests:
    def test_meetings_count_in_their_london_week_across_the_clock_change(self, world):
        services.appointment_create(team=world.cmht_north, user=world.linkworker_mh, start=JAN)
        services.appointment_create(team=world.sm_team, user=world.keyworker_sm, start=JAN)
        # Sunday 29 March 23:30 BST, and Monday 30 March 00:30 BST (still Sunday in UTC).
        meeting(world, dt.datetime(2026, 3, 29, 23, 30, tzinfo=LONDON), {world.linkworker_mh: "present"})
        meeting(world, dt.datetime(2026, 3, 30, 0, 30, tzinfo=LONDON), {world.keyworker_sm: "absent"})
        result = app_measures.weekly_measures(
            [world.cmht_north.pk, world.sm_team.pk], W3, W3 + dt.timedelta(weeks=1)
        )
        assert values(result, "linkworkers.meeting_attendance") == {
            W3: 100.0,
            W3 + dt.timedelta(weeks=1): 0.0,
        }
