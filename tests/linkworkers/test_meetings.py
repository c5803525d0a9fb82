import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.links import absolute_url
from dualcare.notifications.models import Notification
from linkworkers import ics, pdf, selectors, services
from linkworkers.models import Action, AgendaItem, Attendance, Dispatch, Meeting, MeetingSchedule

from .conftest import CASE

pytestmark = pytest.mark.django_db

# The notify page with a search: the same whatever the caseload (20 shown in one query, one audit insert).
QUERIES_NOTIFY_SEARCH = 13


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def send_all():
    return services.dispatches_sweep(older_than=dt.timedelta(seconds=-5))


def past_meeting(w, days_ago=1):
    meeting = services.meeting_create(
        title="Last month's link meeting",
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
        duration_minutes=60,
        location="Room 1",
        chair=w.linkworker_mh,
    )
    return meeting


class ScheduleTests:
    def test_it_generates_monthly_meetings_once_on_the_same_weekday_of_the_month(self, lw):
        first = timezone.localdate() + dt.timedelta(days=3)
        schedule = services.schedule_create(
            title="Monthly link meeting",
            every=MeetingSchedule.Every.MONTH,
            first_date=first,
            starts_at=dt.time(14, 0),
            location="Room 2",
            chair=lw.linkworker_mh,
            standing_items="Training\nNews",
        )
        meetings = list(schedule.meetings.order_by("starts_at"))
        assert len(meetings) >= 2
        assert {timezone.localtime(m.starts_at).weekday() for m in meetings} == {first.weekday()}
        assert services.meetings_generate() == 0
        titles = list(meetings[0].items.values_list("title", flat=True))
        assert titles[:4] == [
            "Welcome, introductions and apologies",
            "Actions carried forward",
            "Training",
            "News",
        ]

    def test_it_refuses_an_unknown_frequency(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.schedule_create(
                title="x",
                every="yearly",
                first_date=timezone.localdate(),
                starts_at=dt.time(9),
                location="Room",
                chair=lw.linkworker_mh,
            )
        assert error.value.field == "every"

    def test_it_refuses_a_series_that_starts_in_the_past_and_makes_nothing(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.schedule_create(
                title="Started last week",
                every=MeetingSchedule.Every.MONTH,
                first_date=timezone.localdate() - dt.timedelta(days=7),
                starts_at=dt.time(9),
                location="Room",
                chair=lw.linkworker_mh,
            )
        assert (error.value.field, str(error.value)) == (
            "first_date",
            "The first meeting must be today or later.",
        )
        assert not MeetingSchedule.objects.filter(title="Started last week").exists()


class InvitationTests:
    def test_it_invites_every_link_worker_and_deputy_once_with_a_calendar_file(self, lw):
        invited = {d.recipient for d in Dispatch.objects.filter(meeting=lw.meeting, kind="invitation")}
        assert invited == {lw.linkworker_mh, lw.keyworker_mh, lw.keyworker_sm}
        send_all()
        assert send_all() == 0
        invitations = [m for m in mail.outbox if m.subject.startswith("Invitation")]
        assert len(invitations) == 3
        name, content, mimetype = invitations[0].attachments[0]
        assert name.endswith(".ics") and mimetype == "text/calendar"
        assert Notification.objects.filter(kind="linkmeeting.invitation").count() == 3

    def test_it_writes_the_calendar_text_per_rfc_5545(self, lw):
        lw.meeting.location = "Room 2, Northgate House; first floor, by the lifts " + "x" * 60
        text = ics.meeting_ics(lw.meeting, attendees=[lw.keyworker_sm])
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        unfolded = text.replace("\r\n ", "")
        fields = dict(
            line.split(":", 1)
            for line in unfolded.split("\r\n")
            if line and not line.startswith(("ORGANIZER", "ATTENDEE"))
        )
        assert fields["UID"] == f"linkmeeting-{lw.meeting.pk}@dualcare"
        start = dt.datetime.strptime(fields["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        end = dt.datetime.strptime(fields["DTEND"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        assert start == lw.meeting.starts_at and end - start == dt.timedelta(minutes=90)
        assert fields["LOCATION"].startswith("Room 2\\, Northgate House\\; first floor")
        assert "DTSTAMP" in fields and text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")

    def test_it_parses_back_with_the_icalendar_reader_when_installed(self, lw):
        icalendar = pytest.importorskip("icalendar")
        cal = icalendar.Calendar.from_ical(ics.meeting_ics(lw.meeting))
        event = next(iter(cal.walk("VEVENT")))
        assert event.decoded("DTSTART") == lw.meeting.starts_at
        assert str(event["LOCATION"]) == lw.meeting.location


class CaseNotificationTests:
    def test_it_puts_a_notified_case_on_the_agenda_named_when_every_organisation_present_has_consent(
        self, lw
    ):
        case = services.case_notify(
            meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE
        )
        assert case.agenda_item.kind == AgendaItem.Kind.CASE
        context = selectors.meeting_context(lw.meeting, viewer=lw.manager_sm)
        assert context["cases"][0].identified
        assert context["cases"][0].label == "Sam Testwell (born 14 March 1985)"

    def test_it_de_identifies_a_case_without_consent_for_every_organisation_present(self, lw):
        services.case_notify(meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **CASE)
        context = selectors.meeting_context(lw.meeting, viewer=lw.keyworker_sm)
        assert not context["cases"][0].identified
        assert "Sampleton" not in context["cases"][0].label
        assert "known to North CMHT" in context["cases"][0].label
        # The notifying key worker, who may see the record, sees the name.
        mine = selectors.meeting_context(lw.meeting, viewer=lw.keyworker_mh)
        assert "Alex Sampleton" in mine["cases"][0].label

    def test_it_refuses_a_person_off_the_caseload_and_missing_fields(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.case_notify(meeting=lw.meeting, service_user=lw.sm_only, by=lw.keyworker_mh, **CASE)
        assert error.value.field == "service_user"
        with pytest.raises(ApplicationError) as error:
            services.case_notify(
                meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **{**CASE, "question": "  "}
            )
        assert error.value.field == "question"
        assert not lw.meeting.cases.exists()

    def test_it_lets_a_key_worker_notify_from_the_page_with_field_errors(self, lw, client):
        client.force_login(lw.keyworker_mh)
        url = reverse("linkworkers:notify", args=[lw.meeting.pk])
        assert client.get(reverse("linkworkers:upcoming")).status_code == 200
        response = client.post(url, {"service_user": str(lw.mh_only.pk), **{**CASE, "question": ""}})
        assert "Enter the question for the meeting." in response.content.decode()
        response = client.post(url, {"service_user": str(lw.mh_only.pk), **CASE})
        assert response.status_code == 302
        assert lw.meeting.cases.get().service_user == lw.mh_only

    def test_notifying_from_a_persons_record_chooses_that_person(self, lw, client):
        import re

        client.force_login(lw.keyworker_mh)
        record = client.get(reverse("service_user_detail", args=[lw.mh_only.pk])).content.decode()
        coming = re.search(r'href="([^"]*)">Notify this person', record).group(1)
        assert coming == f"{reverse('linkworkers:upcoming')}?person={lw.mh_only.pk}"
        upcoming = client.get(coming).content.decode()
        notify = f"{reverse('linkworkers:notify', args=[lw.meeting.pk])}?person={lw.mh_only.pk}"
        assert f'href="{notify}"' in upcoming
        page = client.get(notify).content.decode()
        assert f'name="service_user" value="{lw.mh_only.pk}"' in page
        assert lw.mh_only.full_name in page and "Find the person" not in page

    def test_the_person_is_found_by_a_search_that_tells_two_of_one_name_apart(self, lw, client):
        # Found on a walk through the demo: a list of ~300 bare names with identical pairs, no way
        # to tell which Jo Caseworth is meant. The page now searches, and names each match with
        # their date of birth and NHS number.
        person = lw.mh_only
        person.nhs_number = "9434765919"
        person.save(update_fields=["nhs_number"])
        client.force_login(lw.keyworker_mh)
        url = reverse("linkworkers:notify", args=[lw.meeting.pk])
        page = client.get(url).content.decode()
        assert "Find the person" in page and person.full_name not in page
        assert 'name="service_user"' not in page  # nothing to notify until a person is chosen
        for query in (person.family_name, "943 476 5919", f"{person.date_of_birth:%d/%m/%Y}"):
            page = client.get(url, {"q": query}).content.decode()
            assert f'href="{url}?person={person.pk}"' in page, query
            assert f"{person.date_of_birth:%-d %B %Y}" in page and "943 476 5919" in page
        page = client.get(url, {"q": lw.sm_only.family_name}).content.decode()
        assert f"?person={lw.sm_only.pk}" not in page
        assert "No one you may notify matches your search." in page

    def test_a_search_shows_at_most_twenty_people_in_constant_queries(
        self, lw, client, django_assert_num_queries
    ):
        from dualcare.audit.models import AuditEvent
        from linkworkers.views import NOTIFY_RESULTS
        from tests.factories import person as make_person

        for n in range(NOTIFY_RESULTS + 5):
            make_person(lw.cmht_north, key_worker=lw.keyworker_mh, family_name=f"Searchby{n:02d}")
        client.force_login(lw.keyworker_mh)
        url = reverse("linkworkers:notify", args=[lw.meeting.pk])
        client.get(url, {"q": "Searchby"})
        before = AuditEvent.objects.count()
        with django_assert_num_queries(QUERIES_NOTIFY_SEARCH):
            page = client.get(url, {"q": "Searchby"}).content.decode()
        assert page.count("?person=") == NOTIFY_RESULTS
        assert f"The first {NOTIFY_RESULTS} people who match" in page
        assert AuditEvent.objects.count() - before == NOTIFY_RESULTS  # one row per person shown

    def test_a_person_not_on_the_caseload_is_not_chosen(self, lw, client):
        client.force_login(lw.keyworker_mh)
        url = reverse("linkworkers:notify", args=[lw.meeting.pk])
        for person in (str(lw.sm_only.pk), "not-an-id"):
            page = client.get(url, {"person": person}).content.decode()
            assert "Find the person" in page and 'name="service_user"' not in page
        response = client.post(url, {"service_user": str(lw.sm_only.pk), **CASE})
        page = response.content.decode()
        assert response.status_code == 200 and not lw.meeting.cases.exists()
        assert (
            '<a href="#id_q">Find and choose the person: that one is not on a caseload you may notify.</a>'
            in page
        )

    @pytest.mark.parametrize("who", ["pharmacist", "orgadmin_mh", "service_user_login", "carer"])
    def test_it_refuses_the_notify_page_to_others(self, lw, client, who):
        client.force_login(getattr(lw, who))
        assert client.get(reverse("linkworkers:notify", args=[lw.meeting.pk])).status_code == 404


class AgendaTests:
    def test_it_sends_the_agenda_7_days_and_1_day_before_once_each(self, lw):
        now = lw.meeting.starts_at - dt.timedelta(days=6)
        assert services.agendas_queue(now=now) == 3
        assert services.agendas_queue(now=now) == 0
        assert services.agendas_queue(now=lw.meeting.starts_at - dt.timedelta(hours=20)) == 3
        assert services.agendas_queue(now=lw.meeting.starts_at - dt.timedelta(hours=2)) == 0
        kinds = sorted(Dispatch.objects.filter(meeting=lw.meeting).values_list("kind", flat=True).distinct())
        assert kinds == ["agenda1", "agenda7", "invitation"]

    def test_it_builds_the_agenda_pdf_with_cases_and_carried_actions(self, lw):
        old = past_meeting(lw, days_ago=30)
        services.action_add(
            meeting=old,
            description="Share the housing pathway",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() + dt.timedelta(days=3),
            by=lw.linkworker_mh,
        )
        services.case_notify(meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE)
        services.case_notify(meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **CASE)
        text = pdf_text(pdf.agenda_pdf(lw.meeting, viewer=lw.keyworker_sm))
        assert "Agenda: Locality link meeting" in text
        assert "Share the housing pathway" in text
        assert "Sam Testwell" in text and "Sampleton" not in text
        assert "Who should lead the joint assessment?" in text
        assert "Learning and training" in text

    def test_the_emailed_agenda_names_nobody_though_the_downloaded_one_may(self, lw):
        services.case_notify(meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE)
        # Consent allows the name in DualCare, to one of an organisation holding it.
        assert "Sam Testwell" in pdf_text(pdf.agenda_pdf(lw.meeting, viewer=lw.keyworker_sm))
        send_all()  # the invitations
        assert services.agendas_queue(now=lw.meeting.starts_at - dt.timedelta(days=6)) == 3
        mail.outbox.clear()
        send_all()
        agendas = [m for m in mail.outbox if m.subject.startswith("Agenda")]
        assert agendas
        agenda_url = absolute_url(reverse("linkworkers:agenda_pdf", args=[lw.meeting.pk]))
        for message in agendas:
            # The cases stay in DualCare: a link to the agenda, no copy of it.
            assert message.attachments == []
            assert agenda_url in message.body
            assert "Testwell" not in message.body and "joint assessment" not in message.body

    def test_it_lets_only_the_chair_edit_the_agenda(self, lw, client):
        client.force_login(lw.keyworker_sm)
        assert (
            client.post(reverse("linkworkers:item_add", args=[lw.meeting.pk]), {"title": "X"}).status_code
            == 403
        )
        client.force_login(lw.linkworker_mh)
        assert (
            client.post(
                reverse("linkworkers:item_add", args=[lw.meeting.pk]), {"title": "Audit results"}
            ).status_code
            == 302
        )
        item = lw.meeting.items.get(title="Audit results")
        url = reverse("linkworkers:item_edit", args=[lw.meeting.pk, item.pk])
        assert client.post(url, {"title": "", "minutes": ""}).status_code == 200
        assert client.post(url, {"title": "Audit results 2026", "minutes": "Discussed"}).status_code == 302
        item.refresh_from_db()
        assert (item.title, item.minutes) == ("Audit results 2026", "Discussed")
        client.post(url, {"remove": "1"})
        assert not AgendaItem.objects.filter(pk=item.pk).exists()


class MinutesTests:
    def test_it_sends_the_notes_to_every_link_worker_absent_ones_included_and_lists_actions(self, lw):
        meeting = past_meeting(lw)
        services.attendance_record(
            meeting=meeting, user=lw.linkworker_mh, status="present", by=lw.linkworker_mh
        )
        services.attendance_record(
            meeting=meeting, user=lw.keyworker_sm, status="apologies", by=lw.linkworker_mh
        )
        item = meeting.items.first()
        services.item_update(
            item=item,
            by=lw.linkworker_mh,
            title=item.title,
            minutes="Welcome given.",
            decisions="Meet monthly.",
        )
        action = services.action_add(
            meeting=meeting,
            item=item,
            description="Circulate the pathway",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() + dt.timedelta(days=7),
            by=lw.linkworker_mh,
        )
        services.meeting_finalise(meeting=meeting, by=lw.linkworker_mh)
        mail.outbox.clear()
        send_all()
        notes = {m.to[0]: m for m in mail.outbox if m.subject.startswith("Notes")}
        assert lw.keyworker_sm.email in notes  # absent, sent apologies
        assert lw.keyworker_mh.email in notes  # the deputy
        # No copy of the notes leaves DualCare: the email links to them, where access is checked.
        notes_url = absolute_url(reverse("linkworkers:notes_pdf", args=[meeting.pk]))
        for message in notes.values():
            assert message.attachments == [] and notes_url in message.body
            assert "Welcome given." not in message.body and "Circulate the pathway" not in message.body
        text = pdf_text(pdf.notes_pdf(meeting, viewer=lw.keyworker_sm))
        assert "Welcome given." in text and "Meet monthly." in text and "Circulate the pathway" in text
        assert "Apologies" in text
        assert list(selectors.my_actions(lw.keyworker_sm)) == [action]
        assert Notification.objects.filter(kind="linkmeeting.action", recipient=lw.keyworker_sm).exists()
        with pytest.raises(ApplicationError):
            services.item_update(item=item, by=lw.linkworker_mh, minutes="late change")

    def test_it_requires_attendance_before_finalising_and_only_the_chair(self, lw):
        meeting = past_meeting(lw)
        with pytest.raises(ApplicationError):
            services.meeting_finalise(meeting=meeting, by=lw.linkworker_mh)
        with pytest.raises(access.Refused):
            services.meeting_finalise(meeting=meeting, by=lw.keyworker_sm)
        with pytest.raises(ApplicationError) as error:
            services.attendance_record(
                meeting=meeting, user=lw.linkworker_mh, status="deputy", by=lw.linkworker_mh
            )
        assert error.value.field == "deputy"

    def test_it_carries_open_actions_forward_until_done(self, lw):
        old = past_meeting(lw, days_ago=60)
        action = services.action_add(
            meeting=old,
            description="Audit",
            owner=lw.keyworker_sm,
            due_on=timezone.localdate() - dt.timedelta(days=2),
            by=lw.linkworker_mh,
        )
        assert action in selectors.carried_actions(lw.meeting)
        with pytest.raises(access.Refused):
            services.action_complete(action=action, by=lw.keyworker_mh)
        services.action_complete(action=action, by=lw.keyworker_sm)
        assert action not in selectors.my_actions(lw.keyworker_sm)
        later = services.meeting_create(
            title="Later",
            starts_at=timezone.now() + dt.timedelta(days=80),
            duration_minutes=60,
            location="Room",
            chair=lw.linkworker_mh,
        )
        assert action not in selectors.carried_actions(later)

    def test_it_runs_the_chairs_journey_through_the_pages(self, lw, client):
        meeting = past_meeting(lw)
        client.force_login(lw.linkworker_mh)
        assert client.get(reverse("linkworkers:meeting", args=[meeting.pk])).status_code == 200
        r = client.post(
            reverse("linkworkers:attendance", args=[meeting.pk]),
            {"user": str(lw.keyworker_sm.pk), "status": "apologies"},
        )
        assert r.status_code == 302
        assert Attendance.objects.get(meeting=meeting, user=lw.keyworker_sm).status == "apologies"
        due = timezone.localdate() + dt.timedelta(days=5)
        r = client.post(
            reverse("linkworkers:action_add", args=[meeting.pk]),
            {
                "description": "Call the GP",
                "owner": str(lw.keyworker_sm.pk),
                "due_on_day": due.day,
                "due_on_month": due.month,
                "due_on_year": due.year,
            },
        )
        assert r.status_code == 302
        assert client.post(reverse("linkworkers:finalise", args=[meeting.pk])).status_code == 302
        meeting.refresh_from_db()
        assert meeting.state == Meeting.State.FINALISED
        assert client.get(reverse("linkworkers:notes_pdf", args=[meeting.pk])).status_code == 200
        client.force_login(lw.keyworker_sm)
        page = client.get(reverse("linkworkers:my_actions")).content.decode()
        assert "Call the GP" in page
        action = Action.objects.get(description="Call the GP")
        client.post(reverse("linkworkers:action_done", args=[action.pk]))
        action.refresh_from_db()
        assert action.status == "done"

    def test_the_action_owner_choices_name_each_persons_team(self, lw, client):
        client.force_login(lw.linkworker_mh)
        form = client.get(reverse("linkworkers:action_add", args=[lw.meeting.pk])).context["form"]
        labels = {str(value): label for value, label in form.fields["owner"].choices}
        assert labels[str(lw.keyworker_sm.pk)] == f"{lw.keyworker_sm.display_name} (Recovery Team)"
        assert labels[str(lw.keyworker_mh.pk)] == f"{lw.keyworker_mh.display_name} (North CMHT)"

    def test_the_action_page_runs_the_same_queries_however_many_staff(
        self, lw, client, django_assert_num_queries
    ):
        from tests.factories import staff

        client.force_login(lw.linkworker_mh)
        url = reverse("linkworkers:action_add", args=[lw.meeting.pk])
        # session, user, has a role, the meeting, the menu's roles, unread alerts, the staff,
        # their roles in force with teams (one prefetch), the session's savepoint, save, release
        for n in range(2):
            with django_assert_num_queries(11):
                client.get(url)
            for more in range(5):
                staff(f"extra{n}{more}", lw.sm_team, "key_worker")

    def test_it_refuses_chair_pages_to_other_viewers(self, lw, client):
        client.force_login(lw.manager_mh)
        assert client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk])).status_code == 200
        assert client.post(reverse("linkworkers:finalise", args=[lw.meeting.pk])).status_code == 403
        assert client.get(reverse("linkworkers:action_add", args=[lw.meeting.pk])).status_code == 403
        client.force_login(lw.pharmacist)
        assert client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk])).status_code == 404
        assert client.get(reverse("linkworkers:ics", args=[lw.meeting.pk])).status_code == 404

    def test_it_lists_meetings_in_a_fixed_number_of_queries(self, lw, client, django_assert_num_queries):
        client.force_login(lw.linkworker_mh)
        client.get(reverse("linkworkers:meetings"))
        with django_assert_num_queries(len_queries := _count(client)):
            client.get(reverse("linkworkers:meetings"))
        for n in range(3):
            past_meeting(lw, days_ago=n + 2)
        with django_assert_num_queries(len_queries):
            client.get(reverse("linkworkers:meetings"))


