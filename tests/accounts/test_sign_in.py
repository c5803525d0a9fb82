import json

import pytest
from django.urls import reverse

from dualcare.audit.models import AuditEvent

from .helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    # Two-factor has its own tests (test_two_factor.py); here, password sign-in alone.
    settings.REQUIRE_STAFF_2FA = False


def _signed_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


class SignInTests:
    def test_it_shows_the_sign_in_form_with_autocomplete_hints(self, client, world):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'autocomplete="username"' in html
        assert 'autocomplete="current-password"' in html
        assert 'class="nhsuk-label" for="id_username"' in html
        assert reverse("password_reset") in html
        assert "After 5 wrong tries in a row, sign-in is locked for 15 minutes." in html

    def test_it_signs_staff_in_and_goes_home(self, client, world):
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.status_code == 302
        assert response.url == reverse("home")
        assert _signed_in_user_id(client) == str(world.keyworker_mh.pk)

    def test_it_signs_service_users_and_carers_in(self, client, world):
        for username, user in (("serviceuser", world.service_user_login), ("carer", world.carer)):
            client.logout()
            response = sign_in(client, username, world.password)
            assert response.url == reverse("home")
            assert _signed_in_user_id(client) == str(user.pk)

    def test_it_audits_a_sign_in(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        event = AuditEvent.objects.get(action="auth.login")
        assert event.actor == world.keyworker_mh
        assert event.organisation == world.mh
        assert world.password not in json.dumps(event.detail)

    def test_it_refuses_a_wrong_password_with_a_clear_message(self, client, world):
        response = sign_in(client, "keyworker.mh", "not-the-password")
        assert response.status_code == 200
        html = response.content.decode()
        assert "The username or password is not right" in html
        assert 'class="nhsuk-error-summary"' in html and 'role="alert"' in html
        assert 'href="#id_username"' in html
        assert "not-the-password" not in html
        assert _signed_in_user_id(client) is None

    def test_it_audits_a_failed_sign_in_without_who_or_what_was_typed(self, client, world):
        sign_in(client, "keyworker.mh", "not-the-password")
        event = AuditEvent.objects.get(action="auth.login_failed")
        assert event.actor is None
        assert event.outcome == AuditEvent.Outcome.DENIED
        stored = json.dumps(event.detail)
        assert "keyworker" not in stored and "not-the-password" not in stored
        assert not AuditEvent.objects.filter(action="auth.login").exists()

    def test_it_asks_for_each_empty_box_and_does_not_count_it_as_a_failure(self, client, world):
        response = client.post(reverse("login"), {"username": "", "password": ""})
        html = response.content.decode()
        assert "Enter your username" in html and "Enter your password" in html
        assert 'id="id_username-error"' in html and 'aria-describedby="id_username-error"' in html
        assert not AuditEvent.objects.filter(action="auth.login_failed").exists()

    def test_it_follows_a_safe_next(self, client, world):
        response = sign_in(client, "keyworker.mh", world.password, next="/caseload/")
        assert response.url == "/caseload/"

    def test_it_ignores_a_next_that_leaves_the_site(self, client, world):
        response = sign_in(client, "keyworker.mh", world.password, next="https://evil.example/")
        assert response.url == reverse("home")

    def test_it_sends_someone_already_signed_in_on_from_the_sign_in_page(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        response = client.get(reverse("login"))
        assert response.status_code == 302
        assert response.url == reverse("home")

    def test_it_refuses_a_closed_account(self, client, world):
        world.keyworker_mh.is_active = False
        world.keyworker_mh.save(update_fields=["is_active"])
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.status_code == 200
        assert _signed_in_user_id(client) is None


class SignOutTests:
    def test_it_signs_out_on_post_and_audits_it(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert response.url == reverse("login")
        assert _signed_in_user_id(client) is None
        event = AuditEvent.objects.get(action="auth.logout")
        assert event.actor == world.keyworker_mh

    def test_it_tells_people_they_have_signed_out(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        response = client.post(reverse("logout"), follow=True)
        assert response.redirect_chain[-1][0] == reverse("login")
        assert "You have signed out." in response.content.decode()

    def test_it_does_not_sign_out_on_get(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        response = client.get(reverse("logout"))
        assert response.status_code == 405
        assert _signed_in_user_id(client) == str(world.keyworker_mh.pk)
        assert not AuditEvent.objects.filter(action="auth.logout").exists()

    def test_it_needs_the_csrf_token(self, world):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(world.keyworker_mh)
        response = client.post(reverse("logout"))
        assert response.status_code == 403
        assert _signed_in_user_id(client) == str(world.keyworker_mh.pk)
