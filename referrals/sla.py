"""When a referral must be acknowledged and decided: working days and clock hours.

Working days skip Saturdays, Sundays and the bank holidays of England and Wales (from the
`holidays` library, not a hand-kept list). "N working days" from a moment is the same time
of day on the Nth working day after it; a referral sent on a weekend or bank holiday starts
its clock at the beginning of the next working day. Emergencies run on clock hours, every day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

HOURS = "hours"
WORKING_DAYS = "working_days"

# (unit, amount) per urgency and step. Override any part with settings.REFERRAL_SLA.
DEFAULT_SLA: dict[str, dict[str, tuple[str, int]]] = {
    "emergency": {"acknowledge": (HOURS, 4), "decide": (HOURS, 24)},
    "urgent": {"acknowledge": (WORKING_DAYS, 1), "decide": (WORKING_DAYS, 5)},
    "routine": {"acknowledge": (WORKING_DAYS, 3), "decide": (WORKING_DAYS, 10)},
}


def sla_for(urgency: str, step: str) -> tuple[str, int]:
    """The (unit, amount) allowed for a step ("acknowledge" or "decide") at an urgency."""
    configured = getattr(settings, "REFERRAL_SLA", {}) or {}
    value = configured.get(urgency, {}).get(step) or DEFAULT_SLA[urgency][step]
    unit, amount = value
    if unit not in (HOURS, WORKING_DAYS) or int(amount) < 0:
        raise ValueError(f"REFERRAL_SLA[{urgency!r}][{step!r}] must be ('hours'|'working_days', n >= 0)")
    return unit, int(amount)


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share one list of bank holidays; subdiv "ENG" gives it.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """The first working day strictly after `day`."""
    day += dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The moment `days` working days after `start`, in local (UK) time."""
    local = timezone.localtime(start)
    day, time = local.date(), local.time().replace(tzinfo=None)
    if not is_working_day(day):
        # Sent on a weekend or bank holiday: the clock starts when the next working day
        # begins, so N working days end at the end of the Nth working day from then.
        day = next_working_day(day)
        if days == 0:
            return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
        for _ in range(days - 1):
            day = next_working_day(day)
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)))
    for _ in range(days):
        day = next_working_day(day)
    return timezone.make_aware(dt.datetime.combine(day, time))


def due_at(start: dt.datetime, urgency: str, step: str) -> dt.datetime:
    unit, amount = sla_for(urgency, step)
    if unit == HOURS:
        return start + dt.timedelta(hours=amount)
    return add_working_days(start, amount)
