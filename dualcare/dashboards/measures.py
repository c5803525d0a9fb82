"""The contract between the capability apps and the dashboards.

A capability exposes its measures from its ``measures`` module with two names:

``DASHBOARD_MEASURES``
    a list of :class:`MeasureDef`, one per measure it can chart;
``weekly_measures(team_ids, start, end, *, group="all")``
    the values, aggregated in the database: ``{measure_key: {(group_key, week): Cell}}``.
    ``week`` is the Monday (a ``date``, Europe/London) that starts the week; ``start`` and
    ``end`` are Mondays, both included. ``group="all"`` aggregates over every team in
    ``team_ids`` and uses ``None`` as ``group_key``; ``group="organisation"`` gives one value per
    organisation and uses the organisation's id; ``group="team"`` one value per team (the team's
    id), each the same as that team's own ``group="all"``. A week with nothing to measure is left out.
    It runs a constant number of queries whatever the number of rows or weeks, and never names
    a person.

The dashboards only read measures through :func:`collect`; they never query a capability's
models themselves.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from uuid import UUID
from zoneinfo import ZoneInfo

from django.apps import apps
from django.utils import timezone

IMPROVEMENT_CHOICES = ("up", "down", "neither")
GROUPS = ("all", "organisation", "team")
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class MeasureDef:
    key: str  # unique, "<capability>.<name>", e.g. "referrals.acknowledged_in_time"
    title: str  # "Referrals acknowledged within the time allowed"
    capability: str  # the heading it is shown under, e.g. "Referrals"
    unit: str  # "%", "hours", "people", "referrals", ...
    improvement: str  # "up", "down" or "neither": which direction is better
    description: str  # one plain sentence: what is counted, and from what
    counts_people: bool = True  # True when `Cell.n` counts people (small numbers are suppressed)

    @property
    def is_proportion(self) -> bool:
        """A percentage of a whole (every "%" measure is worked out by :func:`percent`): its
        values, and so the limits drawn for it, lie within 0 to 100."""
        return self.unit == "%"

    def __post_init__(self):
        if self.improvement not in IMPROVEMENT_CHOICES:
            raise ValueError(f"{self.key}: improvement must be one of {IMPROVEMENT_CHOICES}")


@dataclass(frozen=True)
class Cell:
    value: float | None  # the measure for that week (None when it cannot be worked out)
    n: int  # how many people (or events) the value is worked out from


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts the week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())


def weeks_between(start: dt.date, end: dt.date) -> list[dt.date]:
    first, last = week_of(start), week_of(end)
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


# Helpers for providers ------------------------------------------------------------------------


def week_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From Monday ``start`` 00:00 to the Monday after ``end``, London time (aware): for filtering
    timestamps to the weeks asked for."""
    first = dt.datetime.combine(start, dt.time(0, 0), tzinfo=LONDON)
    after = dt.datetime.combine(end + dt.timedelta(weeks=1), dt.time(0, 0), tzinfo=LONDON)
    return first, after


def percent(part: int, whole: int) -> float | None:
    """A share as a percentage to one decimal place; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def week_start(value: dt.date | dt.datetime) -> dt.date:
    """The Monday a ``TruncWeek`` returned: a date, or a datetime (read in London time when aware;
    some backends give a datetime at midnight even for a date column)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return value.astimezone(LONDON).date()
        return value.date()
    return value


def hours(value) -> float:
    """A mean duration in hours, whether the backend gives a timedelta or microseconds."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000


@cache
def providers() -> tuple[ModuleType, ...]:
    """Every installed app's ``measures`` module (its dashboard measures)."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.measures")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.measures":
                raise
            continue
        if hasattr(module, "DASHBOARD_MEASURES") and hasattr(module, "weekly_measures"):
            found.append(module)
    return tuple(found)


def definitions() -> dict[str, MeasureDef]:
    result: dict[str, MeasureDef] = {}
    for module in providers():
        for measure in module.DASHBOARD_MEASURES:
            if measure.key in result:
                raise ValueError(f"Two capabilities declare the measure {measure.key!r}")
            result[measure.key] = measure
    return result


def collect(
    team_ids: Iterable[UUID], start: dt.date, end: dt.date, *, group: str = "all"
) -> dict[str, dict[tuple[UUID | None, dt.date], Cell]]:
    if group not in GROUPS:
        raise ValueError(f"group must be one of {GROUPS}")
    team_ids: Sequence[UUID] = list(team_ids)
    start, end = week_of(start), week_of(end)
    result: dict = {}
    for module in providers():
        result.update(module.weekly_measures(team_ids, start, end, group=group))
    return result
