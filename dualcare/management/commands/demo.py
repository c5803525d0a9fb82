"""`python manage.py demo`: load the fictional demo. Safe to run again: it only adds what is missing."""

from contextlib import nullcontext

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dualcare.exceptions import ApplicationError
from dualcare.management import demo_data
from dualcare.management.seeded_ids import seeded_ids


class Command(BaseCommand):
    help = (
        "Load the DualCare demo: fictional organisations, teams, staff of every role and service users "
        "across all four quadrants, with the demo logins (password from DEMO_PASSWORD). Running it again "
        "changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            help="Draw the new records' ids from a generator with this seed, so the same seed on an "
            "empty database gives the same ids (for the API contract check). Without it ids are random.",
        )

    def handle(self, *args, **options) -> None:
        seed = options.get("seed")
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
