"""A provider handover at trust scale (issue 21 item 5): the dry run, carrying it out, and its pages.

On a copy of the trust (never the template itself), as the README's Benchmarks say:

    createdb -U postgres -h 127.0.0.1 -T dualcare_trust dualcare_bench_h22
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dualcare_bench_h22 .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dualcare_bench_h22 .venv/bin/python bench/handover.py

It hands the team of `keyworker.trust` (the largest caseload) over to a new provider's team: two
new admins propose and agree it for today, which carries it out at once. It prints the dry run's
and the carrying out's time and queries, then each handover page's p50 over --reps (in-process,
Django's test client: the pages' own cost, no web server), its queries and HTML size. It writes to
the database it is given: drop the copy afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REQUIRE_STAFF_2FA", "0")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--keyworker", default="keyworker.trust")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from dualcare.people import handover, services
    from dualcare.people.models import Involvement, StaffRole, Team, User

    keyworker = User.objects.get(username=args.keyworker)
    team = (
        StaffRole.objects.filter(user=keyworker, end__isnull=True)
        .select_related("team__organisation")
        .first()
        .team
    )
    people = Involvement.objects.filter(team=team, end__isnull=True).count()
    print(f"Handing over {team} ({team.organisation}): {people} people in care", flush=True)
    stamp = int(time.time())
    new_org = services.organisation_create(name=f"Bench New Provider {stamp}", kind=team.organisation.kind)
    new_team = Team.objects.create(organisation=new_org, name="Bench New Team")
    office_old = Team.objects.create(organisation=team.organisation, name=f"Bench office {stamp}")
    office_new = Team.objects.create(organisation=new_org, name="Bench office")
    admins = []
    for name, office in ((f"bench.admin.old.{stamp}", office_old), (f"bench.admin.new.{stamp}", office_new)):
        user = User.objects.create_user(username=name, password=None)
        services.staff_role_add(user=user, team=office, role=StaffRole.Role.ORG_ADMIN)
        admins.append(user)
    found = handover.handover_propose(
        from_organisation=team.organisation, to_organisation=new_org, on=_today(), by=admins[0]
    )
    handover.handover_team_add(handover=found, from_team=team, to_team=new_team, by=admins[0])
    handover.handover_agree(handover=found, by=admins[0])

    client = Client()
    client.force_login(admins[1])
    pages = [
        ("handovers list", reverse("handover_list")),
        ("handover (dry run, proposed)", reverse("handover_detail", kwargs={"pk": found.pk})),
        ("handover people searched", reverse("handover_detail", kwargs={"pk": found.pk}) + "?q=a"),
    ]
    results = [
        _measure(client, label, url, args.reps, CaptureQueriesContext, connection) for label, url in pages
    ]

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = handover.handover_dry_run(found)
        dry_ms = (time.perf_counter() - started) * 1000
    print(f"dry run: {dry_ms:.0f} ms, {len(queries)} queries: {run}", flush=True)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        handover.handover_agree(handover=found, by=admins[1])  # today: carried out at once
        carry_ms = (time.perf_counter() - started) * 1000
    found.refresh_from_db()
    print(f"agree + carry out: {carry_ms:.0f} ms, {len(queries)} queries, state {found.state}", flush=True)

    done_pages = [
        ("handover (done)", reverse("handover_detail", kwargs={"pk": found.pk})),
        ("handover report", reverse("handover_report", kwargs={"pk": found.pk})),
        ("handover report, page 20", reverse("handover_report", kwargs={"pk": found.pk}) + "?page=20"),
        ("handover report CSV", reverse("handover_report_csv", kwargs={"pk": found.pk})),
    ]
    results += [
        _measure(client, label, url, args.reps, CaptureQueriesContext, connection)
        for label, url in done_pages
    ]
    print("| page | p50 ms | p95 ms | queries | HTML | status |")
    print("|---|---:|---:|---:|---:|---|")
    for line in results:
        print(line)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _today():
    from dualcare import clock

    return clock.today()


def _measure(client, label, url, reps, capture, connection) -> str:
    client.get(url)  # warm-up
    times = []
    for _ in range(reps):
        with capture(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (
        f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {len(queries)} | "
        f"{len(body) / 1024:.1f} KB | {response.status_code} |"
    )


if __name__ == "__main__":
    main()
