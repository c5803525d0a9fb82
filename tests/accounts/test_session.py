import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from freezegun import freeze_time

from .helpers import sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def _stored_expiry(client) -> dt.datetime:
    return Session.objects.get(
        session_key=client.cookies[django_settings.SESSION_COOKIE_NAME].value
    ).expire_date


def _signed_in(client) -> bool:
    """Whether a page that needs sign-in opens, rather than sending the browser to sign in."""
    response = client.get(reverse("two_factor"))  # staff only, needs sign-in, always under /accounts/
    return response.status_code == 200


class SessionExpiryTests:
    def test_it_sets_a_30_minute_idle_limit(self, client, world):
        with freeze_time(START):
            sign_in(client, "keyworker.mh", world.password)
            assert client.session.get_expiry_age() == 1800
            assert _stored_expiry(client) == START + dt.timedelta(minutes=30)

    def test_it_moves_the_limit_on_with_each_request(self, client, world):
        with freeze_time(START):
            sign_in(client, "keyworker.mh", world.password)
        with freeze_time(START + dt.timedelta(minutes=20)):
            assert _signed_in(client)
            assert _stored_expiry(client) == START + dt.timedelta(minutes=50)
        with freeze_time(START + dt.timedelta(minutes=45)):
            assert _signed_in(client)  # 25 minutes since the last request, 45 since sign-in

    def test_it_signs_people_out_after_30_minutes_without_a_request(self, client, world):
        with freeze_time(START):
            sign_in(client, "keyworker.mh", world.password)
        with freeze_time(START + dt.timedelta(minutes=29)):
            assert _signed_in(client)
        with freeze_time(START + dt.timedelta(minutes=60)):
            response = client.get(reverse("two_factor"))
            assert response.status_code == 302
            assert response.url.startswith(reverse("login"))

    def test_it_ends_the_session_when_the_browser_closes(self, client, world):
        # No lasting cookie: the browser forgets the session when it closes, the server after 30 idle minutes.
        response = sign_in(client, "keyworker.mh", world.password)
        cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == "" and cookie["expires"] == ""
        assert cookie["httponly"]
