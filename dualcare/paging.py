"""Paging a permission-filtered list in two statements: the ids, then one page of rows.

A list's query carries its permission rule (subqueries) and the joins its page shows
(select_related). Asked for a page of both at once, PostgreSQL plans the joins over the whole
of the rule's estimate, which at trust scale means hashing every person and staff member to
return 50 rows (issue 15). Apart, each is cheap: the ids in the list's order, with the rule and
no joins, which also gives the count; then the page's rows by primary key, with the joins.
"""

from __future__ import annotations

from django.db.models import QuerySet


class IdsFirst:
    """`rows` for a Paginator (or DRF's page-number pagination): `count()` reads every id in
    order (one query, kept), and a slice fetches those rows by primary key (one query, none for
    an empty slice), in the ids' order. The same two queries as a queryset's count and page.

    The page's rows are read from `fetch` (a queryset of the same model with what the page shows:
    select_related, annotations) by id; without it, from `rows` itself, its rule applied again.
    The ids come from `rows`, so its rule chose them either way: `fetch` spares a second run of
    the rule (at trust scale, the array of a manager's 14,000 people built twice)."""

    def __init__(self, rows: QuerySet, *, fetch: QuerySet | None = None):
        self.rows = rows
        self.fetch = rows if fetch is None else fetch
        self._ids: list | None = None

    def ids(self) -> list:
        if self._ids is None:
            self._ids = list(self.rows.values_list("pk", flat=True))
        return self._ids

    def count(self) -> int:
        return len(self.ids())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window):
        if not isinstance(window, slice):
            return self[window : window + 1][0]
        wanted = self.ids()[window]
        if not wanted:
            return []
        # The order comes from the ids; no ORDER BY (and none of its joins) a second time.
        by_pk = {row.pk: row for row in self.fetch.filter(pk__in=wanted).order_by()}
        return [by_pk[pk] for pk in wanted if pk in by_pk]
