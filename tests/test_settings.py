"""Settings come from the environment and fail loudly: each case starts a fresh Python process."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# Variables that would leak from the developer's or CI's shell into a case.
_CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "REDIS_URL",
    "REDIS_URL_FILE",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_URL_FILE",
    "EMAIL_URL",
    "EMAIL_URL_FILE",
    "HTTPS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_PROXY",
    "DJANGO_SETTINGS_MODULE",
    "PYTEST_ADDOPTS",
    # Set by the browser tests' conftest for Playwright; check --deploy rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

_PRINT_SETTINGS = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")
import django
django.setup()
from django.conf import settings
print(json.dumps({name: str(getattr(settings, name, None)) for name in sys.argv[1:]}))
"""


def strong_key() -> str:
    return secrets.token_urlsafe(64)


def run_python(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run Python in the project with only `env` set on top of a clean environment."""
    base = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    # Outside pytest the settings are production-grade unless told otherwise.
    base["DUALCARE_TESTING"] = "0"
    base["DUALCARE_VAR_DIR"] = str(tmp_path / "var")
    base.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(tmp_path: Path, env: dict[str, str], *names: str) -> dict[str, str]:
    result = run_python(tmp_path, env, "-c", _PRINT_SETTINGS, *names)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def failure_of(tmp_path: Path, env: dict[str, str]) -> str:
    result = run_python(tmp_path, env, "-c", _PRINT_SETTINGS, "DEBUG")
    assert result.returncode != 0, f"settings started when they should have refused: {result.stdout}"
    return result.stderr


class SecretKeyTests:
    def test_it_refuses_to_start_with_debug_off_and_no_secret_key(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "0"})
        assert "ImproperlyConfigured" in stderr
        assert "SECRET_KEY must be set" in stderr

    def test_it_refuses_a_short_secret_key_in_production(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "0", "SECRET_KEY": "too-short"})
        assert "SECRET_KEY is too weak" in stderr

    def test_it_refuses_the_demo_key_in_production(self, tmp_path):
        stderr = failure_of(
            tmp_path, {"DEBUG": "0", "SECRET_KEY": "insecure-demo-key-only-for-debug-and-tests"}
        )
        assert "SECRET_KEY is too weak" in stderr

    def test_it_starts_with_debug_on_and_nothing_else_set(self, tmp_path):
        values = settings_of(tmp_path, {"DEBUG": "1"}, "DEBUG", "CELERY_BROKER_URL", "DATABASES")
        assert values["DEBUG"] == "True"
        assert values["CELERY_BROKER_URL"] == "filesystem://"
        assert "sqlite3" in values["DATABASES"]

    def test_it_reads_the_secret_key_from_secret_key_file(self, tmp_path):
        key = strong_key()
        key_file = tmp_path / "secret_key"
        key_file.write_text(key + "\n")
        values = settings_of(
            tmp_path, {"DEBUG": "0", "SECRET_KEY_FILE": str(key_file), "SECRET_KEY": "ignored"}, "SECRET_KEY"
        )
        assert values["SECRET_KEY"] == key

    def test_it_fails_loudly_when_secret_key_file_is_missing(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "0", "SECRET_KEY_FILE": str(tmp_path / "absent")})
        assert "SECRET_KEY_FILE" in stderr
        assert "cannot be read" in stderr


class BadValueTests:
    @pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
    def test_it_fails_loudly_on_a_bad_boolean(self, tmp_path, value):
        stderr = failure_of(tmp_path, {"DEBUG": value})
        assert "DEBUG must be a boolean" in stderr
        assert repr(value) in stderr

    def test_it_fails_loudly_on_a_bad_boolean_other_than_debug(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "1", "AXES_ENABLED": "sometimes"})
        assert "AXES_ENABLED must be a boolean" in stderr

    @pytest.mark.parametrize(
        "name", ["SESSION_IDLE_SECONDS", "LOGIN_FAILURE_LIMIT", "CELERY_TASK_TIME_LIMIT"]
    )
    def test_it_fails_loudly_on_a_bad_whole_number(self, tmp_path, name):
        stderr = failure_of(tmp_path, {"DEBUG": "1", name: "thirty"})
        assert f"{name} must be a whole number" in stderr

    def test_a_deployment_chooses_its_outcome_instruments_and_schedules(self, tmp_path):
        values = settings_of(
            tmp_path,
            {"DEBUG": "1", "OUTCOME_INSTRUMENTS": "top, satisfaction", "OUTCOME_TOP_REVIEW_MONTHS": "3"},
            "OUTCOME_INSTRUMENTS",
            "OUTCOME_TOP_REVIEW_MONTHS",
            "OUTCOME_HONOS_REVIEW_MONTHS",
        )
        assert values == {
            "OUTCOME_INSTRUMENTS": "['top', 'satisfaction']",
            "OUTCOME_TOP_REVIEW_MONTHS": "3",
            "OUTCOME_HONOS_REVIEW_MONTHS": "6",
        }

    def test_it_refuses_an_outcome_instrument_it_does_not_know(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "1", "OUTCOME_INSTRUMENTS": "honos,phq9"})
        assert "OUTCOME_INSTRUMENTS names unknown instruments: phq9" in stderr

    def test_it_reads_whole_numbers(self, tmp_path):
        values = settings_of(tmp_path, {"DEBUG": "1", "SESSION_IDLE_SECONDS": "900"}, "SESSION_COOKIE_AGE")
        assert values["SESSION_COOKIE_AGE"] == "900"


class EmailUrlTests:
    def test_it_uses_the_console_when_email_url_is_unset(self, tmp_path):
        values = settings_of(tmp_path, {"DEBUG": "1"}, "EMAIL_BACKEND")
        assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"

    def test_it_parses_an_smtp_url_with_quoted_credentials(self, tmp_path):
        values = settings_of(
            tmp_path,
            {"DEBUG": "1", "EMAIL_URL": "smtp://mailer:p%40ss%2Fword@mail.example.org:2525"},
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
        )
        assert values == {
            "EMAIL_BACKEND": "dualcare.notifications.delivery.EmailBackend",
            "EMAIL_HOST": "mail.example.org",
            "EMAIL_PORT": "2525",
            "EMAIL_HOST_USER": "mailer",
            "EMAIL_HOST_PASSWORD": "p@ss/word",
            "EMAIL_USE_TLS": "False",
            "EMAIL_USE_SSL": "False",
        }

    def test_it_uses_starttls_on_port_587_for_submission(self, tmp_path):
        values = settings_of(
            tmp_path,
            {"DEBUG": "1", "EMAIL_URL": "submission://relay.example.org"},
            "EMAIL_PORT",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
        )
        assert values == {"EMAIL_PORT": "587", "EMAIL_USE_TLS": "True", "EMAIL_USE_SSL": "False"}

    def test_it_uses_implicit_tls_on_port_465_for_smtps(self, tmp_path):
        values = settings_of(
            tmp_path, {"DEBUG": "1", "EMAIL_URL": "smtps://relay.example.org"}, "EMAIL_PORT", "EMAIL_USE_SSL"
        )
        assert values == {"EMAIL_PORT": "465", "EMAIL_USE_SSL": "True"}

    def test_it_refuses_an_unknown_email_scheme(self, tmp_path):
        stderr = failure_of(tmp_path, {"DEBUG": "1", "EMAIL_URL": "http://mail.example.org"})
        assert "EMAIL_URL must start" in stderr


class DeployCheckTests:
    def test_it_passes_the_deploy_checks_in_production_shape(self, tmp_path):
        result = run_python(
            tmp_path,
            {"DEBUG": "0", "SECRET_KEY": strong_key(), "ALLOWED_HOSTS": "dualcare.example.org"},
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_it_turns_https_protections_on_in_production(self, tmp_path):
        values = settings_of(
            tmp_path,
            {"DEBUG": "0", "SECRET_KEY": strong_key(), "ALLOWED_HOSTS": "dualcare.example.org"},
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SECURE_HSTS_SECONDS",
            "ALLOWED_HOSTS",
        )
        assert values == {
            "SECURE_SSL_REDIRECT": "True",
            "SESSION_COOKIE_SECURE": "True",
            "CSRF_COOKIE_SECURE": "True",
            "SECURE_HSTS_SECONDS": "31536000",
            "ALLOWED_HOSTS": "['dualcare.example.org']",
        }

    def test_it_has_no_allowed_hosts_by_default_in_production(self, tmp_path):
        values = settings_of(tmp_path, {"DEBUG": "0", "SECRET_KEY": strong_key()}, "ALLOWED_HOSTS")
        assert values["ALLOWED_HOSTS"] == "[]"


def variables_settings_read() -> set[str]:
    """Every NAME settings.py reads through its env helpers (NAME_FILE variants are documented once)."""
    source = (BASE_DIR / "dualcare" / "settings.py").read_text()
    names = set(re.findall(r"env_(?:str|bool|int|list|secret)\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    return names


class ConfigurationDocsTests:
    def test_it_finds_the_variables_settings_read(self):
        names = variables_settings_read()
        assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "REQUIRE_STAFF_2FA"} <= names

    def test_it_lists_every_variable_in_env_example(self):
        example = (BASE_DIR / ".env.example").read_text()
        missing = sorted(name for name in variables_settings_read() if f"{name}=" not in example)
        assert not missing, f".env.example does not list: {missing}"

    def test_it_lists_every_variable_in_the_readme(self):
        readme = (BASE_DIR / "README.md").read_text()
        missing = sorted(name for name in variables_settings_read() if f"`{name}`" not in readme)
        assert not missing, f"README.md's configuration table does not list: {missing}"
