"""Indexes for the caseload's search (dualcare/people/search.py).

A search by date of birth is an equality: a plain index, on every database. A name or NHS number is
a prefix search, which Django writes on PostgreSQL as ``UPPER("family_name"::text) LIKE UPPER('SAM%')``
(``"nhs_number"::text LIKE '943%'``): only an index on the same expression with text_pattern_ops
serves it under a non-C collation, and only PostgreSQL has one, so those are created on
PostgreSQL alone. SQLite searches the same way without them.
"""

from django.db import migrations, models

PATTERN_INDEXES = {
    "serviceuser_family_name_prefix": "UPPER(family_name) text_pattern_ops",
    "serviceuser_given_name_prefix": "UPPER(given_name) text_pattern_ops",
    "serviceuser_preferred_name_prefix": "UPPER(preferred_name) text_pattern_ops",
    "serviceuser_nhs_number_prefix": "nhs_number text_pattern_ops",
}


def create_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in PATTERN_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_serviceuser ({expression})")


def drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_guardian_duplicate_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="serviceuser",
            index=models.Index(fields=["date_of_birth"], name="serviceuser_date_of_birth"),
        ),
        migrations.RunPython(create_pattern_indexes, drop_pattern_indexes),
    ]