def _count(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("linkworkers:meetings"))
    return len(ctx.captured_queries)


class CarePlanLinkTests:
    def test_it_links_a_case_to_the_care_plan_only_for_those_who_may_see_the_record(self, lw, client):
        services.case_notify(meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **CASE)
        plan = reverse("careplans:plan", args=[lw.mh_only.pk])
        client.force_login(lw.linkworker_mh)
        assert plan in client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk])).content.decode()
        client.force_login(lw.keyworker_sm)
        assert plan not in client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk])).content.decode()


class SchedulePageTests:
    def test_it_sets_up_a_recurring_meeting_with_field_errors(self, lw, client):
        client.force_login(lw.linkworker_mh)
        url = reverse("linkworkers:schedule")
        assert client.get(url).status_code == 200
        response = client.post(url, {"title": "Link meeting", "every": "month", "duration_minutes": "5"})
        text = response.content.decode()
        assert "Enter the start time." in text and "Enter where it meets." in text
        first = timezone.localdate() + dt.timedelta(days=5)
        data = {
            "title": "South link meeting",
            "every": "month",
            "first_date_day": first.day,
            "first_date_month": first.month,
            "first_date_year": first.year,
            "starts_at": "14:00",
            "duration_minutes": "5",
            "location": "Room 3",
        }
        response = client.post(url, data)
        assert "A meeting lasts between 15 minutes and 8 hours." in response.content.decode()
        response = client.post(url, {**data, "duration_minutes": "90"})
        assert response.status_code == 302
        schedule = MeetingSchedule.objects.get(title="South link meeting")
        assert schedule.chair == lw.linkworker_mh and schedule.meetings.count() >= 2

    @pytest.mark.parametrize("who", ["keyworker_mh_south", "orgadmin_mh", "carer"])
    def test_it_is_not_there_for_others(self, lw, client, who):
        client.force_login(getattr(lw, who))
        assert client.get(reverse("linkworkers:schedule")).status_code == 404


