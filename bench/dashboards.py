"""How long do the managers' dashboards take on a year of history, and what does a PDF cost?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file; the demo, with its year of
weekly history, is loaded if the database has none):
    DEBUG=1 .venv/bin/python bench/dashboards.py [repeat=5]

Times, as manager.mh through the Django test client: the team, organisation and locality
dashboards (52 weeks), the team CSV, and one team PDF rendered in-process (as the worker does),
with the process's peak memory. Prints the median wall-clock time, the number of queries and their SQL
time; asserts nothing.
"""

import logging
import os
import resource
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dualcare.people.models import ServiceUser, Team, User  # noqa: E402


def main(repeat: int) -> None:
    call_command("migrate", verbosity=0)
    if not ServiceUser.objects.filter(nhs_number__startswith="99970").exists():
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("demo", stdout=quiet)
        print(f"demo with history loaded in {time.perf_counter() - started:.1f} s")
    print(f"database: {connection.vendor}; people: {ServiceUser.objects.count()}")
    manager = User.objects.get(username="manager.mh")
    client = Client()
    client.force_login(manager)
    north = Team.objects.get(name="Northgate North CMHT")
    pages = {
        "team dashboard": f"/dashboards/teams/{north.pk}/",
        "organisation dashboard": f"/dashboards/organisations/{north.organisation_id}/",
        "locality": "/dashboards/locality/",
        "team CSV": f"/dashboards/teams/{north.pk}/dashboard.csv",
    }
    for name, url in pages.items():
        runs = []
        for _ in range(repeat):
            connection.queries_log.clear()  # a full log (after loading the demo) captures nothing
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, HTTP_HOST="127.0.0.1")
            runs.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        sql = sum(float(query["time"]) for query in queries.captured_queries)
        print(
            f"{name:24} {statistics.median(runs) * 1000:7.0f} ms median of {repeat}, "
            f"{len(queries.captured_queries)} queries, {sql * 1000:.0f} ms SQL, "
            f"{len(response.content) // 1024} KB"
        )

    from dualcare.dashboards import services
    from dualcare.dashboards.selectors import period_for

    document = services.pdf_request(
        kind="team", organisation=north.organisation, team=north, period=period_for(52), by=manager
    )
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    services.pdf_render(document.pk)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    document.refresh_from_db()
    size = document.pdf.size if document.pdf else 0
    print(
        f"team PDF (52 weeks)      {elapsed:7.1f} s, process peak {peak // 1024} MB "
        f"(+{(peak - before) // 1024} MB), {size // 1024} KB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
