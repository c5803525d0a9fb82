"""The demo, built once per test process into a database of its own, for the tests that read it.

Building the demo takes seconds, its year of history and the dashboards' weekly store much
longer, and a dozen test classes read it. Each test process builds each of these once, the first
time a class asks, into a database beside its test database, and a class that reads it switches
the default connection to that database for the class, inside one transaction rolled back after
its last test (each test in a savepoint of its own, as `class_db`): what a test writes is gone
before the next, and the shared demo stays as built.

- ``live``: an empty migrated database, then ``manage.py demo --seed 7`` as a developer runs it
  (the demo history is off under the test runner, so: the live demo, then the dashboards' weekly
  store worked out from it). Its output and the `Demo` it built are kept.
- ``history``: a copy of ``live`` without its weekly store, then the demo again with the year of
  history on (only the history is added), then the weekly store's first run over all of it (what
  `make run` shows). What the live demo's logins saw before the history is measured on ``live``.

PostgreSQL: ``<test database>_demo_live`` is made (``CREATE DATABASE ... TEMPLATE``) from the
migrated test database as soon as that exists, before anything else connects to it, and
``_history`` from ``_live`` (which only this process's own connection ever opens); both are
dropped at the end of the session. SQLite (an in-memory test database): the same with
sqlite3's backup API into in-memory databases of the process's own.

The ids are the same as any empty database's with ``--seed 7`` (tests/people/test_demo_seed.py
compares a fresh build with this one). ContentType and Permission rows are the migrated test
database's own (copied right after migrating), so guardian's object permissions point at the same
rows; the ContentType cache is emptied at each switch all the same (a transactional test's flush
recreates the test database's rows).
"""

import copy
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from unittest import mock

from django.db import connections, transaction
from django.test import override_settings

SEED = 7


@dataclass
class SharedDemo:
    name: str  # the database's NAME
    demo: object = None  # the dualcare.management.demo_data.Demo it built
    output: str = ""  # what `manage.py demo` printed (live)
    refreshed: object = None  # the weekly store's first run (history)


_built: dict[str, SharedDemo] = {}
_names: dict[str, str] = {}  # variant -> database NAME, once the empty copy is made
_keep_alive: list[sqlite3.Connection] = []  # holds the in-memory SQLite databases open


def _default():
    return connections["default"]


def _is_sqlite() -> bool:
    return _default().vendor == "sqlite"


def _close_all() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()


def _sqlite_copy(source_raw: sqlite3.Connection, variant: str) -> str:
    name = f"file:memorydb_demo_{variant}?mode=memory&cache=shared"
    target = sqlite3.connect(name, uri=True, check_same_thread=False)
    source_raw.backup(target)
    _keep_alive.append(target)
    return name


def _pg_copy(source: str, target: str) -> None:
    with _default()._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def prepare_empty_copy() -> None:
    """Right after the test database is migrated: the empty copy the live demo will be built in
    (PostgreSQL copies a database only while nobody is connected to it)."""
    if "live" in _names:
        return
    conn = _default()
    if _is_sqlite():
        conn.ensure_connection()
        _names["live"] = _sqlite_copy(conn.connection, "live")
    else:
        test_name = conn.settings_dict["NAME"]
        _close_all()
        _names["live"] = f"{test_name}_demo_live"
        _pg_copy(test_name, _names["live"])


def drop_copies() -> None:
    """At the end of the session: drop the PostgreSQL copies (SQLite's go with the process)."""
    if not _is_sqlite():
        with _default()._nodb_cursor() as cursor:
            for name in _names.values():
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _names.clear()
    _built.clear()


