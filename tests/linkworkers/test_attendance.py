"""Attendance is recorded only when the chair chooses it, only once the meeting has started, and
reads the same on the page and in the notes PDF; only open actions are carried forward."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dualcare.exceptions import ApplicationError
from linkworkers import pdf, selectors, services
from linkworkers.models import Attendance, MeetingSchedule

from .test_meetings import past_meeting, pdf_text

pytestmark = pytest.mark.django_db


class AttendanceTests:
    def test_it_offers_no_default_and_records_nothing_unless_chosen(self, lw, client):
        meeting = past_meeting(lw)
        client.force_login(lw.linkworker_mh)
        page = client.get(reverse("linkworkers:meeting", args=[meeting.pk])).content.decode()
        select = page.split(f'id="status-{lw.north_appt.pk}"', 1)[1].split("</select>", 1)[0]
        assert '<option value="" selected>Choose attendance</option>' in select
        assert '<option value="present" selected' not in select
        response = client.post(
            reverse("linkworkers:attendance", args=[meeting.pk]),
            {"user": str(lw.linkworker_mh.pk), "status": ""},
            follow=True,
        )
        assert "Choose whether they came." in response.content.decode()
        assert not Attendance.objects.filter(meeting=meeting).exists()

    def test_it_refuses_attendance_before_the_meeting_starts(self, lw, client):
        with pytest.raises(ApplicationError) as error:
            services.attendance_record(
                meeting=lw.meeting, user=lw.keyworker_sm, status="present", by=lw.linkworker_mh
            )
        assert error.value.field == "status"
        assert "from the start of the meeting" in error.value.message
        client.force_login(lw.linkworker_mh)
        page = client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk])).content.decode()
        assert f'id="status-{lw.sm_appt.pk}"' not in page
        assert "Attendance can be recorded from the start of the meeting." in page
        response = client.post(
            reverse("linkworkers:attendance", args=[lw.meeting.pk]),
            {"user": str(lw.keyworker_sm.pk), "status": "present"},
            follow=True,
        )
        assert "Attendance can be recorded from the start of the meeting" in response.content.decode()
        assert not Attendance.objects.filter(meeting=lw.meeting).exists()

    def test_the_page_and_the_notes_pdf_say_the_same(self, lw, client):
        meeting = past_meeting(lw)
        services.attendance_record(
            meeting=meeting, user=lw.linkworker_mh, status="present", by=lw.linkworker_mh
        )
        client.force_login(lw.linkworker_mh)
        page = client.get(reverse("linkworkers:meeting", args=[meeting.pk]))
        rows = {a.user_id: a.attendance_label for a in page.context["link_workers"]}
        assert rows == {lw.linkworker_mh.pk: "Present", lw.keyworker_sm.pk: "Not recorded"}
        text = " ".join(pdf_text(pdf.notes_pdf(meeting, viewer=lw.linkworker_mh)).split())
        assert f"{lw.keyworker_sm.display_name} ({lw.sm_team.name}): Not recorded" in text
        assert f"{lw.linkworker_mh.display_name} ({lw.cmht_north.name}): Present" in text
        assert "Absent" not in text

    def test_it_labels_a_deputy_by_name(self, lw):
        meeting = past_meeting(lw)
        row = services.attendance_record(
            meeting=meeting,
            user=lw.linkworker_mh,
            status="deputy",
            deputy=lw.keyworker_mh,
            by=lw.linkworker_mh,
        )
        assert selectors.attendance_label(row) == f"Deputy sent ({lw.keyworker_mh.display_name})"
        assert selectors.attendance_label(None) == "Not recorded"


class CarriedActionsTests:
    def test_an_action_done_is_not_carried_forward(self, lw):
        old = past_meeting(lw, days_ago=20)
        done = services.action_add(
            meeting=old,
            description="Circulate the pathway",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() + dt.timedelta(days=3),
            by=lw.linkworker_mh,
        )
        still_open = services.action_add(
            meeting=old,
            description="Audit the referrals",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() + dt.timedelta(days=3),
            by=lw.linkworker_mh,
        )
        services.action_complete(action=done, by=lw.keyworker_sm)
        assert list(selectors.carried_actions(lw.meeting)) == [still_open]
        text = pdf_text(pdf.agenda_pdf(lw.meeting, viewer=lw.linkworker_mh))
        assert "Audit the referrals" in text and "Circulate the pathway" not in text


class CarriedActionsBySeriesTests:
    """A meeting reviews its own series' open actions, not every open action anywhere."""

    def schedule(self, lw, title):
        return services.schedule_create(
            title=title,
            every=MeetingSchedule.Every.MONTH,
            first_date=timezone.localdate() + dt.timedelta(days=1),
            starts_at=dt.time(14, 0),
            location="Room 2",
            chair=lw.linkworker_mh,
        )

    def open_action(self, lw, meeting, text):
        return services.action_add(
            meeting=meeting,
            description=text,
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() + dt.timedelta(days=40),
            by=meeting.chair,
        )

    def test_a_series_carries_forward_only_its_own_actions(self, lw):
        north, south = self.schedule(lw, "North link meeting"), self.schedule(lw, "South link meeting")
        north_first, north_second = north.meetings.order_by("starts_at")[:2]
        south_first = south.meetings.order_by("starts_at").first()
        ours = self.open_action(lw, north_first, "Share the pathway")
        self.open_action(lw, south_first, "South's own action")
        self.open_action(lw, past_meeting(lw, days_ago=5), "A one-off meeting's action")
        assert list(selectors.carried_actions(north_second)) == [ours]

    def test_a_one_off_meeting_carries_forward_its_chairs_one_off_actions(self, lw):
        mine = self.open_action(lw, past_meeting(lw, days_ago=5), "Mine")
        other = services.meeting_create(
            title="Another chair's meeting",
            starts_at=timezone.now() - dt.timedelta(days=4),
            duration_minutes=60,
            location="Room 3",
            chair=lw.keyworker_sm,
        )
        self.open_action(lw, other, "Theirs")
        series = self.schedule(lw, "A series")
        self.open_action(lw, series.meetings.order_by("starts_at").first(), "The series'")
        assert list(selectors.carried_actions(lw.meeting)) == [mine]
