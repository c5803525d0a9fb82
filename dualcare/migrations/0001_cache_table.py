"""The database cache's table (settings.CACHES without Redis), made by migrate on a fresh clone.

Always made, whatever CACHES says today, so a deployment that drops Redis later still has it.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "dualcare_cache"


def create_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0  # create_table reads it when the table is already there
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [migrations.RunPython(create_table, drop_table)]
