"""Sign in with NHS login (issue 20, item 7), against a real OpenID Connect provider started here:
panva's oidc-provider (tests/oidc/provider.mjs), configured as NHS login documents itself:
authorisation code with PKCE, private_key_jwt (RS512) at the token endpoint, the person's NHS
number, date of birth and proofing level from userinfo. Skipped, saying why, without Node.js or
without tests/oidc/node_modules (`npm ci --prefix tests/oidc`; `make test` and CI install it)."""

import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.urls import reverse
from joserfc.jwk import RSAKey

from dualcare.accounts import nhs_login
from dualcare.audit.models import AuditEvent

HERE = Path(__file__).resolve().parent.parent / "oidc"
NODE = shutil.which("node")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        NODE is None or not (HERE / "node_modules" / "oidc-provider").exists(),
        reason="Node.js and tests/oidc/node_modules are needed (npm ci --prefix tests/oidc)",
    ),
]

CLIENT_ID = "dualcare-tests"
CALLBACK = "http://testserver/accounts/nhs-login/callback/"
# Accounts at the provider: what NHS login would say about each.
SAM_NHS_NUMBER, SAM_BIRTHDATE = "9434765919", "1990-05-17"  # given to the world's Sam below
ACCOUNTS = {
    "sam": {
        "nhs_number": SAM_NHS_NUMBER, "birthdate": SAM_BIRTHDATE, "family_name": "Testwell",
        "identity_proofing_level": "P9",
    },
    "sam-p5": {
        "nhs_number": SAM_NHS_NUMBER, "birthdate": SAM_BIRTHDATE, "family_name": "Testwell",
        "identity_proofing_level": "P5",
    },
    "sam-wrong-birthday": {
        "nhs_number": SAM_NHS_NUMBER, "birthdate": "1970-01-01", "family_name": "Testwell",
        "identity_proofing_level": "P9",
    },
    "stranger": {
        "nhs_number": "9434765870", "birthdate": "1980-02-02", "family_name": "Nobody",
        "identity_proofing_level": "P9",
    },
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def provider(django_db_setup, django_db_blocker):
    """The provider, its issuer URL and the client's private key; stopped after the module."""
    key = RSAKey.generate_key(2048, parameters={"kid": "dualcare-test-key", "use": "sig", "alg": "RS512"})
    port = _free_port()
    config = {
        "client_id": CLIENT_ID,
        "redirect_uris": [CALLBACK],
        "jwks": {"keys": [key.as_dict(private=False)]},
        "accounts": ACCOUNTS,
    }
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_CONFIG": json.dumps(config), "NODE_ENV": "test"}
    process = subprocess.Popen(
        [NODE, str(HERE / "provider.mjs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    pytest.fail(f"the OIDC provider stopped: {process.stdout.read()}")
                time.sleep(0.2)
        yield {"issuer": f"http://127.0.0.1:{port}", "key": key.as_pem(private=True).decode("ascii")}
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def configured(provider, settings, world):
    import datetime as dt

    world.service_user.nhs_number = SAM_NHS_NUMBER
    world.service_user.date_of_birth = dt.date.fromisoformat(SAM_BIRTHDATE)
    world.service_user.save(update_fields=["nhs_number", "date_of_birth"])
    settings.NHS_LOGIN_ISSUER = provider["issuer"]
    settings.NHS_LOGIN_CLIENT_ID = CLIENT_ID
    settings.NHS_LOGIN_PRIVATE_KEY = provider["key"]
    return provider


def _form(html: str) -> tuple[str, dict]:
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    return action, fields


def _at_provider(start_url: str, account: str) -> str:
    """What a browser does at the provider: sign in as `account`, agree, and come back; the
    callback URL it is sent back to (with the code and state)."""
    browser = requests.Session()
    url = start_url
    for _ in range(12):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            if url.startswith(CALLBACK):
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        action, fields = _form(response.text)
        if 'name="login"' in response.text:
            fields.update({"login": account, "password": "any"})
        response = browser.post(urljoin(url, action), data=fields, allow_redirects=False, timeout=10)
        url = urljoin(url, response.headers["Location"])
        if url.startswith(CALLBACK):
            return url
    raise AssertionError("the provider never sent the browser back")


def _sign_in_as(client, account: str):
    start = client.get(reverse("nhs_login"))
    assert start.status_code == 302
    assert start.url.startswith(client_settings_issuer())
    back = _at_provider(start.url, account)
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def client_settings_issuer() -> str:
    from django.conf import settings

    return settings.NHS_LOGIN_ISSUER


class NhsLoginTests:
    def test_a_person_signs_in_with_nhs_login_to_the_account_their_team_made(self, client, world, configured):
        assert b"Continue to NHS login" in client.get(reverse("login")).content
        start = client.get(reverse("nhs_login"))
        query = urlsplit(start.url).query
        assert "code_challenge_method=S256" in query and "scope=openid+profile" in query
        response = _sign_in_as(client, "sam")
        assert response.status_code == 302
        assert response.url == reverse("home")
        assert client.get(reverse("home")).wsgi_request.user == world.service_user_login
        login = AuditEvent.objects.get(action="auth.login", actor=world.service_user_login)
        assert login.detail == {"via": "nhs_login"}

    def test_someone_dualcare_does_not_know_is_refused_in_plain_words(self, client, world, configured):
        response = _sign_in_as(client, "stranger")
        assert response.status_code == 403
        assert b"We could not find your DualCare account" in response.content
        assert "_auth_user_id" not in client.session
        refusal = AuditEvent.objects.get(action="auth.nhs_login_refused")
        assert refusal.detail == {"reason": "not_known"} and "9434765870" not in json.dumps(refusal.detail)

    def test_an_identity_not_fully_checked_is_refused(self, client, world, configured):
        response = _sign_in_as(client, "sam-p5")
        assert response.status_code == 403
        assert b"has not yet fully checked who you are" in response.content
        assert AuditEvent.objects.get(action="auth.nhs_login_refused").service_user == world.service_user

    def test_a_different_date_of_birth_is_refused(self, client, world, configured):
        response = _sign_in_as(client, "sam-wrong-birthday")
        assert response.status_code == 403
        assert b"do not match your DualCare account" in response.content

    def test_a_closed_account_is_refused(self, client, world, configured):
        world.service_user_login.is_active = False
        world.service_user_login.save()
        assert b"has been closed" in _sign_in_as(client, "sam").content

    def test_a_forged_or_replayed_answer_is_refused(self, client, world, configured):
        start = client.get(reverse("nhs_login"))
        back = urlsplit(_at_provider(start.url, "sam"))
        forged = re.sub(r"state=[^&]+", "state=forged", back.query)
        response = client.get(f"{back.path}?{forged}")
        assert response.status_code == 403 and b"did not work" in response.content
        assert "_auth_user_id" not in client.session

    def test_cancelling_at_nhs_login_says_so(self, client, world, configured):
        response = client.get(reverse("nhs_login_callback"), {"error": "access_denied", "state": "x"})
        assert response.status_code == 403 and b"did not finish signing in" in response.content

    def test_off_until_configured(self, client, world, settings):
        settings.NHS_LOGIN_ISSUER = ""
        assert not nhs_login.enabled()
        assert b"NHS login" not in client.get(reverse("login")).content
        assert client.get(reverse("nhs_login")).url == reverse("login")

    def test_an_unreachable_nhs_login_is_a_plain_page_not_an_error(self, client, world, settings):
        settings.NHS_LOGIN_ISSUER = f"http://127.0.0.1:{_free_port()}"
        settings.NHS_LOGIN_CLIENT_ID = CLIENT_ID
        settings.NHS_LOGIN_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----"
        response = client.get(reverse("nhs_login"))
        assert response.status_code == 403 and b"did not work" in response.content
