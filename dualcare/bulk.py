"""Writing many rows at once, for imports and generated data (the trust-scale demo).

``rows_write(model, rows)`` takes dicts of column values (attribute names, ``team_id`` for a
foreign key) and writes every row as given: on PostgreSQL with ``COPY`` (psycopg 3's
``cursor.copy``), elsewhere with ``bulk_create``. A column a row leaves out gets the field's
default, so the stored row is the one ``Model.objects.create`` would have stored for the same
values; created and updated times are kept as given (an import records when things happened).
Nothing here checks a business rule: callers build the rows their services would write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, models
from psycopg import sql

from dualcare.management.demo_import import dates_as_given

BATCH = 2_000


def _defaults(model: type[models.Model]) -> dict[str, object]:
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue  # given, or numbered by the database
        if field.has_default():
            values[field.attname] = field.get_default()
        elif field.null:
            values[field.attname] = None
        elif isinstance(field, (models.CharField, models.TextField)) and field.blank:
            values[field.attname] = ""
    return values


def rows_write(model: type[models.Model], rows: Iterable[dict]) -> int:
    """Write these rows of `model` (see the module's docstring); returns how many."""
    if connection.vendor == "postgresql":
        return _copy(model, rows)
    written = 0
    batch: list[models.Model] = []
    defaults = _defaults(model)
    with dates_as_given(model):
        for row in rows:
            batch.append(model(**{**defaults, **row}))
            if len(batch) >= BATCH:
                model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
            written += len(batch)
    return written


def _is_numbered(field) -> bool:
    return field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")


def _copy(model: type[models.Model], rows: Iterable[dict]) -> int:
    fields = [field for field in model._meta.concrete_fields if not _is_numbered(field)]
    columns = [field.column for field in fields]
    names = [field.attname for field in fields]
    defaults = _defaults(model)
    json_columns = {field.attname for field in fields if isinstance(field, models.JSONField)}
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = []
            for name in names:
                if name in row:
                    value = row[name]
                elif name in defaults:
                    value = defaults[name]
                else:
                    raise ValueError(f"{model.__name__}.{name} has no value and no default")
                if name in json_columns and value is not None:
                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)
            written += 1
    return written


@contextmanager
def indexes_set_aside(*models_written: type[models.Model]):
    """On PostgreSQL, drop these tables' secondary indexes, unique and foreign-key constraints for
    a bulk load and put back exactly the same definitions after it (in the caller's transaction).

    Building an index once over millions of rows, and checking each foreign key in one join when
    it is added back, is many times faster than keeping them up to date row by row. The primary
    keys and check constraints stay. A row that breaks a constraint makes putting it back fail, and
    with it the transaction: nothing is left half-written. Elsewhere this changes nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models_written]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
            ORDER BY c.contype DESC, c.conname
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indrelid::regclass::text, x.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY x.relname
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _, _ in constraints:  # foreign keys first ('f' sorts after 'u', DESC)
            drop = sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}")
            cursor.execute(drop.format(sql.Identifier(table), sql.Identifier(name)))
        for _, name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    with connection.cursor() as cursor:
        for _, _, definition in indexes:
            cursor.execute(definition)
        for table, name, _, definition in reversed(constraints):  # unique first, then foreign keys
            add = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}")
            cursor.execute(add.format(sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)))
