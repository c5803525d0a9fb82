"""Contact pages and the alert centre: who may use each, what they show, one-tap recording."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.contacts import services
from dualcare.notifications.models import Notification

from .helpers import appointment, collection, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_collection(world):
    return collection(world, schedule(world), timezone.localdate())


class PharmacyTodayTests:
    URL = "/contacts/pharmacy/"

    def test_the_pharmacist_sees_todays_collections_with_one_tap_buttons(
        self, client, world, today_collection
    ):
        client.force_login(world.pharmacist)
        page = client.get(self.URL).content.decode()
        assert "Sam Testwell" in page and "60 mg" in page
        assert f'action="/contacts/{today_collection.pk}/record/"' in page
        assert 'value="missed"' in page and 'value="attended"' in page

    def test_one_tap_records_a_miss_and_tells_the_care_team(self, client, world, today_collection):
        client.force_login(world.pharmacist)
        response = client.post(
            f"/contacts/{today_collection.pk}/record/",
            {"outcome": "missed", "return_to": "pharmacy"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == self.URL
        assert "recorded as missed" in response.content.decode()
        assert Notification.objects.filter(
            recipient=world.keyworker_sm, kind="contacts.missed_collection"
        ).exists()

    def test_other_roles_get_404(self, client, world, today_collection):
        for someone in (
            world.keyworker_sm,
            world.manager_mh,
            world.orgadmin_mh,
            world.service_user_login,
            world.carer,
        ):
            client.force_login(someone)
            assert client.get(self.URL).status_code == 404

    def test_anonymous_is_sent_to_sign_in(self, client):
        assert client.get(self.URL).status_code == 302

    def test_queries_do_not_grow_with_rows(self, client, world, django_assert_max_num_queries):
        from dualcare.people import services as people_services
        from tests.factories import person

        client.force_login(world.pharmacist)
        today = timezone.localdate()
        collection(world, schedule(world), today)
        with django_assert_max_num_queries(40) as first:
            client.get(self.URL)
        for n in range(5):
            someone = person(
                world.sm_team, key_worker=world.keyworker_sm, given_name=f"P{n}", family_name="Extra"
            )
            people_services.involvement_start(service_user=someone, team=world.pharmacy_team)
            sched = services.supervised_consumption_start(
                by=world.keyworker_sm,
                service_user=someone,
                pharmacy_team=world.pharmacy_team,
                prescribing_team=world.sm_team,
                medicine="Buprenorphine",
                dose="8",
                start=today,
            )
            services.collections_generate(day=today, schedule_ids=[sched.pk])
        with django_assert_max_num_queries(len(first.captured_queries)):
            assert client.get(self.URL).content.decode().count("Extra") >= 5


class RecordPageTests:
    def test_a_key_worker_cannot_record_another_teams_collection(self, client, world, today_collection):
        client.force_login(world.keyworker_sm)
        assert (
            client.post(f"/contacts/{today_collection.pk}/record/", {"outcome": "missed"}).status_code == 403
        )

    def test_staff_who_cannot_see_it_get_404_and_service_users_too(self, client, world, today_collection):
        for someone in (world.keyworker_mh, world.outsider, world.service_user_login):
            client.force_login(someone)
            assert (
                client.post(f"/contacts/{today_collection.pk}/record/", {"outcome": "missed"}).status_code
                == 404
            )

    def test_get_is_not_allowed(self, client, world, today_collection):
        client.force_login(world.pharmacist)
        assert client.get(f"/contacts/{today_collection.pk}/record/").status_code == 405


class AppointmentsTests:
    URL = "/contacts/"

    def test_the_key_worker_sees_and_records_their_teams_appointments(self, client, world):
        contact = appointment(world)
        client.force_login(world.keyworker_mh)
        page = client.get(self.URL).content.decode()
        assert "Sam Testwell" in page and "North CMHT base" in page
        client.post(f"/contacts/{contact.pk}/record/", {"outcome": "attended", "return_to": "appointments"})
        contact.refresh_from_db()
        assert contact.outcome == "attended"

    def test_pharmacists_admins_people_and_carers_get_404(self, client, world):
        for someone in (world.pharmacist, world.orgadmin_mh, world.service_user_login, world.carer):
            client.force_login(someone)
            assert client.get(self.URL).status_code == 404

    @pytest.mark.parametrize(
        ("bad", "message"),
        [
            ("notadate", "Enter the day the week starts as year-month-day, like 2026-03-14."),
            ("9999-12-31", "Enter a day within 5 years of today."),
        ],
    )
    def test_a_bad_day_is_a_message_at_the_field_and_the_week_from_today_shows(
        self, client, world, bad, message
    ):
        appointment(world)
        client.force_login(world.keyworker_mh)
        response = client.get(self.URL, {"from": bad, "q": "testwell"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "<title>Error: Appointments" in html
        assert f'<a href="#from">{message}</a>' in html and 'id="from-error"' in html
        assert response.context["start"] == timezone.localdate()
        assert "Sam Testwell" in html  # the search still applies
        assert f"?from={(timezone.localdate() + dt.timedelta(days=7)):%Y-%m-%d}&amp;q=testwell" in html

    def test_a_good_day_shows_its_week_without_an_error(self, client, world):
        appointment(world, hours=-24 * 10)
        client.force_login(world.keyworker_mh)
        day = timezone.localdate() - dt.timedelta(days=11)
        response = client.get(self.URL, {"from": day.isoformat()})
        assert response.context["start"] == day and "Error:" not in response.content.decode()
        assert "Sam Testwell" in response.content.decode()


class DisengagedTests:
    URL = "/contacts/disengaged/"

    def test_it_lists_people_with_no_recent_attended_contact(self, client, world):
        from dualcare.people.models import Involvement

        Involvement.objects.filter(service_user=world.mh_only).update(
            start=timezone.localdate() - dt.timedelta(days=40)
        )
        client.force_login(world.keyworker_mh)
        page = client.get(self.URL).content.decode()
        assert "Alex Sampleton" in page and "Sam Testwell" not in page
        services.contact_record(
            contact=appointment(world, person=world.mh_only), by=world.keyworker_mh, outcome="attended"
        )
        assert "Alex Sampleton" not in client.get(self.URL).content.decode()

    def test_people_the_viewer_cannot_see_are_not_listed(self, client, world):
        from dualcare.people.models import Involvement

        Involvement.objects.update(start=timezone.localdate() - dt.timedelta(days=40))
        client.force_login(world.keyworker_sm)
        page = client.get(self.URL).content.decode()
        assert "Jo Mockridge" in page and "Alex Sampleton" not in page and "Kit Exampleby" not in page

    def test_other_roles_get_404(self, client, world):
        for someone in (world.pharmacist, world.orgadmin_mh, world.service_user_login, world.carer):
            client.force_login(someone)
            assert client.get(self.URL).status_code == 404


class MyAppointmentsTests:
    URL = "/contacts/mine/"

    def test_the_person_sees_their_appointments_in_plain_words(self, client, world):
        appointment(world, hours=30)
        appointment(world, hours=30, person=world.mh_only)
        client.force_login(world.service_user_login)
        page = client.get(self.URL).content.decode()
        assert "Your appointments" in page and "A meeting with your key worker at North CMHT" in page
        assert page.count("nhsuk-card__heading") == 1

    def test_staff_and_carers_get_404(self, client, world):
        for someone in (world.keyworker_mh, world.pharmacist, world.carer):
            client.force_login(someone)
            assert client.get(self.URL).status_code == 404


class AlertCentreTests:
    def raise_alert(self, world, today_collection):
        services.contact_record(contact=today_collection, by=world.pharmacist, outcome="missed")
        return Notification.objects.get(recipient=world.keyworker_sm, channel="in_app")

    def test_the_recipient_reads_and_acknowledges_with_a_note(self, client, world, today_collection):
        alert = self.raise_alert(world, today_collection)
        client.force_login(world.keyworker_sm)
        listing = client.get("/alerts/").content.decode()
        assert "You have 1 unread alert" in listing and alert.subject in listing
        page = client.get(f"/alerts/{alert.pk}/").content.decode()
        assert "What did you do?" in page and f"/people/{world.service_user.pk}/" in page
        missing = client.post(f"/alerts/{alert.pk}/", {"note": ""}).content.decode()
        assert "There is a problem" in missing and "Say what you did about this alert." in missing
        response = client.post(f"/alerts/{alert.pk}/", {"note": "Phoned the pharmacy and Sam."})
        assert response.status_code == 302
        alert.refresh_from_db()
        assert alert.acknowledged_by == world.keyworker_sm and alert.read_at is not None
        assert "Phoned the pharmacy" in client.get(f"/alerts/{alert.pk}/").content.decode()

    def test_someone_elses_alert_is_404(self, client, world, today_collection):
        alert = self.raise_alert(world, today_collection)
        for someone in (world.manager_sm, world.keyworker_mh, world.pharmacist, world.service_user_login):
            client.force_login(someone)
            assert client.get(f"/alerts/{alert.pk}/").status_code == 404
            assert client.post(f"/alerts/{alert.pk}/", {"note": "x"}).status_code == 404

    def test_the_unread_count_tag_shows_the_number(self, client, world, today_collection, rf):
        from django.template import Context, Template

        self.raise_alert(world, today_collection)
        request = rf.get("/")
        request.user = world.keyworker_sm
        html = Template("{% load notification_tags %}{% unread_alerts %}").render(
            Context({"request": request})
        )
        assert 'href="/alerts/"' in html and "1<span" in html


class BookingTests:
    def url(self, world):
        return f"/contacts/people/{world.service_user.pk}/appointments/new/"

    def test_the_key_worker_books_an_appointment(self, client, world):
        client.force_login(world.keyworker_mh)
        assert "Book an appointment" in client.get(self.url(world)).content.decode()
        day = timezone.localdate() + dt.timedelta(days=3)
        response = client.post(
            self.url(world),
            {
                "team": str(world.cmht_north.pk),
                "kind": "home_visit",
                "day_day": day.day,
                "day_month": day.month,
                "day_year": day.year,
                "time": "14:30",
                "place": "Home",
            },
        )
        assert response.status_code == 302
        contact = world.service_user.contacts.get()
        assert contact.kind == "home_visit" and timezone.localtime(contact.starts_at).hour == 14

    def _book(self, client, world, day):
        return client.post(
            self.url(world),
            {
                "team": str(world.cmht_north.pk),
                "kind": "home_visit",
                "day_day": day.day,
                "day_month": day.month,
                "day_year": day.year,
                "time": "14:30",
                "place": "Home",
            },
            follow=True,
        )

    def test_it_promises_a_reminder_only_for_an_appointment_still_to_come(self, client, world):
        client.force_login(world.keyworker_mh)
        past = self._book(client, world, timezone.localdate() - dt.timedelta(days=7)).content.decode()
        assert "no reminder will be sent" in past and "reminded" not in past
        coming = self._book(client, world, timezone.localdate() + dt.timedelta(days=7)).content.decode()
        assert "They will be sent a reminder before it." in coming and "the day before" not in coming

    def test_bad_input_gets_field_errors_and_nothing_saved(self, client, world):
        client.force_login(world.keyworker_mh)
        page = client.post(
            self.url(world), {"team": str(world.cmht_north.pk), "time": "half two"}
        ).content.decode()
        assert "There is a problem" in page and "Enter the time like 14:30." in page
        assert "Choose the kind of appointment." in page and "Enter the date." in page
        assert not world.service_user.contacts.exists()

    def test_staff_who_do_not_work_with_the_person_and_others_get_404(self, client, world):
        for someone in (world.outsider, world.keyworker_mh_south, world.pharmacist, world.service_user_login):
            client.force_login(someone)
            assert client.get(self.url(world)).status_code == 404


class SupervisedConsumptionPageTests:
    def url(self, world):
        return f"/contacts/people/{world.service_user.pk}/supervised-consumption/new/"

    def test_the_prescribing_team_sets_it_up(self, client, world):
        client.force_login(world.keyworker_sm)
        start = timezone.localdate()
        response = client.post(
            self.url(world),
            {
                "prescribing_team": str(world.sm_team.pk),
                "pharmacy_team": str(world.pharmacy_team.pk),
                "medicine": "Methadone oral solution 1 mg/ml",
                "dose": "60",
                "days_of_week": ["0", "1", "2", "3", "4", "5", "6"],
                "start_day": start.day,
                "start_month": start.month,
                "start_year": start.year,
            },
        )
        assert response.status_code == 302
        sched = world.service_user.supervised_consumptions.get()
        assert sched.dose_display == "60 mg" and sched.days_display == "Every day"

    def test_a_dose_out_of_range_is_a_field_error(self, client, world):
        client.force_login(world.keyworker_sm)
        page = client.post(
            self.url(world), {"prescribing_team": str(world.sm_team.pk), "dose": "900"}
        ).content.decode()
        assert (
            "Enter a dose of no more than 300 mg." in page and "Choose at least one day of the week." in page
        )
        assert not world.service_user.supervised_consumptions.exists()

    def test_others_get_404(self, client, world):
        for someone in (world.outsider, world.pharmacist, world.orgadmin_mh, world.carer):
            client.force_login(someone)
            assert client.get(self.url(world)).status_code == 404
