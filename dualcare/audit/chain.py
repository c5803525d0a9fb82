"""The audit log's hash chain: each event carries the hash of the one before it.

Every event gets the next `seq` (1, 2, 3, ... with no gaps), the previous event's hash as
`prev_hash` (64 zeros for the first) and its own `hash`:

    hash = hex(SHA-256(UTF-8 of the canonical form))

The canonical form, defined here once, is a JSON array written the way PostgreSQL's
`json_build_array(...)::text` writes it (", " between items, ": " after keys, non-ASCII
left as it is, objects' keys shortest first then by bytes, as jsonb keeps them):

    [id, at, actor_id, organisation_id, action, outcome, service_user_id,
     target_type, target_id, detail, prev_hash]

- id, service_user_id: the UUID as a lowercase hyphenated string; NULL is null.
- at: UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six digits of microseconds).
- actor_id, organisation_id: the integer; NULL is null.
- action, outcome, target_type, target_id, prev_hash: strings.
- detail: the JSON object. It holds ids and field names: strings, integers, booleans, null,
  lists and objects of those. (A float is written as each side writes it, and PostgreSQL
  keeps "2.50" where Python has 2.5: still verifiable, as each database checks its own.)

The database computes the chain, in insert triggers (migrations 0005 and 0007), so every
insert, bulk or not, from any process, is chained in the order it is written, and the
application cannot choose the values. PostgreSQL: plpgsql triggers (SQL_FUNCTIONS below), once
per INSERT statement taking a transaction-level advisory lock, so concurrent writers chain one
after the other (each waits for the one before to commit), and reading the chain's head; then
per row only the hash. (A row trigger that locked and read the head for every row cost a list
page writing 25-50 rows that many index reads; issue 15.) SQLite (demo and tests): an AFTER INSERT
trigger calling `audit_event_hash`, the Python function below registered on each connection;
it runs inside the INSERT, under SQLite's write lock. `audit_verify` recomputes each row's
hash with the same function its database's trigger used.
"""

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connections
from django.db.models.expressions import RawSQL

GENESIS = "0" * 64
CANONICAL_FIELDS = (
    "id",
    "at",
    "actor_id",
    "organisation_id",
    "action",
    "outcome",
    "service_user_id",
    "target_type",
    "target_id",
    "detail",
    "prev_hash",
)

# The same canonical form in SQL, and the chain's triggers, installed by migration 0007 (0005
# installed their first form): a change here needs a new migration that runs it again. {schema}
# is where the migration runs (the functions run with it as their search path, or name it, rather
# than the caller's).
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

-- Once per INSERT statement, before its first row: one writer at a time, to the end of its
-- transaction (the lock is the chain's order), and the chain's head (the last row's seq and
-- hash, through the unique index on seq) read once, into a setting local to the transaction.
CREATE OR REPLACE FUNCTION audit_event_chain_head() RETURNS trigger
LANGUAGE plpgsql SET search_path = {schema}, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('dualcare.audit_chain'));
    SELECT seq, hash INTO last_seq, last_hash FROM audit_auditevent ORDER BY seq DESC LIMIT 1;
    PERFORM set_config(
        'dualcare.audit_chain_head',
        coalesce(last_seq, 0)::text || ' ' || coalesce(last_hash, repeat('0', 64)),
        true
    );
    RETURN NULL;
END;
$$;

-- Each row of the statement follows the head and becomes it: no lock and no read of the table
-- per row. (The setting is the transaction's own; a statement that set it by hand between its
-- rows could only chain a row to the wrong place, which audit_verify reports, not hide one.)
CREATE OR REPLACE FUNCTION audit_event_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head text := current_setting('dualcare.audit_chain_head');
BEGIN
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.hash := {schema}.audit_event_hash(NEW);
    PERFORM set_config('dualcare.audit_chain_head', NEW.seq::text || ' ' || NEW.hash, true);
    RETURN NEW;
END;
$$;
"""

# SQLite: the same chain, by an AFTER INSERT trigger (SQLite's BEFORE triggers cannot set
# NEW), within the INSERT statement and so under the database's write lock.
SQLITE_TRIGGER = """
CREATE TRIGGER audit_event_chain AFTER INSERT ON audit_auditevent
BEGIN
    UPDATE audit_auditevent
        SET seq = coalesce((SELECT max(seq) FROM audit_auditevent WHERE rowid != NEW.rowid), 0) + 1,
            prev_hash = coalesce(
                (
                    SELECT hash FROM audit_auditevent
                    WHERE seq IS NOT NULL AND rowid != NEW.rowid ORDER BY seq DESC LIMIT 1
                ),
                '{genesis}'
            )
        WHERE rowid = NEW.rowid;
    UPDATE audit_auditevent SET hash = {hash_call} WHERE rowid = NEW.rowid;
