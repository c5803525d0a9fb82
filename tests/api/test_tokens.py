"""API tokens: stored only as a digest, they expire, they can be signed out, and there are few per user."""

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time
from knox.models import AuthToken
from rest_framework.test import APIClient

from dualcare.accounts.services import API_TOKENS_PER_USER
from dualcare.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def issue(world, username="keyworker.mh"):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": world.password})
    assert response.status_code == 200, response.content
    return response.json()


def me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/")


def test_only_a_digest_of_the_token_is_stored(world):
    token = issue(world)["token"]
    stored = AuthToken.objects.get(user=world.keyworker_mh)
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128
    assert AuditEvent.objects.filter(actor=world.keyworker_mh, action="auth.token").count() == 1


def test_a_token_says_when_it_expires_and_stops_working_after_ten_idle_hours(world):
    with freeze_time("2026-11-20 09:00:00"):
        body = issue(world)
        assert body["expiry"].startswith("2026-11-20T19:00")
    with freeze_time("2026-11-20 18:59:00"):
        assert me(body["token"]).status_code == 200  # renewed by use
    with freeze_time("2026-11-21 04:58:00"):
        assert me(body["token"]).status_code == 200
    with freeze_time("2026-11-21 15:00:00"):
        response = me(body["token"])
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}


def test_use_never_keeps_a_token_alive_beyond_seven_days(world):
    start = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    with freeze_time(start):
        token = issue(world)["token"]
    moment = start
    while moment < start + dt.timedelta(days=7) - dt.timedelta(hours=9):
        moment += dt.timedelta(hours=9)
        with freeze_time(moment):
            assert me(token).status_code == 200, moment
    with freeze_time(start + dt.timedelta(days=7, minutes=1)):
        assert me(token).status_code == 401


def test_a_signed_out_token_stops_working_at_once(world):
    token = issue(world)["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert me(token).status_code == 401
    assert not AuthToken.objects.filter(user=world.keyworker_mh).exists()
    assert AuditEvent.objects.filter(actor=world.keyworker_mh, action="auth.token_revoked").count() == 1


def test_signing_out_needs_the_token_itself(world):
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401


def test_each_sign_in_gets_its_own_token_and_the_oldest_go_past_the_limit(world):
    tokens = [issue(world)["token"] for _ in range(API_TOKENS_PER_USER + 2)]
    assert AuthToken.objects.filter(user=world.keyworker_mh).count() == API_TOKENS_PER_USER
    assert me(tokens[0]).status_code == 401
    assert me(tokens[1]).status_code == 401
    assert me(tokens[-1]).status_code == 200


def test_expired_tokens_are_cleared_at_the_next_sign_in(world):
    issue(world)
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(minutes=1))
    issue(world)
    assert AuthToken.objects.filter(user=world.keyworker_mh).count() == 1


def test_a_deactivated_user_s_token_stops_working(world):
    token = issue(world)["token"]
    world.keyworker_mh.is_active = False
    world.keyworker_mh.save(update_fields=["is_active"])
    assert me(token).status_code == 401
