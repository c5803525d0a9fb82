"""The search parameters every resource type takes (_id, _lastUpdated, _count, _include, paging)
and the FHIR value forms they share (date prefixes, tokens)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dualcare.ids import is_uuid

from .registry import BadParameter

DEFAULT_COUNT = 20
MAX_COUNT = 100
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
# Parameters of the machinery, taken by every search (the type's own are in the registry).
COMMON = ("_id", "_lastUpdated", "_count", "_include", "_cursor", "_format")
FORMATS = ("json", "application/json", "application/fhir+json")


def count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    value = values[-1]
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise BadParameter("_count", f"Give _count as a whole number from 1 to {MAX_COUNT}.")
    return int(value)


def cursor(values: list[str]) -> str | None:
    if not values:
        return None
    if not is_uuid(values[-1]):
        raise BadParameter("_cursor", "Use the next link as given: its _cursor is an id from the last page.")
    return values[-1]


def ids(values: list[str], *, uuids: bool = True) -> list[str]:
    """The ids of _id (UUIDs, but for resources the code defines, whose ids are names)."""
    found = [part for value in values for part in value.split(",")]
    if not all(is_uuid(pk) if uuids else 0 < len(pk) <= 64 for pk in found):
        raise BadParameter("_id", "Give _id as one or more resource ids, separated by commas.")
    return found


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def date_range(name: str, value: str, *, instants: bool) -> tuple[str, object, object]:
    """(prefix, start, end) of a FHIR date search value: `ge2026-01-01`, `2026-03`, or an
    instant with its offset. `instants`: compare as aware datetimes (start of the day in London
    for a date); otherwise as dates. The range is [start, end)."""
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    message = (
        f"Give {name} as a date (2026-03-14, 2026-03, 2026) or a time with its offset, "
        "after an optional prefix (ge, le, gt, lt, eq, ne)."
    )
    try:
        if _DAY.fullmatch(text):
            start = dt.date.fromisoformat(text)
            end = start + dt.timedelta(days=1)
        elif _MONTH.fullmatch(text):
            start = dt.date(int(text[:4]), int(text[5:]), 1)
            end = _next_month(start)
        elif _YEAR.fullmatch(text):
            start = dt.date(int(text), 1, 1)
            end = dt.date(int(text) + 1, 1, 1)
        else:
            moment = parse_datetime(text) if "T" in text else None
            if moment is None or timezone.is_naive(moment):
                raise BadParameter(name, message)
            return prefix, moment, moment + dt.timedelta(seconds=1)
    except (ValueError, OverflowError):
        raise BadParameter(name, message) from None
    if instants:
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(end, dt.time.min, tzinfo=zone)
    return prefix, start, end


def date_filter(rows, field: str, name: str, values: list[str], *, instants: bool):
    """Narrow `rows` by each value of a date parameter (ANDed, as FHIR repeats mean)."""
    for value in values:
        prefix, start, end = date_range(name, value, instants=instants)
        if prefix == "eq":
            rows = rows.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        elif prefix == "ne":
            rows = rows.exclude(**{f"{field}__gte": start, f"{field}__lt": end})
        elif prefix == "ge":
            rows = rows.filter(**{f"{field}__gte": start})
        elif prefix == "gt":
            rows = rows.filter(**{f"{field}__gte": end})
        elif prefix == "le":
            rows = rows.filter(**{f"{field}__lt": end})
        else:  # lt
            rows = rows.filter(**{f"{field}__lt": start})
    return rows