@contextmanager
def on_database(name: str):
    """The default connection on another database (outside any transaction), then back. The
    ContentType cache is emptied both ways, and access.permission_id's numbers are those of the
    database switched to: a flush by a transactional test gives the test database's rows new ids."""
    from django.contrib.contenttypes.models import ContentType

    from dualcare.access.roles import remember_permission_ids

    conn = _default()
    if conn.in_atomic_block:
        raise RuntimeError("switch databases outside any transaction")
    old = conn.settings_dict["NAME"]
    if _is_sqlite():
        # An in-memory database lives while a connection holds it: keep the test database's.
        conn.ensure_connection()
        saved = conn.connection
        conn.connection = None
        conn.settings_dict["NAME"] = name
        ContentType.objects.clear_cache()
        remember_permission_ids()  # the demo's own (a statement may be built before one connects)
        try:
            yield
        finally:
            raw, conn.connection = conn.connection, saved
            conn.settings_dict["NAME"] = old
            ContentType.objects.clear_cache()
            if raw is not None:
                raw.close()
            # The test database's connection is given back, not opened, so nothing re-reads its
            # permission ids: without this the shared demo's (the ids before any flush) stay, and
            # every consent rule tested row by row finds no permission rows after a flush.
            remember_permission_ids()
    else:
        _close_all()
        conn.settings_dict["NAME"] = name
        ContentType.objects.clear_cache()
        remember_permission_ids()  # connects now: a statement built first would take the old ids
        try:
            yield
        finally:
            conn.close()
            conn.settings_dict["NAME"] = old
            ContentType.objects.clear_cache()
            remember_permission_ids()  # the same on the way back (found by CI on PostgreSQL)


def _build_live() -> SharedDemo:
    from django.core.management import call_command

    from dualcare.management import demo_data

    prepare_empty_copy()
    shared = SharedDemo(name=_names["live"])
    real_build = demo_data.build
    made = []

    def build(**options):
        made.append(real_build(**options))
        return made[-1]

    output = StringIO()
    with (
        on_database(shared.name),
        override_settings(DEMO_HISTORY=False),
        mock.patch.object(demo_data, "build", build),
    ):
        call_command("demo", seed=SEED, stdout=output)
    shared.demo, shared.output = made[0], output.getvalue()
    return shared


def _build_history() -> SharedDemo:
    from dualcare.dashboards import services
    from dualcare.dashboards.models import MeasureWeek, WeeklyValue
    from dualcare.management import demo_data

    live = get("live")
    conn = _default()
    if _is_sqlite():
        with on_database(live.name):
            conn.ensure_connection()
            name = _sqlite_copy(conn.connection, "history")
    else:
        name = f"{live.name.removesuffix('_live')}_history"
        _close_all()
        _pg_copy(live.name, name)
    _names["history"] = name
    shared = SharedDemo(name=name)
    with on_database(name):
        with transaction.atomic():
            # As if the live demo had never been stored: the store's first run is over the history too.
            WeeklyValue.objects.all().delete()
            MeasureWeek.objects.all().delete()
        with override_settings(DEMO_HISTORY=True):
            shared.demo = demo_data.build(password=live.demo.password)
            shared.refreshed = services.weekly_values_refresh()
    return shared


def _copy_of(shared: SharedDemo) -> SharedDemo:
    return SharedDemo(
        name=shared.name,
        demo=copy.deepcopy(shared.demo),
        output=shared.output,
        refreshed=shared.refreshed,
    )


def get(variant: str) -> SharedDemo:
    """The shared demo of this process (built the first time it is asked for)."""
    if variant not in _built:
        _built[variant] = {"live": _build_live, "history": _build_history}[variant]()
    return _built[variant]


def measure(variant: str, read):
    """``read()`` on the shared demo ``variant`` (outside any transaction; nothing it writes is
    kept): what the live demo looked like, for a class that reads the history."""
    shared = get(variant)
    with on_database(shared.name), transaction.atomic():
        value = read()
        transaction.set_rollback(True)
    return value


@contextmanager
def reading(variant: str):
    """For a test class: the shared demo's database as the default, in one transaction rolled
    back at the end (each test's own savepoint inside it). The class gets a copy of the `Demo`
    and may change it (a test clears ``demo.created`` to count what a second build adds)."""
    shared = get(variant)
    with on_database(shared.name):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _copy_of(shared)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


class OnSharedDemo:
    """A mixin for django.test.TestCase classes: the class reads the shared demo ``demo_variant``
    (``cls.shared``) instead of the test database; setUpTestData may add to it (rolled back).
    ``on_live_demo`` (a function), if set, is read on the live demo first, into ``cls.on_live``."""

    demo_variant = "live"
    on_live_demo = None

    @classmethod
    def setUpClass(cls):
        if cls.on_live_demo is not None:
            cls.on_live = measure("live", cls.on_live_demo)
        cls._shared_reading = reading(cls.demo_variant)
        cls.shared = cls._shared_reading.__enter__()
        try:
            super().setUpClass()
        except BaseException:
            cls._shared_reading.__exit__(None, None, None)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls._shared_reading.__exit__(None, None, None)
