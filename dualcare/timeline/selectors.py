"""One person's timeline as the viewer may see it: every registered source's rows, merged in SQL.

A page is two statements whatever the history: the count (a sum of each source's count) and the
page (each source's newest rows, as many as the page can need, in a UNION ALL ordered by when).
Each branch is the source's own queryset, with its access rule and its order, so each is read
newest first through its (service_user, when) index and stops at the page's end.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import core, sources  # noqa: F401 (core: the core's own sources)

PAGE_SIZE = 25


@dataclass(frozen=True)
class Wanted:
    """What the viewer asked for: kinds (none: every kind), one organisation's entries, a word."""

    kinds: frozenset[str] = frozenset()
    organisation: uuid.UUID | None = None
    search: str = ""


@dataclass
class Entry:
    at: dt.datetime
    kind: str
    source: str
    id: str
    organisation_id: uuid.UUID | None
    organisation: str
    title: str
    detail: str
    url: str
    timed: bool = True
    kind_label: str = field(default="")

    @property
    def organisation_or_none(self) -> dict | None:
        if self.organisation_id is None:
            return None
        return {"id": self.organisation_id, "name": self.organisation}


def _uuid(value) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _datetime(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite gives text
        value = parse_datetime(value) or dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


class TimelineRows:
    """The viewer's entries about one person, for a Paginator (or DRF's pagination): `count()` is
    one statement, a slice one more (none for an empty slice). Each source's queryset is compiled
    to SQL once for both: Django's compiling of a dozen permission-filtered querysets cost more
    than running them (issue 16's bench)."""

    def __init__(self, branches: list[QuerySet]):
        self.branches = branches
        self._count: int | None = None
        self._compiled: list[tuple[str, tuple]] | None = None

    @property
    def db(self) -> str:
        return self.branches[0].db if self.branches else "default"

    def compiled(self) -> list[tuple[str, tuple]]:
        """Each branch's SQL and parameters: its columns, newest first."""
        if self._compiled is None:
            self._compiled = []
            for branch in self.branches:
                rows = branch.values(*sources.COLUMNS)
                self._compiled.append(rows.query.get_compiler(rows.db).as_sql())
        return self._compiled

    def count(self) -> int:
        if self._count is None:
            if not self.branches:
                self._count = 0
            else:
                parts, params = [], []
                for number, (sql, branch_params) in enumerate(self.compiled()):
                    parts.append(f"SELECT COUNT(*) AS n FROM ({sql}) AS c{number}")  # noqa: S608 (compiled querysets)
                    params.extend(branch_params)
                statement = f"SELECT COALESCE(SUM(n), 0) FROM ({' UNION ALL '.join(parts)}) AS counts"  # noqa: S608
                with connections[self.db].cursor() as cursor:
                    cursor.execute(statement, params)
                    self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            return self[window : window + 1][0]
        start, stop = window.start or 0, window.stop
        if stop is None or stop <= start or not self.branches:
            return []
        columns = ", ".join(sources.COLUMNS)
        parts, params = [], []
        for number, (sql, branch_params) in enumerate(self.compiled()):
            # Each branch's newest `stop` rows (its own ORDER BY, read down its index): no page can
            # need more of any one source.
            inner = f"SELECT {columns} FROM ({sql}) AS o{number} LIMIT %s"  # noqa: S608
            parts.append(f"SELECT {columns} FROM ({inner}) AS b{number}")  # noqa: S608
            params.extend([*branch_params, stop])
        statement = (
            f"SELECT {columns} FROM ({' UNION ALL '.join(parts)}) AS timeline "  # noqa: S608
            "ORDER BY tl_at DESC, tl_source DESC, tl_id DESC LIMIT %s OFFSET %s"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(statement, [*params, stop - start, start])
            rows = cursor.fetchall()
        return [_entry(row) for row in rows]


def _entry(row) -> Entry:
    at, key, row_id, organisation_id, organisation, title, detail, ref = row
    source = sources.source(key)
    ref = _uuid(ref)
    return Entry(
        at=_datetime(at),
        kind=source.kind,
        kind_label=sources.KIND_LABELS[source.kind],
        source=key,
        id=str(row_id),
        organisation_id=_uuid(organisation_id),
        organisation=organisation or "",
        title=title or "",
        detail=detail or "",
        url=source.link(ref) if ref is not None else "",
        timed=source.timed,
    )


def timeline_for(viewer, service_user, wanted: Wanted | None = None) -> TimelineRows:
    """The entries about `service_user` that `viewer` may see, newest first, as `wanted` narrows
    them. The caller has checked (and audited) that the viewer may see the person's record."""
    wanted = wanted or Wanted()
    branches = []
    for source in sources.registered():
        if wanted.kinds and source.kind not in wanted.kinds:
            continue
        rows = source.rows(viewer, service_user)
        if rows is None:
            continue
        if wanted.organisation is not None:
            rows = rows.filter(tl_org=wanted.organisation)
        for word in wanted.search.split():
            rows = rows.filter(Q(tl_title__icontains=word) | Q(tl_detail__icontains=word))
        branches.append(rows)
    return TimelineRows(branches)
