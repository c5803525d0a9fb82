"""Service users' and carers' messages: plain words, their own only, marked as read when they
say so; staff keep the alert centre, reached from the header only."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dualcare.contacts import services as contact_services
from dualcare.notifications import services
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db
URL = "/messages/"
JARGON = ("alert", "contact", "acknowledge", "quadrant", "honos")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def remind(world, hours=20):
    contact_services.appointment_create(
        by=world.keyworker_mh,
        service_user=world.service_user,
        kind="key_worker",
        team=world.cmht_north,
        staff=world.keyworker_mh,
        starts_at=timezone.now() + dt.timedelta(hours=hours),
        place="North CMHT base, room 2",
    )
    contact_services.reminders_send()
    return Notification.objects.get(recipient=world.service_user_login, kind="contacts.reminder")


def message_to(user, key="test:message:1", subject="Your care plan has been updated"):
    return services.notify(
        event_key=key, recipients=[user], kind="test.message", subject=subject, channels=("in_app",)
    )[0]


class MessagesPageTests:
    def test_the_person_sees_their_reminders_in_plain_words(self, client, world):
        reminder = remind(world)
        client.force_login(world.service_user_login)
        page = client.get(URL).content.decode()
        assert (
            "Reminders and updates" in page
            and reminder.subject in page
            and "1 new reminder or update" in page
        )
        assert "North CMHT base, room 2" in page
        text = visible_text(page).lower()
        for word in JARGON:
            assert word not in text, word

    def test_it_is_in_their_menu_with_the_number_new(self, client, world):
        remind(world)
        client.force_login(world.service_user_login)
        page = client.get("/contacts/mine/").content.decode()
        assert 'href="/messages/"' in page and "Reminders and updates (1 new)" in page
        assert 'href="/alerts/"' not in page

    def test_marking_one_as_read(self, client, world):
        reminder = remind(world)
        other = message_to(world.service_user_login)
        client.force_login(world.service_user_login)
        response = client.post(f"{URL}read/", {"message": str(reminder.pk)}, follow=True)
        assert "Marked as read." in response.content.decode()
        reminder.refresh_from_db()
        other.refresh_from_db()
        assert reminder.read_at is not None and other.read_at is None
        assert "1 new reminder or update" in response.content.decode()

    def test_marking_all_as_read(self, client, world):
        remind(world)
        message_to(world.service_user_login)
        client.force_login(world.service_user_login)
        client.post(f"{URL}read/", {"all": "1"})
        assert not Notification.objects.filter(
            recipient=world.service_user_login, read_at__isnull=True
        ).exists()
        assert "You have nothing new." in client.get(URL).content.decode()

    def test_nobody_marks_someone_elses_message(self, client, world):
        theirs = message_to(world.keyworker_mh)
        client.force_login(world.service_user_login)
        client.post(f"{URL}read/", {"message": str(theirs.pk)})
        client.post(f"{URL}read/", {"message": "not-a-uuid"})
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_only_their_own_messages_are_listed(self, client, world):
        message_to(world.keyworker_mh, subject="Someone else's news")
        client.force_login(world.service_user_login)
        assert "Someone else" not in client.get(URL).content.decode()

    def test_carers_have_the_same_page(self, client, world):
        message_to(world.carer, subject="A message for the carer")
        client.force_login(world.carer)
        page = client.get(URL).content.decode()
        assert "A message for the carer" in page and "Reminders and updates (1 new)" in page

    def test_staff_are_sent_to_the_alert_centre_and_people_away_from_it(self, client, world):
        client.force_login(world.keyworker_mh)
        assert client.get(URL)["Location"] == "/alerts/"
        client.force_login(world.service_user_login)
        assert client.get("/alerts/")["Location"] == URL

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(URL)
        assert response.status_code == 302 and "/accounts/" in response["Location"]

    def test_queries_do_not_grow_with_messages(self, client, world, django_assert_max_num_queries):
        client.force_login(world.service_user_login)
        message_to(world.service_user_login, key="test:first")
        with django_assert_max_num_queries(40) as first:
            client.get(URL)
        for number in range(30):
            message_to(world.service_user_login, key=f"test:more:{number}")
        with django_assert_max_num_queries(len(first.captured_queries)):
            client.get(URL)


class StaffNavigationTests:
    def test_staff_reach_alerts_from_the_header_only(self, client, world):
        client.force_login(world.keyworker_mh)
        page = client.get("/contacts/").content.decode()
        assert page.count('href="/alerts/"') == 1
        assert "nhsuk-header__account-link" in page
