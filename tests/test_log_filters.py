"""A search typed into a list's query string (a name, an NHS number) never reaches a log line."""

import datetime as dt
import logging
import runpy
import uuid
from types import SimpleNamespace

from django.conf import settings

from dualcare.log_filters import WithoutQueryString


def _runserver_record(request_line: str) -> logging.LogRecord:
    # What django.core.servers.basehttp.WSGIRequestHandler.log_message logs for each request.
    return logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (request_line, "200", "512"), None
    )


def test_the_request_line_runserver_logs_loses_its_query_string():
    record = _runserver_record("GET /caseload/?q=Sam+Testwell&show=mine&page=2 HTTP/1.1")
    assert WithoutQueryString().filter(record) is True
    line = record.getMessage()
    assert line == '"GET /caseload/?… HTTP/1.1" 200 512'
    assert "Testwell" not in line and "show" not in line


def test_a_line_without_a_query_string_is_unchanged():
    record = _runserver_record("GET /contacts/pharmacy/ HTTP/1.1")
    WithoutQueryString().filter(record)
    assert record.getMessage() == '"GET /contacts/pharmacy/ HTTP/1.1" 200 512'


def test_runserver_logs_through_the_filter():
    logger = settings.LOGGING["loggers"]["django.server"]
    assert logger["propagate"] is False
    for handler in logger["handlers"]:
        assert "without_query_string" in settings.LOGGING["handlers"][handler]["filters"]
    filtered = [f for h in logging.getLogger("django.server").handlers for f in h.filters]
    assert any(isinstance(f, WithoutQueryString) for f in filtered)


def test_gunicorns_access_log_names_the_path_alone_and_no_referrer():
    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    line_format = config["access_log_format"]
    assert "%(U)s" in line_format
    for carries_the_query in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert carries_the_query not in line_format


def _token_routes():
    """Every URL pattern with a token or a user's id (uid) in its path, and a made-up link to it."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    samples = {"token": "c5y7kt-0123456789abcdef", "uidb64": "MTIzNDU", "invitation_pk": uuid.uuid4()}

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names = set(entry.pattern.regex.groupindex)
                if any("token" in name or "uid" in name for name in names):
                    name = f"{namespace}{entry.name}"
                    yield name, reverse(name, kwargs={key: samples[key] for key in names})

    return list(walk(get_resolver().url_patterns))


def test_every_link_with_a_token_in_its_path_loses_it_in_runserver_lines():
    routes = _token_routes()
    expected = {"invitation_accept", "password_reset_confirm", "sign_in_link_open", "contacts:cannot_come"}
    assert {name for name, _ in routes} >= expected
    for name, path in routes:
        record = _runserver_record(f"GET {path} HTTP/1.1")
        WithoutQueryString().filter(record)
        line = record.getMessage()
        assert "c5y7kt" not in line and "MTIzNDU" not in line, (name, line)
        assert "/…" in line  # each secret segment replaced: two for an invitation or a reset, one for a link
    # After checking the token Django moves the reset to ".../<uidb64>/set-password/": the uid goes too.
    record = _runserver_record("GET /accounts/password-reset/MTIzNDU/set-password/ HTTP/1.1")
    WithoutQueryString().filter(record)
    assert "MTIzNDU" not in record.getMessage()


def test_the_reset_pages_without_a_secret_keep_their_path():
    for path in (
        "/accounts/password-reset/",
        "/accounts/password-reset/sent/",
        "/accounts/password-reset/done/",
    ):
        record = _runserver_record(f"GET {path} HTTP/1.1")
        WithoutQueryString().filter(record)
        assert record.getMessage() == f'"GET {path} HTTP/1.1" 200 512'


def test_gunicorns_access_log_loses_the_token_of_an_invitation_link():
    from gunicorn.config import Config

    conf = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    config = Config()
    config.set("logger_class", conf["logger_class"])
    config.set("access_log_format", conf["access_log_format"])
    logger = config.logger_class(config)
    path = dict(_token_routes())["invitation_accept"]
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": "Chromium",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=5))
    line = conf["access_log_format"] % atoms
    assert "c5y7kt" not in line and '"GET /accounts/invitation/…/…/ HTTP/1.1" 200 512' in line
