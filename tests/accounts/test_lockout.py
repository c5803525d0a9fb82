import datetime as dt

import pytest
from axes.utils import reset
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from dualcare.audit.models import AuditEvent

from .helpers import reset_link, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_lockout_state(settings):
    settings.REQUIRE_STAFF_2FA = False
    reset()
    yield
    reset()


def _fail(client, username: str, times: int):
    return [sign_in(client, username, "not-the-password") for _ in range(times)]


class LockoutTests:
    def test_it_still_lets_people_try_after_4_failures(self, client, world):
        responses = _fail(client, "keyworker.mh", 4)
        assert all(r.status_code == 200 for r in responses)
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(world.keyworker_mh.pk)

    def test_it_locks_the_username_on_the_5th_failure(self, client, world):
        responses = _fail(client, "keyworker.mh", 5)
        assert [r.status_code for r in responses[:4]] == [200] * 4
        assert responses[4].status_code == 429
        assert "You cannot sign in for now" in responses[4].content.decode()

    def test_it_refuses_even_the_right_password_while_locked(self, client, world):
        _fail(client, "keyworker.mh", 5)
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.status_code == 429
        assert client.session.get("_auth_user_id") is None
        assert not AuditEvent.objects.filter(action="auth.login").exists()

    def test_it_explains_what_to_do_in_plain_words(self, client, world):
        response = _fail(client, "keyworker.mh", 5)[-1]
        html = response.content.decode()
        assert "wait 15 minutes" in html
        assert reverse("password_reset") in html
        assert "keyworker.mh" not in html  # the page does not echo the username back

    def test_it_audits_each_failure_and_the_lockout(self, client, world):
        _fail(client, "keyworker.mh", 5)
        sign_in(client, "keyworker.mh", world.password)
        events = AuditEvent.objects.filter(action="auth.login_failed")
        assert events.count() == 6
        assert events.filter(detail__locked_out=True).count() == 2
        assert not events.exclude(actor=None).exists()

    def test_it_lets_people_in_again_after_15_minutes(self, client, world):
        start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
        with freeze_time(start):
            _fail(client, "keyworker.mh", 5)
        with freeze_time(start + dt.timedelta(minutes=16)):
            response = sign_in(client, "keyworker.mh", world.password)
            assert response.status_code == 302
            assert client.session.get("_auth_user_id") == str(world.keyworker_mh.pk)

    def test_it_starts_the_15_minutes_again_after_a_try_while_locked(self, client, world):
        start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
        with freeze_time(start):
            _fail(client, "keyworker.mh", 5)
        with freeze_time(start + dt.timedelta(minutes=14)):
            assert sign_in(client, "keyworker.mh", world.password).status_code == 429
        with freeze_time(start + dt.timedelta(minutes=30)):
            assert sign_in(client, "keyworker.mh", world.password).status_code == 302

    def test_it_lifts_the_lockout_when_the_password_is_reset(self, client, world):
        _fail(client, "keyworker.mh", 5)
        client.post(reverse("password_reset"), {"email": world.keyworker_mh.email})
        link = reset_link(mail.outbox[0].body)
        form_url = client.get(link).url
        client.post(
            form_url, {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"}
        )
        response = sign_in(client, "keyworker.mh", "a-new-long-passphrase")
        assert response.status_code == 302
        assert client.session.get("_auth_user_id") == str(world.keyworker_mh.pk)
