"""Chain the events already written (oldest first), then have the database chain every new one.

Also refuses TRUNCATE on PostgreSQL, beside the UPDATE and DELETE refusals of 0003: a
statement-level trigger, as TRUNCATE fires no row triggers.
"""

from django.db import migrations

from dualcare.audit import chain

# The functions as this migration first installed them (chain.SQL_FUNCTIONS is their current
# form, installed by 0007): a row trigger that locks and reads the head for every row.
SQL_FUNCTIONS = """
CREATE OR REPLACE FUNCTION audit_event_hash(e audit_auditevent) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(json_build_array(
        e.id,
        to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.actor_id,
        e.organisation_id,
        e.action,
        e.outcome,
        e.service_user_id,
        e.target_type,
        e.target_id,
        e.detail,
        e.prev_hash
    )::text, 'UTF8')), 'hex')
$$;

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
"""
TRIGGERS = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_chain
    BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_chain();
"""
# Existing rows in time order (id breaks ties). Only the owner may switch the UPDATE
# refusal off, and only inside this migration's transaction.
CHAIN_EXISTING = """
ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_or_delete;
DO $$
DECLARE
    event audit_auditevent%ROWTYPE;
    last_seq bigint := 0;
    last_hash text := repeat('0', 64);
BEGIN
    FOR event IN SELECT * FROM audit_auditevent ORDER BY at, id LOOP
        last_seq := last_seq + 1;
        event.seq := last_seq;
        event.prev_hash := last_hash;
        last_hash := audit_event_hash(event);
        UPDATE audit_auditevent SET seq = last_seq, prev_hash = event.prev_hash, hash = last_hash
            WHERE id = event.id;
    END LOOP;
END;
$$;
ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_or_delete;
"""
UNDO = """
DROP TRIGGER IF EXISTS audit_event_chain ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_chain();
DROP FUNCTION IF EXISTS audit_event_hash(audit_auditevent);
"""


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT quote_ident(current_schema())")
            schema = cursor.fetchone()[0]
        schema_editor.execute(SQL_FUNCTIONS.replace("{schema}", schema), None)
        schema_editor.execute(CHAIN_EXISTING, None)
        schema_editor.execute(TRIGGERS, None)
        return
    # SQLite: existing rows in Python (the historical model's plain manager may update). Its
    # trigger is made after every migrate (chain.ensure_sqlite_trigger), as SQLite rebuilds a
    # table, without its triggers, to alter a column.
    AuditEvent = apps.get_model("audit", "AuditEvent")
    last_hash = chain.GENESIS
    events = AuditEvent.objects.using(alias).order_by("at", "id").iterator(chunk_size=2000)
    for seq, event in enumerate(events, start=1):
        event.seq, event.prev_hash = seq, last_hash
        last_hash = chain.event_hash(event)
        AuditEvent.objects.using(alias).filter(pk=event.pk).update(
            seq=seq, prev_hash=event.prev_hash, hash=last_hash
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO, None)
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_chain")


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_hash_chain_fields")]
    operations = [migrations.RunPython(forwards, backwards)]
