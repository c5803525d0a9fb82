import datetime as dt

import pytest
from django.utils import timezone

from linkworkers import services
from linkworkers.models import Appointment

from .conftest import CASE

pytestmark = pytest.mark.django_db


class LinkWorkerApiTests:
    def test_it_lists_every_team_with_its_link_worker_or_a_gap(self, lw, client):
        client.force_login(lw.manager_sm)
        data = client.get("/api/v1/link-workers/coverage/").json()
        assert data["count"] == 6 and data["covered"] == 2
        teams = {row["name"]: row for row in data["results"]}
        assert teams["South CMHT"]["gap"] is True and teams["South CMHT"]["link_workers"] == []
        north = teams["North CMHT"]["link_workers"][0]
        assert north["user"]["name"] == lw.linkworker_mh.display_name
        assert north["deputy"]["name"] == lw.keyworker_mh.display_name

    def test_it_lists_appointments_paginated(self, lw, client, django_assert_max_num_queries):
        client.force_login(lw.linkworker_mh)
        data = client.get("/api/v1/link-workers/").json()
        assert data["count"] == 2 and {r["team"]["name"] for r in data["results"]} == {
            "North CMHT",
            "Recovery Team",
        }

    def test_it_appoints_for_the_org_admin_and_refuses_other_organisations(self, lw, client):
        client.force_login(lw.orgadmin_mh)
        bad = client.post(
            "/api/v1/link-workers/",
            {"team": str(lw.sm_team.pk), "user": str(lw.manager_sm.pk)},
            content_type="application/json",
        )
        assert bad.status_code == 400 and "team" in bad.json()
        missing = client.post(
            "/api/v1/link-workers/", {"team": str(lw.cmht_south.pk)}, content_type="application/json"
        )
        assert missing.status_code == 400 and "user" in missing.json()
        ok = client.post(
            "/api/v1/link-workers/",
            {"team": str(lw.cmht_south.pk), "user": str(lw.keyworker_mh_south.pk)},
            content_type="application/json",
        )
        assert ok.status_code == 201
        end = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
        ended = client.post(
            f"/api/v1/link-workers/{ok.json()['id']}/end/", {"end": end}, content_type="application/json"
        )
        assert ended.status_code == 200 and ended.json()["end"] == end

    def test_it_refuses_ending_to_others(self, lw, client):
        client.force_login(lw.linkworker_mh)
        response = client.post(
            f"/api/v1/link-workers/{lw.north_appt.pk}/end/", {}, content_type="application/json"
        )
        assert response.status_code == 403
        assert Appointment.objects.get(pk=lw.north_appt.pk).end is None

    @pytest.mark.parametrize(
        "who", ["pharmacist", "outsider", "service_user_login", "carer", "keyworker_mh_south"]
    )
    def test_it_is_a_404_for_those_with_no_part(self, lw, client, who):
        client.force_login(getattr(lw, who))
        assert client.get("/api/v1/link-workers/coverage/").status_code == 404
        assert client.get("/api/v1/link-meetings/").status_code == 404


class LinkMeetingApiTests:
    def test_it_gives_a_meeting_with_agenda_attendance_minutes_and_actions(self, lw, client):
        services.case_notify(meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **CASE)
        client.force_login(lw.keyworker_sm)
        data = client.get(f"/api/v1/link-meetings/{lw.meeting.pk}/").json()
        kinds = [item["kind"] for item in data["agenda"]]
        assert kinds[:2] == ["standing", "actions"] and kinds[-1] == "case"
        case = data["agenda"][-1]["case"]
        assert (
            case["identified"] is False and case["service_user"] is None and "Sampleton" not in case["label"]
        )
        assert {row["user"]["name"] for row in data["attendance"]} == {
            lw.linkworker_mh.display_name,
            lw.keyworker_sm.display_name,
        }

    def test_it_lists_meetings_in_a_fixed_number_of_queries(self, lw, client, django_assert_num_queries):
        client.force_login(lw.linkworker_mh)
        client.get("/api/v1/link-meetings/")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            first = client.get("/api/v1/link-meetings/").json()
        for n in range(3):
            meeting = services.meeting_create(
                title=f"P{n}",
                starts_at=timezone.now() - dt.timedelta(days=n + 3),
                duration_minutes=60,
                location="Room",
                chair=lw.linkworker_mh,
            )
            services.attendance_record(
                meeting=meeting, user=lw.keyworker_sm, status="present", by=lw.linkworker_mh
            )
        with django_assert_num_queries(len(ctx.captured_queries)):
            data = client.get("/api/v1/link-meetings/").json()
        assert data["count"] == first["count"] + 3
        assert data["results"][1]["attendance"][0]["status"] == "present"
