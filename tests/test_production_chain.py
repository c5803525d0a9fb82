"""Requests through production's settings and middleware, not the test suite's.

Every other test runs under dualcare/settings_test.py (test-grade defaults: no whitenoise, plain
http, no two-factor, fast hashing). This one starts a fresh Python process with production's
settings exactly as a deployment sets them (DEBUG off, a strong key, its host, HTTPS on), migrates a
scratch SQLite database, collects the static files, and sends requests through the whole chain:
the redirect to https, HSTS, the Content-Security-Policy, no-store, static files from whitenoise,
sign-in with the lockout middleware, the staff two-factor gate, and production's own 404 page.
"""

import json
import secrets

from tests.test_settings import run_python

_REQUESTS = r"""
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "dualcare.settings"
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.templatetags.static import static

assert not settings.DEBUG and not settings.TESTING
setup_test_environment()  # only adds the test client's host and keeps email in memory
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from dualcare.people.models import User

User.objects.create_user("chain.keyworker", password="a-long-enough-password-1", kind=User.Kind.STAFF)
client = Client()
seen = {"middleware": settings.MIDDLEWARE, "hashers": settings.PASSWORD_HASHERS[:1]}

plain = client.get("/accounts/login/")
seen["http"] = [plain.status_code, plain.headers.get("Location")]

page = client.get("/accounts/login/", secure=True)
seen["sign_in_page"] = {
    "status": page.status_code,
    "hsts": page.headers.get("Strict-Transport-Security", ""),
    "csp": page.headers.get("Content-Security-Policy", ""),
    "cache": page.headers.get("Cache-Control", ""),
}

css = static("css/dualcare.css")
asset = client.get(css, secure=True)
seen["static"] = {
    "url": css,
    "status": asset.status_code,
    "cache": asset.headers.get("Cache-Control", ""),
}

missing = client.get("/no-such-page/", secure=True)
body = missing.content.decode()
seen["not_found"] = {
    "status": missing.status_code,
    "project_page": "Page not found" in body,
    "debug_page": "Traceback" in body or "URLconf" in body,
}
signed_in = client.post(
    "/accounts/login/",
    {"username": "chain.keyworker", "password": "a-long-enough-password-1"},
    secure=True,
)
seen["sign_in"] = [signed_in.status_code, signed_in.headers.get("Location", "")]
home = client.get("/", secure=True)
seen["home_before_two_factor"] = [home.status_code, home.headers.get("Location", "")]

print(json.dumps(seen))
"""


def test_requests_through_production_settings_and_middleware(tmp_path):
    result = run_python(
        tmp_path,
        {
            "DEBUG": "0",
            "DUALCARE_TESTING": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "dualcare.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
            "STATIC_COMPRESS": "0",  # the same storage with a manifest, minus minutes of gzip and brotli
        },
        "-c",
        _REQUESTS,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert "whitenoise.middleware.WhiteNoiseMiddleware" in seen["middleware"]
    assert "MD5" not in seen["hashers"][0]
    # Plain http is sent to https; over https every page carries HSTS, the CSP and no-store.
    assert seen["http"] == [301, "https://testserver/accounts/login/"]
    page = seen["sign_in_page"]
    assert page["status"] == 200
    assert "max-age=31536000" in page["hsts"]
    assert "default-src 'self'" in page["csp"] and "unsafe-inline" not in page["csp"].split("script-src")[-1]
    assert "no-store" in page["cache"]
    # Static files come hashed from whitenoise, cacheable for ever, not no-store.
    static = seen["static"]
    assert static["status"] == 200 and static["url"] != "/static/css/dualcare.css"
    assert "max-age" in static["cache"] and "no-store" not in static["cache"]
    # An unknown page is production's own 404, never Django's debug page.
    assert seen["not_found"] == {"status": 404, "project_page": True, "debug_page": False}
    # Signing in works through axes; staff then meet the two-factor gate before anything else.
    assert seen["sign_in"][0] == 302
    assert seen["home_before_two_factor"][0] == 302
    assert seen["home_before_two_factor"][1].startswith("/accounts/two-factor/")
