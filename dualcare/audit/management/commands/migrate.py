"""manage.py migrate, as the owner role when DATABASE_MIGRATE_URL is set, then the app's grants.

The app itself connects with DATABASE_URL as a role that owns nothing (dualcare/audit/roles.py).
"""

from django.core.management.base import CommandError
from django.core.management.commands import migrate

from dualcare.audit import roles


class Command(migrate.Command):
    def handle(self, *args, **options):
        app_role = roles.connect_as_owner(options["database"])
        super().handle(*args, **options)
        if app_role:
            try:
                roles.grant_app_role(app_role=app_role, using=options["database"])
            except ValueError as error:
                raise CommandError(
                    f"Migrated, but the app role was not granted: {error}. DATABASE_URL must name "
                    "a role that owns nothing, DATABASE_MIGRATE_URL the owner."
                ) from error
            if options["verbosity"]:
                self.stdout.write(
                    f"Granted {app_role} its privileges (the audit log: SELECT and INSERT only)."
                )
