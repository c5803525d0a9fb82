"""Where reads go: the primary database, or a read replica for reporting.

With ``DATABASE_REPLICA_URL`` set, the reads of dashboards, exports and PDFs can go to a replica,
so a heavy report never competes with the day's work on the primary. Only code that asks for it
reads there::

    with replica_reads():
        figures = selectors.measure_rows(...)

Everything else reads from the primary, and every write goes to the primary whatever the context
(the router below never names the replica for a write, and it refuses migrations there). Access
checks are made before entering ``replica_reads()``, on the primary, so a replica that lags never
decides who may see what. Inside a transaction on the primary, reads stay on the primary too, so a
service reads what it has just written.

Without a replica configured, ``replica_reads()`` changes nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_reporting: contextvars.ContextVar[bool] = contextvars.ContextVar("dualcare_replica_reads", default=False)


def replica_configured() -> bool:
    """A replica alias exists and is switched on (DATABASE_REPLICA_URL)."""
    return bool(getattr(settings, "DATABASE_REPLICA_URL", "")) and REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads outside a primary transaction go to the replica when one is set."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def on_replica(function):
    """Run a reporting read (a selector whose caller has already checked access) inside replica_reads()."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with replica_reads():
            return function(*args, **kwargs)

    return wrapper


def read_alias() -> str:
    """The alias a read made here and now would use."""
    if _reporting.get() and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads inside replica_reads() go to the replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: objects read from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def jit_off_in_this_transaction(using: str = DEFAULT_DB_ALIAS) -> None:
    """PostgreSQL, for the rest of the current transaction only (SET LOCAL, so safe behind PgBouncer
    in transaction mode): no JIT compilation. At trust scale the grouped reporting statements (the
    dashboards' weekly store, the NDTMS extract) paid 0.3 s to several seconds each for it while
    running in well under that. Call it inside ``transaction.atomic()``; elsewhere a no-op."""
    connection = connections[using]
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
