import json
from base64 import b32encode
from urllib.parse import quote

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from dualcare.audit.models import AuditEvent

from .helpers import enrolled_device, sign_in, totp_code, wrong_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.REQUIRE_STAFF_2FA = True


@pytest.fixture
def not_required(settings):
    settings.REQUIRE_STAFF_2FA = False


def _two_factor_url(next_path: str | None = None) -> str:
    url = reverse("two_factor")
    return f"{url}?next={quote(next_path, safe='')}" if next_path else url


def _reaches(client, path: str) -> bool:
    """True when the page opens (after redirects, e.g. home to caseload) with no detour to two-factor."""
    response = client.get(path, follow=True)
    hops = [url for url, _ in response.redirect_chain]
    return response.status_code == 200 and not any(url.startswith(reverse("two_factor")) for url in hops)


def _enrolling_device(client, user) -> TOTPDevice:
    response = client.get(reverse("two_factor"))
    assert response.status_code == 200
    return TOTPDevice.objects.get(user=user, confirmed=False)


@pytest.mark.usefixtures("required")
class TwoFactorRequiredTests:
    def test_it_sends_staff_to_two_factor_after_sign_in(self, client, world):
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.status_code == 302
        assert response.url == reverse("two_factor")

    def test_it_keeps_unverified_staff_out_of_every_other_page(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        for path in ("/caseload/", reverse("home")):
            response = client.get(path)
            assert response.status_code == 302
            assert response.url == _two_factor_url(path)

    def test_it_shows_a_qr_code_and_the_key_for_enrolment(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        response = client.get(reverse("two_factor"))
        html = response.content.decode()
        assert "Set up two-factor sign-in" in html
        qr = html.split('class="dualcare-qr"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in qr and "<path" in qr
        device = TOTPDevice.objects.get(user=world.keyworker_mh, confirmed=False)
        secret = b32encode(device.bin_key).decode().rstrip("=")
        shown = html.split('id="totp-secret">', 1)[1].split("<", 1)[0].replace(" ", "")
        assert shown == secret
        assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
        assert response["Cache-Control"].startswith("max-age=0")

    def test_it_keeps_the_same_key_when_the_page_is_reloaded(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        first = _enrolling_device(client, world.keyworker_mh)
        second = _enrolling_device(client, world.keyworker_mh)
        assert first.pk == second.pk and first.key == second.key

    def test_it_enrols_with_a_code_from_the_app_then_lets_staff_in(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        device = _enrolling_device(client, world.keyworker_mh)
        response = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        assert response.status_code == 302
        assert response.url == reverse("home")
        device.refresh_from_db()
        assert device.confirmed
        assert _reaches(client, "/caseload/")
        assert _reaches(client, reverse("home"))

    def test_it_audits_enrolment_without_the_secret(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        device = _enrolling_device(client, world.keyworker_mh)
        code = totp_code(device)
        client.post(reverse("two_factor"), {"otp_token": code})
        event = AuditEvent.objects.get(action="auth.2fa_enrolled")
        assert event.actor == world.keyworker_mh
        stored = json.dumps(event.detail) + event.target_id
        assert device.key not in stored and code not in stored

    def test_it_gives_a_field_error_for_a_wrong_code(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        device = _enrolling_device(client, world.keyworker_mh)
        response = client.post(reverse("two_factor"), {"otp_token": wrong_code(device)})
        assert response.status_code == 200
        html = response.content.decode()
        assert "This code is not right" in html
        assert 'id="id_otp_token-error"' in html and 'href="#id_otp_token"' in html
        device.refresh_from_db()
        assert not device.confirmed
        assert client.get("/caseload/").url == _two_factor_url("/caseload/")
        assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=world.keyworker_mh).exists()

    def test_it_says_what_a_code_looks_like_when_it_is_not_6_numbers(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        _enrolling_device(client, world.keyworker_mh)
        response = client.post(reverse("two_factor"), {"otp_token": "12ab"})
        assert "The code must be 6 numbers" in response.content.decode()
        response = client.post(reverse("two_factor"), {"otp_token": ""})
        assert "Enter the 6-digit code from your authenticator app" in response.content.decode()

    def test_it_asks_enrolled_staff_for_the_code_not_a_new_setup(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        sign_in(client, "keyworker.mh", world.password)
        response = client.get(reverse("two_factor"))
        html = response.content.decode()
        assert "Enter your security code" in html
        assert "dualcare-qr" not in html and "totp-secret" not in html
        assert not TOTPDevice.objects.filter(user=world.keyworker_mh, confirmed=False).exists()
        response = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        assert response.url == reverse("home")
        assert _reaches(client, reverse("home"))

    def test_it_refuses_a_wrong_code_from_enrolled_staff(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        sign_in(client, "keyworker.mh", world.password)
        response = client.post(reverse("two_factor"), {"otp_token": wrong_code(device)})
        assert "This code is not right" in response.content.decode()
        assert not _reaches(client, reverse("home"))

    def test_it_carries_the_page_asked_for_through_sign_in(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        response = sign_in(client, "keyworker.mh", world.password, next="/caseload/")
        assert response.url == _two_factor_url("/caseload/")
        response = client.post(reverse("two_factor"), {"otp_token": totp_code(device), "next": "/caseload/"})
        assert response.url == "/caseload/"

    def test_it_ignores_a_next_that_leaves_the_site(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        sign_in(client, "keyworker.mh", world.password)
        response = client.post(
            reverse("two_factor"), {"otp_token": totp_code(device), "next": "https://evil.example/"}
        )
        assert response.url == reverse("home")

    def test_it_needs_a_new_code_in_a_new_session(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        sign_in(client, "keyworker.mh", world.password)
        client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        client.post(reverse("logout"))
        sign_in(client, "keyworker.mh", world.password)
        assert client.get(reverse("home")).url == _two_factor_url(reverse("home"))

    def test_it_does_not_ask_service_users_or_carers(self, client, world):
        for username in ("serviceuser", "carer"):
            client.logout()
            response = sign_in(client, username, world.password)
            assert response.url == reverse("home")
            assert _reaches(client, reverse("home"))
            assert client.get(reverse("two_factor")).status_code == 403
        assert not TOTPDevice.objects.exists()

    def test_it_sends_people_who_are_not_signed_in_to_sign_in(self, client, world):
        response = client.get(reverse("two_factor"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.usefixtures("not_required")
class TwoFactorNotRequiredTests:
    def test_it_lets_staff_straight_in(self, client, world):
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.url == reverse("home")
        assert _reaches(client, reverse("home"))
        assert _reaches(client, "/caseload/")

    def test_it_does_not_ask_enrolled_staff_for_a_code(self, client, world):
        enrolled_device(world.keyworker_mh)
        response = sign_in(client, "keyworker.mh", world.password)
        assert response.url == reverse("home")

    def test_it_lets_staff_enrol_if_they_choose(self, client, world):
        sign_in(client, "keyworker.mh", world.password)
        device = _enrolling_device(client, world.keyworker_mh)
        response = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        assert response.url == reverse("home")
        device.refresh_from_db()
        assert device.confirmed


@pytest.mark.usefixtures("required")
class TwoFactorThrottleTests:
    def test_it_says_to_wait_after_repeated_wrong_codes(self, client, world):
        device = enrolled_device(world.keyworker_mh)
        sign_in(client, "keyworker.mh", world.password)
        first = client.post(reverse("two_factor"), {"otp_token": wrong_code(device)})
        assert "This code is not right" in first.content.decode()
        second = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        assert "Too many wrong codes" in second.content.decode()
        assert not _reaches(client, reverse("home"))
