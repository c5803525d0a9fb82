"""The audit log's hash chain, and audit_verify finding a changed, missing or inserted row.

Tampering is done as someone who gets past the application and the triggers (a superuser
with session_replication_role=replica on PostgreSQL; SQLite has no such guard to pass).
"""

import threading
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from dualcare.audit import chain
from dualcare.audit.models import AuditEvent
from dualcare.audit.services import audit_record

pytestmark = pytest.mark.django_db


@contextmanager
def past_the_triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER audit_event_chain")
            yield cursor
            chain.ensure_sqlite_trigger(None, using="default")


def five_events() -> list[AuditEvent]:
    audit_record(actor=None, action="service_user.view", detail={"fields": ["name", "nhs_number"]})
    audit_record(actor=None, action="service_user.view", denied=True)
    AuditEvent.objects.bulk_create(
        AuditEvent(action="quadrant.list", detail={"records": n, "é": None}) for n in range(3)
    )
    return list(AuditEvent.objects.order_by("seq"))


def forge(**fields) -> AuditEvent:
    """A row written past the trigger, with the hash its content would have."""
    forged = AuditEvent.objects.create(**fields)
    forged.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET hash = %s WHERE seq = %s", [chain.event_hash(forged), forged.seq]
        )
    return forged


def verify_fails() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert failure.value.returncode == 1
    return str(failure.value)


class ChainTests:
    def test_it_chains_single_and_bulk_inserts_in_order(self):
        events = five_events()
        assert [event.seq for event in events] == [1, 2, 3, 4, 5]
        assert events[0].prev_hash == chain.GENESIS
        assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
        # The trigger's hash is the canonical form's, computed the documented way.
        assert all(event.hash == chain.event_hash(event) for event in events)

    def test_it_ignores_chain_values_the_application_sends(self):
        AuditEvent.objects.create(action="x.view", seq=99, prev_hash="f" * 64, hash="f" * 64)
        event = AuditEvent.objects.get()
        assert (event.seq, event.prev_hash, event.hash) == (1, chain.GENESIS, chain.event_hash(event))

    def test_an_intact_chain_verifies(self, capsys):
        five_events()
        call_command("audit_verify")
        assert capsys.readouterr().out.startswith("OK: 5 audit events, chain intact; head hash ")

    def test_an_empty_log_verifies(self, capsys):
        call_command("audit_verify")
        assert "OK: 0 audit events" in capsys.readouterr().out

    def test_a_changed_row_is_reported_at_its_row(self):
        events = five_events()
        with past_the_triggers() as cursor:
            cursor.execute("UPDATE audit_auditevent SET outcome = 'allowed' WHERE seq = 2")
        message = verify_fails()
        assert f"BROKEN at row 2, event {events[1].id}: content changed" in message
        assert "The 1 rows before it verify" in message

    def test_a_changed_and_rehashed_row_breaks_the_next_link(self):
        five_events()
        with past_the_triggers() as cursor:
            cursor.execute("UPDATE audit_auditevent SET detail = '{}' WHERE seq = 3")
            event = AuditEvent.objects.get(seq=3)
            cursor.execute("UPDATE audit_auditevent SET hash = %s WHERE seq = 3", [chain.event_hash(event)])
        assert "BROKEN at row 4" in verify_fails()

    def test_a_deleted_row_is_reported_where_it_is_missing(self):
        events = five_events()
        with past_the_triggers() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
        message = verify_fails()
        assert f"BROKEN at row 4, event {events[3].id}: row 3 missing before it" in message

    def test_a_forged_row_at_the_end_is_reported(self):
        events = five_events()
        with past_the_triggers():
            forged = AuditEvent.objects.create(
                action="x.view", seq=6, prev_hash=events[-1].hash, hash="0" * 64
            )
        assert f"BROKEN at row 6, event {forged.id}: content changed" in verify_fails()

    def test_rows_written_after_a_break_do_not_hide_it(self):
        five_events()
        with past_the_triggers() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE seq = 2")
        five_events()
        assert "BROKEN at row 3" in verify_fails()

    def test_a_forged_row_in_the_middle_is_reported_even_with_a_valid_hash(self):
        events = five_events()
        with past_the_triggers() as cursor:
            # Make room at row 3 and chain the forgery to row 2 properly.
            cursor.execute("UPDATE audit_auditevent SET seq = -seq WHERE seq >= 3")
            cursor.execute("UPDATE audit_auditevent SET seq = 1 - seq WHERE seq < 0")
            forged = forge(action="consent.withdraw", seq=3, prev_hash=events[1].hash)
        message = verify_fails()
        assert f"BROKEN at row 3, event {forged.id}: row inserted: it is not in the chain" in message


@pytest.mark.django_db(transaction=True)
class FlushTests:
    def test_a_test_database_flush_empties_the_log_and_the_chain_starts_again(self, capsys):
        five_events()
        call_command("flush", interactive=False)
        assert not AuditEvent.objects.exists()
        audit_record(actor=None, action="service_user.view")
        assert AuditEvent.objects.get().seq == 1
        call_command("audit_verify")
        assert "OK: 1 audit events" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE to refuse")
def test_outside_tests_flush_cannot_erase_the_log(settings):
    settings.TESTING = False
    five_events()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the inserts' foreign key checks, now
    with pytest.raises(CommandError) as refusal:
        call_command("flush", interactive=False)
    assert "append-only" in str(refusal.value.__cause__)
    assert AuditEvent.objects.count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_writers_at_once_still_make_one_chain(capsys):
    barrier = threading.Barrier(4)

    def write():
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    audit_record(actor=None, action="service_user.view")
                    AuditEvent.objects.bulk_create(AuditEvent(action="quadrant.list") for _ in range(3))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 161))
    call_command("audit_verify")
    assert "OK: 160 audit events" in capsys.readouterr().out


def test_rows_rolled_back_to_a_savepoint_leave_the_chain_whole(capsys):
    # The head is read once per statement (chain.py): a statement after rolled-back rows
    # follows the last row kept, not the rows undone.
    with transaction.atomic():
        audit_record(actor=None, action="service_user.view")
        try:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(AuditEvent(action="quadrant.list") for _ in range(3))
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        AuditEvent.objects.bulk_create(AuditEvent(action="quadrant.list") for _ in range(2))
        audit_record(actor=None, action="service_user.view")
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    call_command("audit_verify")
    assert "OK: 4 audit events, chain intact" in capsys.readouterr().out