class CaseNamedOnlyToConsentedOrganisationsTests:
    """A case named at the meeting (every other organisation present holds care-plan consent) is
    named only to viewers of those organisations, or of the case's own; a manager of an
    organisation with no link worker at the meeting, no involvement and no consent sees it
    de-identified on the page, in the API and in the downloaded PDFs."""

    @pytest.fixture
    def charity_manager(self, lw):
        from dualcare.people.models import StaffRole
        from tests.factories import staff

        services.case_notify(meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE)
        return staff("manager.charity", lw.charity_team, StaffRole.Role.TEAM_MANAGER)

    def test_it_names_the_case_to_a_consented_organisation_only(self, lw, charity_manager):
        from dualcare import access
        from dualcare.people.models import StaffRole
        from tests.factories import TeamFactory, staff

        # A link worker of the drug and alcohol service's other team: not involved with Sam, but
        # their organisation holds Sam's care-plan consent.
        outreach_team = TeamFactory(organisation=lw.sm, name="Outreach")
        outreach = staff("linkworker.sm.outreach", outreach_team, StaffRole.Role.LINK_WORKER)
        assert not access.can_view_record(outreach, lw.service_user)
        named = selectors.meeting_context(lw.meeting, viewer=outreach)["cases"][0]
        assert named.identified and "Sam Testwell" in named.label
        unnamed = selectors.meeting_context(lw.meeting, viewer=charity_manager)["cases"][0]
        assert not unnamed.identified
        assert "Testwell" not in unnamed.label and "known to North CMHT" in unnamed.label

    def test_it_names_nobody_to_that_manager_on_the_page_in_the_api_or_in_the_pdfs(
        self, lw, charity_manager, client
    ):
        from dualcare.audit.models import AuditEvent

        client.force_login(charity_manager)
        page = client.get(reverse("linkworkers:meeting", args=[lw.meeting.pk]))
        assert page.status_code == 200 and "Testwell" not in page.content.decode()
        api = client.get(reverse("link-meeting-detail", args=[lw.meeting.pk]))
        assert api.status_code == 200
        assert "Testwell" not in api.content.decode() and str(lw.service_user.pk) not in api.content.decode()
        agenda = client.get(reverse("linkworkers:agenda_pdf", args=[lw.meeting.pk]))
        assert agenda.status_code == 200
        assert "Testwell" not in pdf_text(agenda.content) and "A person aged" in pdf_text(agenda.content)
        # Nobody was shown, so no read of the person is recorded against the manager.
        assert not AuditEvent.objects.filter(actor=charity_manager, service_user=lw.service_user).exists()

    def test_it_names_nobody_to_that_manager_in_the_notes_pdf(self, lw, charity_manager, client):
        from freezegun import freeze_time

        with freeze_time(lw.meeting.starts_at + dt.timedelta(hours=2)):
            services.attendance_record(
                meeting=lw.meeting, user=lw.linkworker_mh, status="present", by=lw.linkworker_mh
            )
            services.meeting_finalise(meeting=lw.meeting, by=lw.linkworker_mh)
            client.force_login(charity_manager)
            notes = client.get(reverse("linkworkers:notes_pdf", args=[lw.meeting.pk]))
            client.force_login(lw.keyworker_sm)
            named = client.get(reverse("linkworkers:notes_pdf", args=[lw.meeting.pk]))
        assert notes.status_code == 200 and "Testwell" not in pdf_text(notes.content)
        assert "Sam Testwell" in pdf_text(named.content)
