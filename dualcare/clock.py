"""The one clock the services read: "now" is the real time, unless a caller has set it.

A bulk build (the demo) sets one moment for the whole run with `clock.frozen(moment)`, so every
service it calls agrees on what "now" and "today" are: a build that runs across midnight still
gives a consistent demo (a handover "today" is not before a referral accepted "now").
Everywhere else `now()` is `timezone.now()`. The setting lives in a context variable, so it
holds for the code that set it (its thread or task) and never leaks into other requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("dualcare_clock_frozen", default=None)


def now() -> dt.datetime:
    """The current time (timezone-aware): the frozen moment while one is set."""
    moment = _frozen.get()
    return moment if moment is not None else timezone.now()


def today() -> dt.date:
    """Today's date where the service runs (TIME_ZONE), by `now()`."""
    return timezone.localdate(now())


def is_frozen() -> bool:
    return _frozen.get() is not None


@contextmanager
def frozen(moment: dt.datetime | None = None) -> Iterator[dt.datetime]:
    """Read `moment` (default: the current time, read once) as now until the block ends."""
    moment = moment if moment is not None else now()
    if timezone.is_naive(moment):
        raise ValueError("The clock needs a timezone-aware moment.")
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
