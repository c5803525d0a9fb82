"""Logging filters that keep personal data out of the logs.

A list's search is typed into the query string (GET, as Django's admin does, so a search can be
bookmarked and paged): a name, an NHS number or a date of birth. DualCare logs no query strings of
its own (settings.LOGGING); the request lines that servers log would carry them, so:

- `WithoutQueryString` cuts the query string from the request line that ``manage.py runserver``
  (the demo's web server) logs through the ``django.server`` logger;
- gunicorn's access log is written without it by gunicorn.conf.py (``%(U)s``, the path alone, and
  no referrer, which would carry the previous page's query string).

A few paths carry a secret themselves: the staff invitation's one-time link
(``/accounts/invitation/<id>/<token>/``) and the password-reset link
(``/accounts/password-reset/<uidb64>/<token>/``), a person's emailed sign-in link
(``/accounts/sign-in-link/<token>/``) and the "I can't come" link in a contact's reminder
(``/contacts/reply/<token>/``). Whoever reads the log could use them, so both
filters also replace those segments with ``…`` (`without_secrets`); tests/test_log_filters.py fails
when a URL pattern with a token or uid in its path is added and not covered here.
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")
_SEGMENT = r"[^/?\s\"]+"
# The invitation's id and token; the reset link's uid and token (and the "set-password" page
# Django moves it to, whose uid is still the user's). Not the reset's own "sent" and "done" pages.
_SECRET_PATH = re.compile(
    rf"(/accounts/(?:invitation|password-reset)/)(?!(?:sent|done)/){_SEGMENT}/{_SEGMENT}"
)
# A person's emailed sign-in link (its token is the whole secret); not the page it reloads to.
_SIGN_IN_LINK = re.compile(rf"(/accounts/sign-in-link/)(?!continue/){_SEGMENT}")
# The "I can't come" link in a contact's reminder: its token alone answers for the person.
_REPLY_LINK = re.compile(rf"(/contacts/reply/){_SEGMENT}")


def without_secret_paths(text: str) -> str:
    """`text` with the one-time tokens (and the ids beside them) in link paths replaced by ``…``."""
    return _REPLY_LINK.sub(r"\1…", _SIGN_IN_LINK.sub(r"\1…", _SECRET_PATH.sub(r"\1…/…", text)))


def without_query_string(text: str) -> str:
    """`text` with every URL's query string replaced by ``?…``."""
    return _QUERY.sub("?…", text)


def without_secrets(text: str) -> str:
    """`text` with neither query strings nor the tokens of link paths."""
    return without_secret_paths(without_query_string(text))


class WithoutQueryString(logging.Filter):
    """Replace query strings and link tokens in a record's message and arguments (it never drops
    a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_secrets(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
