"""How long does the beat take to store the dashboards' weekly measures, and what does a dashboard
cost reading them instead of working them out per request?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file; the demo, with its year of
weekly history, is loaded if the database has none):
    DEBUG=1 .venv/bin/python bench/weekly_measures.py [repeat=3]

Prints, for services.weekly_values_refresh: a full rebuild (every week of the longest period and
the open week, every team and organisation) and an incremental run (the open and settling weeks),
each with seconds, queries and rows written, and the time per provider for one full rebuild's
queries; then the team and organisation dashboards as manager.mh (median of `repeat`), reading the
stored values and, in a transaction rolled back, with nothing stored (worked out per request, as
before). Asserts nothing.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REQUIRE_STAFF_2FA", "0")  # signed in by the test client, no second step
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dualcare.dashboards import measures, services  # noqa: E402
from dualcare.dashboards.models import MeasureWeek, WeeklyValue  # noqa: E402
from dualcare.people.models import ServiceUser, Team, User  # noqa: E402


def refresh(name: str, **options) -> None:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        done = services.weekly_values_refresh(**options)
    sql = sum(float(query["time"]) for query in queries.captured_queries)
    print(
        f"{name:22} {done.seconds:8.2f} s, {done.weeks:3} weeks, {len(queries.captured_queries):4} queries "
        f"({sql:.2f} s SQL), {done.rows} values written"
    )


def providers_once() -> None:
    """One full rebuild's provider calls (team and organisation groups), timed per provider."""
    team_ids = list(Team.objects.values_list("pk", flat=True))
    weeks = services.weeks_to_compute(full=True)
    chunks = services._chunks(weeks)
    for module in measures.providers():
        started = time.perf_counter()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            for chunk in chunks:
                for group in ("team", "organisation"):
                    module.weekly_measures(team_ids, min(chunk), max(chunk), group=group)
        print(
            f"  {module.__name__:32} {time.perf_counter() - started:7.2f} s, "
            f"{len(queries.captured_queries):4} queries"
        )


def page(client: Client, url: str, repeat: int) -> tuple[float, int]:
    runs = []
    for _ in range(repeat):
        connection.queries_log.clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HOST="127.0.0.1")
        runs.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(runs) * 1000, len(queries.captured_queries)


def main(repeat: int) -> None:
    call_command("migrate", verbosity=0)
    if not ServiceUser.objects.filter(nhs_number__startswith="99970").exists():
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("demo", stdout=quiet)  # fills the store too
        print(f"demo with history loaded in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk loads have no planner statistics until autovacuum gets to them (a minute or
        # so in service); without them PostgreSQL nests loops it should hash (measured 40x slower).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"database: {connection.vendor}; people: {ServiceUser.objects.count()}; "
        f"teams: {Team.objects.count()}; measures: {len(measures.definitions())}"
    )
    refresh("full rebuild", full=True)
    refresh("incremental run")
    refresh("incremental run again")
    print("per provider, one full rebuild's queries:")
    providers_once()
    print(f"stored: {MeasureWeek.objects.count()} weeks, {WeeklyValue.objects.count()} values")

    client = Client()
    client.force_login(User.objects.get(username="manager.mh"))
    north = Team.objects.get(name="Northgate North CMHT")
    pages = {
        "team dashboard": f"/dashboards/teams/{north.pk}/",
        "organisation dashboard": f"/dashboards/organisations/{north.organisation_id}/",
        "team API": f"/api/v1/dashboards/teams/{north.pk}/",
        "team CSV": f"/dashboards/teams/{north.pk}/dashboard.csv",
    }
    for name, url in pages.items():
        stored_ms, stored_queries = page(client, url, repeat)
        with transaction.atomic():
            MeasureWeek.objects.all().delete()  # nothing stored: worked out per request
            live_ms, live_queries = page(client, url, repeat)
            transaction.set_rollback(True)
        print(
            f"{name:24} stored {stored_ms:7.0f} ms, {stored_queries:3} queries; "
            f"per request {live_ms:7.0f} ms, {live_queries:3} queries (median of {repeat})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
