"""The registry of timeline sources: what the core asks of each capability app.

A source is registered once, from the app's ``AppConfig.ready()``, with

- ``key``: unique, "<app>.<what>", e.g. "referrals.move" (it is also the row's ``source``);
- ``kind``: one of ``KINDS``, what the page filters by;
- ``rows(viewer, service_user) -> QuerySet | None``: the app's rows about the person that the viewer
  may see, through ``entries()``; None when the viewer may see none of them;
- ``link(ref) -> str``: the page an entry opens (``ref`` is the id ``entries()`` was given), or "".

Adding a source (the conversations app's messages, say) is a function giving ``entries()`` of a
queryset the app has already filtered by its access rule, and one ``register`` call.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Func,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

# The kinds of entry, in the order the filter offers them: (value, label).
KINDS: list[tuple[str, str]] = [
    ("referral", "Referrals"),
    ("involvement", "Teams starting and ending care"),
    ("contact", "Appointments and collections"),
    ("alert", "Alerts"),
    ("care_plan", "Care plan versions and answers"),
    ("outcome", "Outcome measures"),
    ("quadrant", "Quadrant assessments"),
    ("link_meeting", "Link meeting discussions"),
    ("conversation", "Conversations"),
    ("risk", "Risk assessments and safety flags"),
    ("incident", "Incidents, near misses and complaints"),
]
KIND_LABELS = dict(KINDS)

# The columns every source gives, in this order (sources.entries() names them).
COLUMNS = ("tl_at", "tl_source", "tl_id", "tl_org", "tl_org_name", "tl_title", "tl_detail", "tl_ref")


@dataclass(frozen=True)
class Source:
    key: str
    kind: str
    rows: Callable
    link: Callable[[str], str]
    timed: bool = True  # False: the entry has a day, not a time (an outcome measure's date)


_sources: dict[str, Source] = {}


def register(
    key: str, *, kind: str, rows: Callable, link: Callable | None = None, timed: bool = True
) -> None:
    """An app registers one source (from its AppConfig.ready()). One registration per key."""
    if kind not in KIND_LABELS:
        raise ImproperlyConfigured(f"The timeline has no kind {kind!r}; it declares {sorted(KIND_LABELS)}.")
    source = Source(key=key, kind=kind, rows=rows, link=link or (lambda ref: ""), timed=timed)
    existing = _sources.get(key)
    if existing is not None and existing.rows is not rows:
        raise ImproperlyConfigured(f"The timeline source {key!r} is registered twice.")
    _sources[key] = source


def registered() -> list[Source]:
    return list(_sources.values())


def source(key: str) -> Source | None:
    return _sources.get(key)


def kinds_available() -> list[tuple[str, str]]:
    """The kinds some registered source gives (what the kind filter offers)."""
    given = {source.kind for source in _sources.values()}
    return [(value, label) for value, label in KINDS if value in given]


def text(*parts) -> Concat | Value:
    """A title or detail from literal words (str) and expressions (F, Case): in SQL, so it is searched."""
    expressions = [Value(part) if isinstance(part, str) else part for part in parts]
    if len(expressions) == 1:
        return expressions[0]
    return Concat(*expressions, output_field=CharField())


def label_of(field: str, choices) -> Case:
    """A choice field's label, in SQL (a Case over the choices)."""
    return Case(
        *[When(**{field: value}, then=Value(str(label))) for value, label in choices],
        default=F(field),
        output_field=CharField(),
    )


class DayStart(Func):
    """The first moment of a day (a date column) in the project's time zone (settings.TIME_ZONE,
    Europe/London), as a time: an outcome measure rated on a summer day sorts from 23:00 UTC of
    the day before, where a bare cast put it at midnight UTC, an hour into the London day."""

    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra):
        day, params = compiler.compile(self.source_expressions[0])
        return f"(({day})::timestamp AT TIME ZONE %s)", [*params, settings.TIME_ZONE]

    def as_sqlite(self, compiler, connection, **extra):
        day, params = compiler.compile(self.source_expressions[0])
        return f"dualcare_day_start({day}, %s)", [*params, settings.TIME_ZONE]


def _day_start(day: str | None, zone: str) -> str | None:
    # SQLite has no time zones: the day's start in `zone`, in UTC, as Django stores a time there.
    if day is None:
        return None
    start = dt.datetime.combine(dt.date.fromisoformat(day[:10]), dt.time(), tzinfo=zoneinfo.ZoneInfo(zone))
    return start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("dualcare_day_start", 2, _day_start, deterministic=True)


connection_created.connect(_sqlite_functions, dispatch_uid="dualcare.timeline.day_start")


def entries(
    rows: QuerySet,
    *,
    key: str,
    at: str,
    organisation: str | None,
    organisation_name: str | None,
    title,
    detail=None,
    ref: str | None = "pk",
    timed: bool = True,
) -> QuerySet:
    """`rows` shaped into the timeline's columns and ordered newest first by `at` (a field path:
    the order the source's (service_user, `at`) index serves; a date when not `timed`, placed at
    the start of that day in London, DayStart).

    `organisation` / `organisation_name`: paths to the organisation the entry is of (what the
    organisation filter matches) and its name; `title` and `detail`: text() or a path; `ref`: the
    path to the id the entry's link opens (None: no link).
    """

    def expression(value, output):
        if value is None:
            # A typed NULL: in a UNION of subqueries PostgreSQL takes a bare NULL for text.
            return Cast(Value(None), output)
        if isinstance(value, str):
            return F(value)
        if isinstance(value, F):
            return value
        # A Case of a TextField and a literal, say: the timeline's column type, said once here.
        value = value.copy()
        value.output_field = output
        return value

    when = F(at) if timed else DayStart(F(at))
    return rows.annotate(
        tl_at=when,
        tl_source=Value(key, output_field=CharField()),
        tl_id=Cast("pk", CharField()),
        tl_org=expression(organisation, UUIDField()),
        tl_org_name=expression(organisation_name, CharField()),
        tl_title=expression(title, CharField()),
        tl_detail=expression(detail if detail is not None else Value(""), CharField()),
        tl_ref=expression(ref, UUIDField()),
    ).order_by(F(at).desc(), F("pk").desc())
