"""How long do the access checks take as the number of people grows?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file):
    DEBUG=1 .venv/bin/python bench/access_scale.py [people=20000]

Creates people in bulk in a scratch test database, gives a key worker object permissions on a
caseload of 40 and a manager on 1 in 10 of everyone (as access.py would), then times the
permission-filtered list (first page by name), the count, and a single-record check for
each, and the object-permission table's size per person and per row (its indexes one by one on
PostgreSQL). Prints medians of 20 runs; asserts nothing.
"""

import os
import statistics
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

import datetime as dt  # noqa: E402

from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from dualcare import access  # noqa: E402
from dualcare.people.models import ServiceUser, ServiceUserUserObjectPermission, User  # noqa: E402


def timed(fn, repeat=20):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def permission_table_size(people: int) -> None:
    """The object-permission table's rows and bytes (data, each index, total) per person."""
    table = ServiceUserUserObjectPermission._meta.db_table
    rows = ServiceUserUserObjectPermission.objects.count()
    print(f"{table}: {rows} rows, {rows / people:.2f} per person")
    if connection.vendor != "postgresql":
        print("  (sizes on PostgreSQL only)")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s)", [table] * 3
        )
        heap, indexes, total = cursor.fetchone()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass ORDER BY 1",
            [table],
        )
        each = cursor.fetchall()
    print(f"  table {heap / people:8.1f} B/person   indexes {indexes / people:8.1f} B/person")
    for name, size in each:
        print(f"    {name:60s} {size / people:8.1f} B/person")
    per_row = total / max(rows, 1)
    print(f"  total {total / people:8.1f} B/person, {per_row:.1f} B/row ({total / 1024 / 1024:.1f} MiB)")


def main(people: int) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)  # migrated
    try:
        key_worker = User.objects.create_user("bench.keyworker", kind=User.Kind.STAFF)
        manager = User.objects.create_user("bench.manager", kind=User.Kind.STAFF)
        perm = Permission.objects.get(content_type__app_label="people", codename=access.VIEW_RECORD)
        batch = 5000
        for offset in range(0, people, batch):
            ServiceUser.objects.bulk_create(
                ServiceUser(
                    given_name="Bench",
                    family_name=f"Person{offset + i:07d}",
                    date_of_birth=dt.date(1980, 1, 1),
                )
                for i in range(min(batch, people - offset))
            )
        all_ids = list(ServiceUser.objects.values_list("pk", flat=True))
        caseloads = {key_worker: all_ids[7 :: max(1, people // 40)][:40], manager: all_ids[::10]}
        for user, ids in caseloads.items():
            ServiceUserUserObjectPermission.objects.bulk_create(
                ServiceUserUserObjectPermission(user=user, permission=perm, content_object_id=pk)
                for pk in ids
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; people: {people}")
        permission_table_size(people)
        for user, ids in caseloads.items():
            one = ServiceUser.objects.get(pk=ids[len(ids) // 2])
            visible = access.service_users_visible_to(user).order_by("family_name")
            print(f"{user.username}: may see {len(ids)}")
            print(f"  first page of 50 (ordered by name): {timed(lambda v=visible: list(v[:50])):8.2f} ms")
            print(f"  count visible:                      {timed(lambda v=visible: v.count()):8.2f} ms")
            check = timed(lambda u=user, o=one: access.can_view_record(u, o))
            print(f"  can_view_record (one person):       {check:8.2f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
