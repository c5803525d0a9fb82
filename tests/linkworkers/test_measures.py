import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linkworkers import selectors, services

from .conftest import CASE

pytestmark = pytest.mark.django_db


class MeasuresTests:
    def test_it_measures_coverage_attendance_cases_ahead_and_actions_on_time(self, lw):
        services.case_notify(meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE)
        past = services.meeting_create(
            title="Past",
            starts_at=timezone.now() - dt.timedelta(days=20),
            duration_minutes=60,
            location="Room",
            chair=lw.linkworker_mh,
        )
        services.attendance_record(meeting=past, user=lw.linkworker_mh, status="present", by=lw.linkworker_mh)
        services.attendance_record(
            meeting=past, user=lw.keyworker_sm, status="apologies", by=lw.linkworker_mh
        )
        on_time = services.action_add(
            meeting=past,
            description="A",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() - dt.timedelta(days=5),
            by=lw.linkworker_mh,
        )
        services.action_add(
            meeting=past,
            description="B",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() - dt.timedelta(days=5),
            by=lw.linkworker_mh,
        )
        services.meeting_finalise(meeting=past, by=lw.linkworker_mh)
        services.action_complete(
            action=on_time, by=lw.keyworker_sm, on=timezone.localdate() - dt.timedelta(days=6)
        )
        m = selectors.measures()
        assert (m["teams_covered"], m["teams_total"]) == (2, 6)
        assert m["attendance_per_meeting"][0]["came"] == 1 and m["attendance_per_meeting"][0]["recorded"] == 2
        teams = {row["team_name"]: row for row in m["attendance_per_team"]}
        assert teams["Recovery Team"]["came"] == 0 and teams["North CMHT"]["came"] == 1
        assert (m["cases_ahead"], m["cases_total"]) == (1, 1)
        assert (m["actions_on_time"], m["actions_due"]) == (1, 2)

    def test_it_aggregates_in_a_fixed_number_of_queries(self, lw, django_assert_num_queries):
        with django_assert_num_queries(6):
            selectors.measures()
        for n in range(3):
            services.meeting_create(
                title=f"P{n}",
                starts_at=timezone.now() - dt.timedelta(days=n + 3),
                duration_minutes=60,
                location="Room",
                chair=lw.linkworker_mh,
            )
        with django_assert_num_queries(6):
            selectors.measures()

    @pytest.mark.parametrize(
        "who,status",
        [
            ("linkworker_mh", 200),
            ("manager_sm", 200),
            ("keyworker_mh_south", 404),
            ("keyworker_mh", 200),
            ("carer", 404),
        ],
    )
    def test_it_shows_the_measures_page_to_link_workers_and_managers(self, lw, client, who, status):
        client.force_login(getattr(lw, who))
        assert client.get(reverse("linkworkers:measures")).status_code == status
