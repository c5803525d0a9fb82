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
