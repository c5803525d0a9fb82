"""How long does a dashboard PDF take, and how many pages is it, on the demo?

Usage (uses DATABASE_URL when set, else a throwaway SQLite file; the demo, with its year of
weekly history, is loaded if the database has none):
    .venv/bin/python bench/dashboard_pdf.py [weeks=52 104]

Renders, in-process as the worker does (services.pdf_render), the PDF of Northgate's
organisation dashboard and of its North CMHT team for each period asked, and prints the seconds,
the page count, the file size and the process's peak memory. Asserts nothing; the worker's
soft time limit is printed for comparison.
"""

import io
import logging
import os
import resource
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
from django.db import connection  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from dualcare.dashboards import services, tasks  # noqa: E402
from dualcare.dashboards.models import DashboardPdf  # noqa: E402
from dualcare.dashboards.selectors import period_for  # noqa: E402
from dualcare.people.models import ServiceUser, Team, User  # noqa: E402


def render(kind: str, team: Team, weeks: int, manager: User) -> None:
    document = DashboardPdf.objects.create(
        kind=kind,
        organisation=team.organisation,
        team=team if kind == "team" else None,
        weeks=weeks,
        first_week=period_for(weeks).first,
        last_week=period_for(weeks).last,
        requested_by=manager,
    )  # made directly, not through pdf_request, so no worker is queued to race this process
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    services.pdf_render(document.pk)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    document.refresh_from_db()
    if not document.pdf:
        print(f"{kind:12} {weeks:3} weeks  {elapsed:6.1f} s  NOT RENDERED ({document.state})")
        return
    content = document.pdf.read()
    pages = len(PdfReader(io.BytesIO(content)).pages)
    print(
        f"{kind:12} {weeks:3} weeks  {elapsed:6.1f} s  {pages:3} pages  {len(content) // 1024:5} KB  "
        f"process peak {peak // 1024} MB (+{(peak - before) // 1024} MB)"
    )


def main(periods: list[int]) -> None:
    call_command("migrate", verbosity=0)
    if not ServiceUser.objects.filter(nhs_number__startswith="99970").exists():
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("demo", stdout=quiet)
        print(f"demo with history loaded in {time.perf_counter() - started:.1f} s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    print(f"database: {connection.vendor}; soft time limit {tasks.dashboard_pdf_render.soft_time_limit} s")
    manager = User.objects.get(username="manager.mh")
    north = Team.objects.get(name="Northgate North CMHT")
    for weeks in periods:
        for kind in ("organisation", "team"):
            render(kind, north, weeks, manager)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [52, 104])
