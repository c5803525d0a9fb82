"""What does the consent rule on organisation-written rows (access.org_written_filter) cost?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file):
    DEBUG=1 .venv/bin/python bench/org_written.py [people=20000]

Creates people in bulk in a scratch test database, four quadrant assessments each (two by each
of two organisations), and a key worker of the second organisation with view permission on a
caseload of 40, outcomes permission and consent for half of them (as access.py would). Times the
first page of 25 assessments as the API lists them, one person's assessments, and the caseload's
current quadrant, each with org_written_filter and, for comparison, with the record-only filter
used before issue 12 (which let every assessment through). Prints medians of 20 runs and, on
PostgreSQL, the plan of the list; asserts nothing.
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
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from cohorts.models import QuadrantAssessment  # noqa: E402
from cohorts.selectors import with_current_quadrant  # noqa: E402
from dualcare import access  # noqa: E402
from dualcare.people.models import (  # noqa: E402
    Consent,
    Organisation,
    Scope,
    ServiceUser,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)


def timed(fn, repeat=20):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def main(people: int) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)  # migrated
    try:
        mh = Organisation.objects.create(name="Bench MH", kind=Organisation.Kind.MENTAL_HEALTH)
        sm = Organisation.objects.create(name="Bench SM", kind=Organisation.Kind.SUBSTANCE_MISUSE)
        team = Team.objects.create(organisation=sm, name="Bench recovery team")
        key_worker = User.objects.create_user("bench.keyworker", kind=User.Kind.STAFF)
        StaffRole.objects.create(user=key_worker, team=team, role=StaffRole.Role.KEY_WORKER)
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
        for offset in range(0, people, batch):
            QuadrantAssessment.objects.bulk_create(
                QuadrantAssessment(
                    service_user_id=pk,
                    mental_health_severity="high",
                    substance_use_severity="high",
                    quadrant="IV",
                    assessed_on=dt.date(2026, 1, 1) + dt.timedelta(days=n * 30),
                    assessed_by=key_worker,
                    organisation=mh if n % 2 == 0 else sm,
                    rationale="Bench",
                )
                for pk in all_ids[offset : offset + batch]
                for n in range(4)
            )
        caseload = all_ids[7 :: max(1, people // 40)][:40]
        perms = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label="people", codename__in=access.ALL_PERMS
            )
        }
        rows = [(pk, access.VIEW_RECORD) for pk in caseload] + [
            (pk, access.SCOPE_PERMS[Scope.OUTCOMES]) for pk in caseload[:20]
        ]
        ServiceUserUserObjectPermission.objects.bulk_create(
            ServiceUserUserObjectPermission(user=key_worker, permission=perms[codename], content_object_id=pk)
            for pk, codename in rows
        )
        Consent.objects.bulk_create(
            Consent(service_user_id=pk, organisation=sm, scope=Scope.OUTCOMES, recorded_by=key_worker)
            for pk in caseload[:20]
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}; people: {people}; assessments: {people * 4}")

        ordered = ("-assessed_on", "-created_at")
        new = access.org_written_filter(key_worker, QuadrantAssessment.objects.all()).order_by(*ordered)
        before = QuadrantAssessment.objects.filter(
            service_user__in=access.service_users_visible_to(key_worker)
        ).order_by(*ordered)
        one = ServiceUser.objects.get(pk=caseload[5])
        print(f"  visible: {new.count()} of the caseload's {before.count()} assessments")
        for name, queryset in (("org_written_filter", new), ("record only (before)", before)):
            print(f"  {name}:")
            print(f"    first page of 25:           {timed(lambda q=queryset: list(q[:25])):8.2f} ms")
            print(
                f"    one person's assessments:   "
                f"{timed(lambda q=queryset: list(q.filter(service_user=one))):8.2f} ms"
            )
        people_qs = ServiceUser.objects.filter(pk__in=caseload)
        latest_before = QuadrantAssessment.objects.filter(service_user=OuterRef("pk")).order_by(*ordered)
        current_before = people_qs.annotate(q=Subquery(latest_before.values("quadrant")[:1]))
        current_new = with_current_quadrant(people_qs, user=key_worker)
        for name, queryset in (("org_written", current_new), ("before", current_before)):
            print(
                f"  caseload current quadrant (40), {name}: {timed(lambda q=queryset: list(q.all())):8.2f} ms"
            )
        if connection.vendor == "postgresql":
            sql, params = new[:25].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN ANALYZE {sql}", params)
                print("\n".join(row[0] for row in cursor.fetchall()))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