END;
"""
SQLITE_HASH_CALL = f"audit_event_hash({', '.join(CANONICAL_FIELDS)})"
PG_HASH_CALL = "audit_event_hash(audit_auditevent)"


def _json(value) -> str:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return "{" + ", ".join(f"{_json(key)}: {_json(value[key])}" for key in keys) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_json(item) for item in value) + "]"
    if isinstance(value, uuid.UUID):
        value = str(value)
    return json.dumps(value, ensure_ascii=False)


def canonical(fields: dict) -> str:
    """The canonical form (see the module docstring) of an event's CANONICAL_FIELDS values."""
    values = [fields[name] for name in CANONICAL_FIELDS]
    values[1] = fields["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return _json(values)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def event_hash(event) -> str:
    """An AuditEvent's hash from its fields, as its database's trigger computes it."""
    return _sha256(canonical({name: getattr(event, name) for name in CANONICAL_FIELDS}))


def _sqlite_event_hash(*columns) -> str:
    """`audit_event_hash(...)` for SQLite's trigger: the columns as SQLite stores them."""
    fields = dict(zip(CANONICAL_FIELDS, columns, strict=True))
    for name in ("id", "service_user_id"):
        if fields[name] is not None:
            fields[name] = uuid.UUID(fields[name])  # stored as 32 hex digits
    fields["at"] = datetime.fromisoformat(fields["at"]).replace(tzinfo=UTC)  # stored in UTC
    fields["detail"] = json.loads(fields["detail"])
    return _sha256(canonical(fields))


def ensure_sqlite_trigger(sender, using, **kwargs) -> None:
    """After each migrate (and flush): SQLite drops a table's triggers when a migration rebuilds it."""
    connection = connections[using]
    if connection.vendor == "sqlite" and "audit_auditevent" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_chain")  # made afresh, as it is now
            cursor.execute(
                SQLITE_TRIGGER.replace("{hash_call}", SQLITE_HASH_CALL).replace("{genesis}", GENESIS)
            )


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "audit_event_hash", len(CANONICAL_FIELDS), _sqlite_event_hash, deterministic=True
        )


@dataclass
class Verdict:
    count: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: uuid.UUID | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _rows(using: str, chunk_size: int) -> Iterator[tuple]:
    """(seq, id, prev_hash, hash, recomputed hash) in chain order, streamed."""
    from .models import AuditEvent

    # The very function the trigger used, on the row as stored.
    call = PG_HASH_CALL if connections[using].vendor == "postgresql" else SQLITE_HASH_CALL
    recomputed = RawSQL(call, ())  # noqa: S611 (a constant, no input)
    events = AuditEvent.objects.using(using).order_by("seq").annotate(recomputed=recomputed)
    return events.values_list("seq", "id", "prev_hash", "hash", "recomputed").iterator(chunk_size=chunk_size)


def _walk(rows: Iterable[tuple]) -> Verdict:
    # Each row is judged with its successor in hand: a row the next one skips over (the next
    # row's prev_hash is the hash before it) was inserted, whatever its own hash says.
    before_seq, before_hash = 0, GENESIS
    count = 0
    iterator = iter(rows)
    row = next(iterator, None)
    while row is not None:
        following = next(iterator, None)
        seq, event_id, prev_hash, stored_hash, recomputed = row
        problem = ""
        if following is not None and following[2] != stored_hash and following[2] == before_hash:
            problem = f"row inserted: it is not in the chain (row {following[0]} follows row {before_seq})"
        elif prev_hash != before_hash:
            if seq > before_seq + 1:
                gap = (
                    f"row {before_seq + 1}"
                    if seq == before_seq + 2
                    else f"rows {before_seq + 1} to {seq - 1}"
                )
                problem = f"{gap} missing before it (its previous hash is not row {before_seq}'s)"
            else:
                problem = (
                    f"link broken: its previous hash is not row {before_seq}'s hash "
                    f"(row {before_seq} was changed and re-hashed, or this row's link was changed)"
                )
        elif seq != before_seq + 1:
            problem = f"numbering changed: it follows row {before_seq} in the chain but is numbered {seq}"
        elif recomputed != stored_hash:
            problem = "content changed: its fields no longer match its hash"
        if problem:
            return Verdict(count, before_hash, seq, event_id, problem)
        count += 1
        before_seq, before_hash = seq, stored_hash
        row = following
    return Verdict(count, before_hash)


def verify(*, using: str = "default", chunk_size: int = 2000) -> Verdict:
    """Walk the whole chain in seq order, in constant memory; the first broken link, if any.

    Rows removed from the end, or added there with a correct chain, leave no broken link:
    compare the head hash with one kept elsewhere for that.
    """
    # One query (a server-side cursor on PostgreSQL), so one snapshot of the log.
    return _walk(_rows(using, chunk_size))
