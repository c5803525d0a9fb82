"""`python manage.py demo`: load the fictional demo. Safe to run again: it only adds what is missing.

`python manage.py demo --scale trust` (or `--scale 1/25`, any 1/N) instead generates a synthetic
NHS trust into an empty database, for measuring (dualcare/management/scale.py)."""

import time
from contextlib import nullcontext

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from dualcare.exceptions import ApplicationError
from dualcare.management import demo_data
from dualcare.management.seeded_ids import seeded_ids

SCALE_SEED = 2026


class Command(BaseCommand):
    help = (
        "Load the DualCare demo: fictional organisations, teams, staff of every role and service users "
        "across all four quadrants, with the demo logins (password from DEMO_PASSWORD). Running it again "
        "changes nothing. With --scale, generate a synthetic NHS trust instead, into an empty database "
        "(migrated first): at --scale trust 20 organisations, 200 teams, about 3,000 staff, 50,000 people, "
        "84,000 involvements, 100,000 referrals, 50,000 care plans, 1,000,000 contacts (20,000 "
        "collections due today) and the object permissions they give; --scale 1/N is a fraction of "
        "that. Its logins (password from DEMO_PASSWORD; two-factor as the demo, off with "
        "REQUIRE_STAFF_2FA=0): keyworker.trust (a key worker on a team caseload of about 740), "
        "manager.trust (a team manager in that trust), pharmacist.trust (about 330 collections "
        "due today) and admin.trust (an organisation admin)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            help="Draw the new records' ids from a generator with this seed, so the same seed on an "
            "empty database gives the same ids (for the API contract check). Without it ids are random. "
            f"With --scale, the seed of the generated trust (default {SCALE_SEED}): the same seed gives "
            "the same data.",
        )
        parser.add_argument(
            "--scale",
            help="Generate a synthetic NHS trust into an empty database instead of the demo: 'trust' "
            "for the whole trust, or a fraction 1/N such as 1/25 or 1/1000.",
        )

    def handle(self, *args, **options) -> None:
        seed = options.get("seed")
        if options.get("scale"):
            self._scale(options["scale"], SCALE_SEED if seed is None else seed)
            return
        try:
            with seeded_ids(seed) if seed is not None else nullcontext():
                demo = demo_data.build(password=settings.DEMO_PASSWORD)
        except ApplicationError as exc:
            # The whole run is one transaction, so nothing half-loaded is left behind.
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"The demo was not loaded{where}: {exc.message}") from exc
        self.stdout.write(demo_data.summary(demo))
        # The dashboards read stored weekly measures: fill them now, so the demo's show figures at
        # once rather than after the beat's first run (weeks already stored are not worked out again).
        from dualcare.dashboards.services import weekly_values_refresh

        refreshed = weekly_values_refresh()
        self.stdout.write(
            f"Dashboards: {refreshed.weeks} weeks of measures stored in {refreshed.seconds:.1f} s."
        )

    def _scale(self, value: str, seed: int) -> None:
        from dualcare.management import scale

        try:
            fraction = scale.parse_scale(value)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        def say(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        began = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        say(f"migrated ({time.monotonic() - began:.1f} s)")
        try:
            result = scale.trust_scale_build(
                scale=fraction, seed=seed, password=settings.DEMO_PASSWORD, say=say
            )
        except ApplicationError as exc:
            raise CommandError(f"The trust-scale data was not generated: {exc.message}") from exc
        if connection.vendor == "postgresql":
            analysed = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            say(f"analysed ({time.monotonic() - analysed:.1f} s)")
        from dualcare.dashboards.services import weekly_values_refresh

        stored = time.monotonic()
        refreshed = weekly_values_refresh()
        say(f"dashboards: {refreshed.weeks} weeks of measures stored ({time.monotonic() - stored:.1f} s)")
        say(f"Trust at scale {fraction} (seed {seed}) in {time.monotonic() - began:.0f} s.")
        say(f"Logins (password: {settings.DEMO_PASSWORD}):")
        for username, who in result["logins"].items():
            say(f"  {username}: {who}")
