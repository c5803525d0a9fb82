"""Logging filters that keep personal data out of the logs.

A list's search is typed into the query string (GET, as Django's admin does, so a search can be
bookmarked and paged): a name, an NHS number or a date of birth. DualCare logs no query strings of
its own (settings.LOGGING); the request lines that servers log would carry them, so:

- `WithoutQueryString` cuts the query string from the request line that ``manage.py runserver``
  (the demo's web server) logs through the ``django.server`` logger;
- gunicorn's access log is written without it by gunicorn.conf.py (``%(U)s``, the path alone, and
  no referrer, which would carry the previous page's query string).
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


def without_query_string(text: str) -> str:
    """`text` with every URL's query string replaced by ``?…``."""
    return _QUERY.sub("?…", text)


class WithoutQueryString(logging.Filter):
    """Replace query strings in a record's message and arguments (it never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query_string(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_query_string(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
