"""A search typed into a list's query string (a name, an NHS number) never reaches a log line."""

import logging
import runpy

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
