import pytest
from django.core import mail
from django.urls import reverse

from dualcare.audit.models import AuditEvent

from .helpers import reset_link, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase"


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def _request_link(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def _set_password(client, link: str, first: str, second: str | None = None):
    form_url = client.get(link).url  # Django swaps the token for a session and redirects
    return client.post(form_url, {"new_password1": first, "new_password2": second or first})


class PasswordResetTests:
    def test_it_emails_a_link_that_sets_a_new_password(self, client, world):
        response = _request_link(client, world.keyworker_mh.email)
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [world.keyworker_mh.email]

        response = _set_password(client, reset_link(mail.outbox[0].body), NEW_PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("password_reset_complete")

        assert (
            sign_in(client, "keyworker.mh", world.password).status_code == 200
        )  # the old one no longer works
        assert sign_in(client, "keyworker.mh", NEW_PASSWORD).status_code == 302
        assert client.session.get("_auth_user_id") == str(world.keyworker_mh.pk)

    def test_it_puts_only_the_link_and_the_username_in_the_email(self, client, world):
        _request_link(client, world.service_user_login.email)
        message = mail.outbox[0]
        text = f"{message.subject}\n{message.body}"
        assert "serviceuser" in text
        assert reverse("password_reset_done") not in text
        for personal in (
            world.service_user.given_name,
            world.service_user.family_name,
            world.service_user.nhs_number,
            world.service_user_login.email,
        ):
            assert personal not in text
        assert not message.alternatives  # plain text only

    def test_it_says_the_same_and_sends_nothing_for_an_unknown_address(self, client, world):
        response = _request_link(client, "nobody@example.invalid")
        assert response.url == reverse("password_reset_done")
        assert mail.outbox == []

    def test_it_asks_for_an_email_address_in_the_right_format(self, client, world):
        response = _request_link(client, "not an address")
        html = response.content.decode()
        assert "Enter an email address in the right format" in html
        assert 'href="#id_email"' in html
        assert mail.outbox == []

    def test_it_gives_a_field_error_when_the_passwords_differ(self, client, world):
        _request_link(client, world.keyworker_mh.email)
        response = _set_password(
            client, reset_link(mail.outbox[0].body), NEW_PASSWORD, "something-else-entirely"
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "The two passwords are not the same" in html
        assert 'id="id_new_password2-error"' in html
        assert 'autocomplete="new-password"' in html
        assert sign_in(client, "keyworker.mh", world.password).status_code == 302  # unchanged

    def test_it_refuses_a_weak_password(self, client, world):
        _request_link(client, world.keyworker_mh.email)
        response = _set_password(client, reset_link(mail.outbox[0].body), "12345678")
        assert response.status_code == 200
        assert 'id="id_new_password2-error"' in response.content.decode()

    def test_it_refuses_a_link_used_already(self, client, world):
        _request_link(client, world.keyworker_mh.email)
        link = reset_link(mail.outbox[0].body)
        _set_password(client, link, NEW_PASSWORD)
        response = client.get(link, follow=True)
        assert "This link does not work" in response.content.decode()

    def test_it_audits_the_reset(self, client, world):
        _request_link(client, world.keyworker_mh.email)
        _set_password(client, reset_link(mail.outbox[0].body), NEW_PASSWORD)
        event = AuditEvent.objects.get(action="auth.password_reset")
        assert event.actor == world.keyworker_mh
        assert NEW_PASSWORD not in str(event.detail)
