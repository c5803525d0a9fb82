"""The chain's lock and head read once per INSERT statement, not once per row (issue 15).

A statement-level BEFORE INSERT trigger takes the advisory lock and reads the head (the last
seq and hash) once; the row trigger, replaced, chains each row from it. The rows, their seq,
prev_hash and hash are the same as before (chain.py, tests/audit/test_chain.py).
"""

from django.db import migrations

from dualcare.audit import chain

HEAD_TRIGGER = """
CREATE TRIGGER audit_event_chain_head
    BEFORE INSERT ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_chain_head();
"""
# 0005's row function, as it was (its head read and lock per row).
ROW_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('dualcare.audit_chain'));
    SELECT seq, hash INTO last_seq, last_hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last_seq, 0) + 1;
    NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
    NEW.hash := audit_event_hash(NEW);
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS audit_event_chain_head ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_chain_head();
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema = _schema(schema_editor)
        schema_editor.execute(chain.SQL_FUNCTIONS.replace("{schema}", schema), None)
        schema_editor.execute(HEAD_TRIGGER, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ROW_FUNCTION_BEFORE.replace("{schema}", _schema(schema_editor)), None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_seq_required")]
    operations = [migrations.RunPython(forwards, backwards)]
