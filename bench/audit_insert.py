"""What does writing an audit row cost? (every read of a person writes one)

Usage (uses DATABASE_URL when set, else a throwaway SQLite file):
    DEBUG=1 .venv/bin/python bench/audit_insert.py [rows=10000]

In a scratch test database: `rows` audit rows one at a time through audit_record (each in
its own transaction, as a page view writes one), then `rows` more in bulk_create batches of
50 (as a list read writes them), then audit_verify over everything. Prints the totals and
the cost per row; asserts nothing.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from dualcare.audit.models import AuditEvent  # noqa: E402
from dualcare.audit.services import audit_record  # noqa: E402
from dualcare.people.models import User  # noqa: E402


def report(label: str, rows: int, seconds: float) -> None:
    print(f"  {label:<34} {seconds:7.2f} s  {seconds / rows * 1e6:8.1f} µs/row")


def main(rows: int) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)  # migrated
    try:
        actor = User.objects.create_user("bench.keyworker", kind=User.Kind.STAFF)
        print(f"database: {connection.vendor}; rows: {rows} single + {rows} bulk")
        start = time.perf_counter()
        for i in range(rows):
            with transaction.atomic():
                audit_record(actor=None, action="bench.view", detail={"n": i})
        report("single (one transaction each)", rows, time.perf_counter() - start)
        start = time.perf_counter()
        for offset in range(0, rows, 50):
            with transaction.atomic():
                AuditEvent.objects.bulk_create(
                    AuditEvent(actor=actor, action="bench.list", detail={"records": i})
                    for i in range(offset, min(rows, offset + 50))
                )
        report("bulk_create (batches of 50)", rows, time.perf_counter() - start)
        if "audit_verify" in __import__("django.core.management", fromlist=["x"]).get_commands():
            start = time.perf_counter()
            call_command("audit_verify")
            report("audit_verify", 2 * rows, time.perf_counter() - start)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
