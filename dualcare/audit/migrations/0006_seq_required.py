"""Every event now has its place in the chain: seq is unique (and on PostgreSQL, whose
trigger sets it before the row is stored, never null)."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN seq SET NOT NULL", None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ALTER COLUMN seq DROP NOT NULL", None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
