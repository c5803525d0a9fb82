"""How big, and how slow, are the caseload, organisation people and pharmacy pages at a team's size?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file):
    DEBUG=1 .venv/bin/python bench/list_pages.py [people=743] [collections=333]

Builds, in a scratch test database and through the services (as users would), one CMHT with
`people` people on one key worker's caseload (each with a quadrant and the drug and alcohol team
involved too), a team manager of the CMHT, and a pharmacy with `collections` of them collecting
today. Then serves each page through Django's test client as its user and prints the HTML size,
the query count and the median time of 10 requests (after one to warm up). Asserts nothing.

The script runs against any checkout: ``PYTHONPATH=/path/to/other/checkout`` measures that code
(query parameters an older page does not know are ignored by it), for a before and after.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

here = Path(__file__).resolve().parent.parent
if str(here) not in sys.path:
    sys.path.append(str(here))  # after PYTHONPATH, so another checkout's code is measured when given
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REQUIRE_STAFF_2FA", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from cohorts.services import quadrant_assess  # noqa: E402
from dualcare.contacts import services as contacts  # noqa: E402
from dualcare.people import services  # noqa: E402
from dualcare.people.models import Organisation, StaffRole, Team, User  # noqa: E402
from tests.factories import synthetic_nhs_number  # noqa: E402

Role = StaffRole.Role


def build(people: int, collections: int) -> dict:
    mh = services.organisation_create(name="Bench Mental Health Trust", kind=Organisation.Kind.MENTAL_HEALTH)
    sm = services.organisation_create(name="Bench Drug Service", kind=Organisation.Kind.SUBSTANCE_MISUSE)
    pharmacy_org = services.organisation_create(name="Bench Pharmacy", kind=Organisation.Kind.PHARMACY)
    cmht = Team.objects.create(organisation=mh, name="Bench CMHT")
    recovery = Team.objects.create(organisation=sm, name="Bench Recovery Team")
    dispensary = Team.objects.create(organisation=pharmacy_org, name="Bench Dispensary")
    logins = {}
    for username, team, role in [
        ("bench.keyworker", cmht, Role.KEY_WORKER),
        ("bench.manager", cmht, Role.TEAM_MANAGER),
        ("bench.sm", recovery, Role.KEY_WORKER),
        ("bench.pharmacist", dispensary, Role.PHARMACIST),
    ]:
        logins[username] = User.objects.create_user(username, kind=User.Kind.STAFF)
        services.staff_role_add(user=logins[username], team=team, role=role)
    key_worker, sm_worker = logins["bench.keyworker"], logins["bench.sm"]
    today = timezone.localdate()
    for n in range(people):
        someone = services.service_user_register(
            team=cmht,
            given_name=f"Given{n:04d}",
            family_name=f"Family{n:04d}",
            date_of_birth=dt.date(1960, 1, 1) + dt.timedelta(days=13 * n),
            nhs_number=synthetic_nhs_number(),
            key_worker=key_worker,
        )
        services.involvement_start(service_user=someone, team=recovery, key_worker=sm_worker)
        quadrant_assess(
            service_user=someone,
            mental_health_severity="high",
            substance_use_severity="high" if n % 2 else "low",
            rationale="Bench.",
            by=key_worker,
        )
        if n < collections:
            services.involvement_start(service_user=someone, team=dispensary)
            services.consent_record(
                service_user=someone, organisation=pharmacy_org, scope="contacts", by=sm_worker
            )
            schedule = contacts.supervised_consumption_start(
                by=sm_worker,
                service_user=someone,
                pharmacy_team=dispensary,
                prescribing_team=recovery,
                medicine="Methadone oral solution 1 mg/ml",
                dose="60",
                start=today,
            )
            contacts.collections_generate(day=today, schedule_ids=[schedule.pk])
    return logins


def measure(client: Client, path: str, params: dict) -> tuple[int, int, float]:
    client.get(path, params)  # warm
    reset_queries()
    response = client.get(path, params)
    queries = len(connection.queries)
    assert response.status_code == 200, (path, response.status_code)
    runs = []
    for _ in range(10):
        start = time.perf_counter()
        client.get(path, params)
        runs.append((time.perf_counter() - start) * 1000)
    return len(response.content), queries, statistics.median(runs)


def main(people: int, collections: int) -> None:
    setup_test_environment()
    settings.DEBUG = True  # connection.queries
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        logins = build(people, collections)
        print(
            f"database: {connection.vendor}; people on the caseload: {people}; collections today: "
            f"{collections}; built in {time.perf_counter() - started:.0f} s; code from "
            f"{Path(services.__file__).parents[2]}"
        )
        pages = [
            ("key worker caseload", "bench.keyworker", "/caseload/", {}),
            ("key worker caseload, page 10", "bench.keyworker", "/caseload/", {"page": "10"}),
            ("key worker caseload, name search", "bench.keyworker", "/caseload/", {"q": "Family01"}),
            ("key worker caseload, quadrant IV", "bench.keyworker", "/caseload/", {"quadrant": "IV"}),
            ("manager caseload (+ organisation list)", "bench.manager", "/caseload/", {}),
            ("manager: organisation people", "bench.manager", "/caseload/", {"show": "organisation"}),
            ("pharmacy today", "bench.pharmacist", "/contacts/pharmacy/", {}),
            (
                "pharmacy today, not yet recorded",
                "bench.pharmacist",
                "/contacts/pharmacy/",
                {"state": "to_record"},
            ),
            ("pharmacy people", "bench.pharmacist", "/pharmacy/people/", {}),
            (
                "API service-users, search",
                "bench.keyworker",
                "/api/v1/service-users/",
                {"search": "Family01"},
            ),
        ]
        print(f"{'page':42} {'HTML KB':>8} {'queries':>8} {'p50 ms':>8}")
        for label, username, path, params in pages:
            client = Client()
            client.force_login(logins[username])
            size, queries, median = measure(client, path, params)
            print(f"{label:42} {size / 1024:8.1f} {queries:8d} {median:8.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 743,
        int(sys.argv[2]) if len(sys.argv) > 2 else 333,
    )
