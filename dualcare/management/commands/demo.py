"""`python manage.py demo`: load the fictional demo. Safe to run again: it only adds what is missing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dualcare.exceptions import ApplicationError
from dualcare.management import demo_data


class Command(BaseCommand):
    help = (
        "Load the DualCare demo: fictional organisations, teams, staff of every role and service users "
        "across all four quadrants, with the demo logins (password from DEMO_PASSWORD). Running it again "
        "changes nothing."
    )

    def handle(self, *args, **options) -> None:
        try:
            demo = demo_data.build(password=settings.DEMO_PASSWORD)
        except ApplicationError as exc:
            # The whole run is one transaction, so nothing half-loaded is left behind.
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"The demo was not loaded{where}: {exc.message}") from exc
        self.stdout.write(demo_data.summary(demo))
