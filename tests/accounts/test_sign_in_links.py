"""People in care and carers can sign in with an emailed link instead of a password (issue 20,
item 7): the link works once, for a short time, only for them; the email carries only the link."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from dualcare.audit.models import AuditEvent
from dualcare.notifications import services as notifications
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _ask(client, email: str):
    return client.post(reverse("sign_in_link"), {"email": email})


def _rows(user):
    return Notification.objects.filter(recipient=user, kind="auth.sign_in_link")


def _deliver(user) -> str:
    """Deliver the newest link email through the outbox; the link's path."""
    row = _rows(user).filter(state="pending").order_by("-created_at").first()
    assert row is not None and row.channel == "email"
    assert notifications.notification_deliver(notification_id=row.pk)
    body = mail.outbox[-1].body
    match = re.search(r"http://127\.0\.0\.1:8000(/accounts/sign-in-link/\S+/)", body)
    assert match, body
    return match.group(1)


def _open_and_press(client, path: str):
    landing = client.get(path)
    assert landing.status_code == 302  # the token goes into the session, out of the address bar
    assert landing.url == reverse("sign_in_link_open", kwargs={"token": "continue"})
    page = client.get(landing.url)
    assert page.status_code == 200
    assert b"Press the button to sign in" in page.content
    return client.post(landing.url)


class SignInLinkTests:
    def test_a_person_asks_for_a_link_and_signs_in_with_it(self, client, world):
        response = _ask(client, "SAM@example.invalid")  # as typed, any case
        assert response.status_code == 200
        assert b"Check your email" in response.content
        path = _deliver(world.service_user_login)
        assert mail.outbox[-1].to == ["sam@example.invalid"]
        response = _open_and_press(client, path)
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.get(reverse("home")).wsgi_request.user == world.service_user_login
        login = AuditEvent.objects.filter(action="auth.login", actor=world.service_user_login).get()
        assert login.detail == {"via": "sign_in_link"}

    def test_the_email_carries_only_the_link(self, client, world):
        _ask(client, world.carer.email)
        _deliver(world.carer)
        message = mail.outbox[-1]
        text = f"{message.subject}\n{message.body}"
        for personal in ("Pat", "Testwell", "carer", "Sam", "Mother"):
            assert personal not in text.replace("/accounts/", ""), personal
        assert "works once, for the next 15 minutes" in message.body

    def test_the_link_works_once(self, client, world):
        _ask(client, world.service_user_login.email)
        path = _deliver(world.service_user_login)
        assert _open_and_press(client, path).status_code == 302
        client.logout()
        again = client.get(path, follow=True)
        response = client.post(reverse("sign_in_link_open", kwargs={"token": "continue"}))
        assert again.status_code == 200 and response.status_code == 410
        assert b"This link does not work" in response.content
        assert AuditEvent.objects.filter(action="auth.sign_in_link_refused", outcome="denied").count() == 1

    def test_opening_the_link_without_pressing_does_not_use_it(self, client, world):
        # A mail scanner that opens the link must not spend it.
        _ask(client, world.service_user_login.email)
        path = _deliver(world.service_user_login)
        scanner = client.__class__()
        scanner.get(path, follow=True)
        assert _open_and_press(client, path).status_code == 302

    def test_the_link_stops_working_after_its_minutes(self, client, world):
        with freeze_time(dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)):
            _ask(client, world.service_user_login.email)
            path = _deliver(world.service_user_login)
        with freeze_time(dt.datetime(2026, 12, 4, 10, 16, tzinfo=dt.UTC)):
            assert _open_and_press(client, path).status_code == 410

    def test_a_password_change_voids_a_link_sent_before_it(self, client, world):
        _ask(client, world.service_user_login.email)
        path = _deliver(world.service_user_login)
        world.service_user_login.set_password("a-brand-new-passphrase")
        world.service_user_login.save()
        assert _open_and_press(client, path).status_code == 410

    def test_staff_are_not_sent_a_link_and_the_page_says_the_same(self, client, world):
        response = _ask(client, world.keyworker_mh.email)
        assert response.status_code == 200 and b"Check your email" in response.content
        assert not _rows(world.keyworker_mh).exists()
        assert not Notification.objects.filter(kind="auth.sign_in_link").exists()

    def test_an_unknown_address_is_sent_nothing_and_told_the_same(self, client, world):
        response = _ask(client, "nobody@example.invalid")
        assert response.status_code == 200 and b"Check your email" in response.content
        assert not Notification.objects.filter(kind="auth.sign_in_link").exists()

    def test_a_bad_address_is_an_error_at_its_field(self, client, world):
        response = _ask(client, "not an address")
        assert response.status_code == 400
        assert b"Error: Get a link to sign in" in response.content
        assert b"Enter an email address in the right format" in response.content

    def test_asking_twice_in_a_minute_sends_one_email_and_an_hour_at_most_three(self, client, world):
        person = world.service_user_login
        with freeze_time(dt.datetime(2026, 12, 4, 10, 0, 5, tzinfo=dt.UTC)):
            _ask(client, person.email)
            _ask(client, person.email)
        assert _rows(person).count() == 1
        for minute in (10, 20, 30):
            with freeze_time(dt.datetime(2026, 12, 4, 10, minute, tzinfo=dt.UTC)):
                _ask(client, person.email)
        assert _rows(person).count() == 3  # the fourth in the hour is not sent
        assert AuditEvent.objects.filter(action="auth.sign_in_link_limited", outcome="denied").count() == 1

    def test_a_closed_account_cannot_use_a_link_sent_before(self, client, world):
        _ask(client, world.service_user_login.email)
        path = _deliver(world.service_user_login)
        world.service_user_login.is_active = False
        world.service_user_login.save()
        assert _open_and_press(client, path).status_code == 410

    def test_the_sign_in_page_offers_it_and_it_can_be_switched_off(self, client, world, settings):
        assert b"get a link to sign in by email" in client.get(reverse("login")).content
        settings.SIGN_IN_LINKS = False
        assert b"get a link to sign in by email" not in client.get(reverse("login")).content
        assert client.get(reverse("sign_in_link")).status_code == 302
        _ask(client, world.service_user_login.email)
        assert not Notification.objects.filter(kind="auth.sign_in_link").exists()
