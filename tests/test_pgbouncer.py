"""DualCare behind a real PgBouncer in transaction mode.

In transaction pooling a client's connection to the database lasts one transaction: the next
statement may run on another server connection, after another client's. Anything that relies on
session state then breaks or, worse, leaks between users: server-side cursors held across
transactions, prepared statements, session-level SET or advisory locks, temporary tables. The
settings for DATABASE_POOL_MODE=transaction (dualcare.settings.for_pool_mode) turn off the two
that Django and psycopg use by themselves; nothing in DualCare takes a session lock or SETs a
session variable (the audit chain's lock is pg_advisory_xact_lock, row locks are
select_for_update, both transaction-scoped).

These tests start PgBouncer 1.18 (Debian's; it supports no prepared statements in transaction
mode, so any that psycopg sent would fail) with two server connections, point every new Django
connection at it with the transaction-mode settings, and run real work through it from several
threads at once: the services that write audit events and take row locks, the pages staff open
most, the audit chain's verification (a chunked iterator), then check that PgBouncer really did
share two server connections between more clients. Skipped without PostgreSQL or PgBouncer.
"""

import copy
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from dualcare.audit import chain
from dualcare.people import services
from dualcare.people.models import Scope
from dualcare.settings import for_pool_mode

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not Path(PGBOUNCER).exists(), reason="PgBouncer is not installed (apt-get install pgbouncer)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pgbouncer():
    """A PgBouncer in transaction mode before the test's PostgreSQL: two server connections per database."""
    if connection.vendor != "postgresql":
        pytest.skip("PgBouncer sits in front of PostgreSQL (set DATABASE_URL)")
    server = connection.settings_dict
    folder = Path(tempfile.mkdtemp(prefix="dualcare-pgbouncer-"))
    port = _free_port()
    user = server["USER"] or "postgres"
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server['HOST'] or '127.0.0.1'} port={server['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'users.txt'}\n"
        f"admin_users = {user}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 2\n"
        "max_client_conn = 100\n"
        "server_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)
    # PgBouncer will not run as root; as root it switches to the database's user.
    command = [PGBOUNCER, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(folder / "pgbouncer.ini")]
    log = open(folder / "pgbouncer.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("PgBouncer stopped: " + (folder / "pgbouncer.log").read_text())
                time.sleep(0.05)
        yield {"port": port, "user": user}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def through_pgbouncer(pgbouncer):
    """Every Django connection opened during the test goes through PgBouncer, with the
    transaction-mode settings; the ones before it are closed first and restored after."""
    settings_dict = connections.settings["default"]
    original = copy.deepcopy(settings_dict)
    connection.close()
    pooled = for_pool_mode(copy.deepcopy(original), "transaction")
    pooled.update(HOST="127.0.0.1", PORT=str(pgbouncer["port"]), CONN_MAX_AGE=0)
    settings_dict.clear()
    settings_dict.update(pooled)
    try:
        yield pgbouncer
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(original)


def _pool_servers(pgbouncer, database: str) -> int:
    """How many server connections PgBouncer holds for the database (its admin console)."""
    with psycopg.connect(
        host="127.0.0.1", port=pgbouncer["port"], user=pgbouncer["user"], dbname="pgbouncer", autocommit=True
    ) as admin:
        rows = admin.execute("SHOW SERVERS").fetchall()
        columns = [c.name for c in admin.execute("SHOW SERVERS").description]
    return sum(1 for row in rows if dict(zip(columns, row, strict=False))["database"] == database)


def test_the_transaction_mode_settings_turn_off_server_side_cursors_and_prepared_statements():
    database = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}}
    assert for_pool_mode(copy.deepcopy(database), "session") == database
    pooled = for_pool_mode(copy.deepcopy(database), "transaction")
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"]["prepare_threshold"] is None


def test_the_connection_really_goes_through_pgbouncer_with_nothing_prepared(through_pgbouncer):
    assert connection.settings_dict["PORT"] == str(through_pgbouncer["port"])
    with connection.cursor() as cursor:
        for _ in range(10):  # more than psycopg's default prepare_threshold of 5
            cursor.execute("SELECT count(*) FROM people_organisation WHERE name <> %s", ["x"])
        assert connection.connection.prepare_threshold is None
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0


def test_services_pages_and_the_audit_chain_work_through_pgbouncer_from_many_clients(through_pgbouncer):
    from tests.world import build_world

    w = build_world()
    people = [w.service_user]
    for n in range(3):
        person = services.service_user_register(
            given_name=f"Pool{n}",
            family_name="Tester",
            date_of_birth=w.service_user.date_of_birth,
            team=w.cmht_north,
            key_worker=w.keyworker_mh,
            by=w.keyworker_mh,
        )
        people.append(person)
    pages = [reverse("caseload")] + [reverse("service_user_detail", args=[p.pk]) for p in people]
    errors: list[BaseException] = []
    statuses: list[int] = []
    verdicts: list[chain.Verdict] = []
    start = threading.Barrier(6)

    def staff_member_at_work(user, consent_for):
        try:
            client = Client()
            client.force_login(user)
            start.wait(timeout=30)
            for _ in range(3):
                for url in pages:
                    statuses.append(client.get(url).status_code)
                # A chunked iterator (one fetch per 20 rows) while the others run their transactions.
                verdicts.append(chain.verify(chunk_size=20))
            if consent_for is not None:
                # A write with its row locks and audit events, while the others read.
                services.consent_record(
                    service_user=consent_for,
                    organisation=w.sm,
                    scope=Scope.OUTCOMES,
                    by=w.keyworker_mh,
                    method="verbal",
                )
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=staff_member_at_work, args=(w.keyworker_mh, people[i] if i < 4 else None))
        for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(statuses) == 6 * 3 * len(pages)
    assert set(statuses) == {200}
    assert len(verdicts) == 6 * 3 and all(v.ok and v.count > 50 for v in verdicts), verdicts
    # Six clients, and PgBouncer never opened more than its two server connections.
    assert _pool_servers(through_pgbouncer, connection.settings_dict["NAME"]) <= 2
    # The audit chain the concurrent writers built is whole, read back through a chunked iterator.
    verdict = chain.verify(chunk_size=50)
    assert verdict.ok, verdict
