"""manage.py db_roles: (re)apply the app role's grants, as the owner role."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from dualcare.audit import roles


class Command(BaseCommand):
    help = (
        "Grant the app role (which must own nothing) what it needs: SELECT, INSERT, UPDATE and "
        "DELETE on ordinary tables, USAGE on sequences, only SELECT and INSERT on the audit log. "
        "Connects as DATABASE_MIGRATE_URL's owner role when set. Idempotent. PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", help="The app's role (default: DATABASE_URL's user).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, **options):
        alias = options["database"]
        if connections[alias].vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL; this database is not.")
        app_role = options["app_role"] or roles.connect_as_owner(alias)
        if options["app_role"]:
            roles.connect_as_owner(alias)
        if not app_role:
            raise CommandError("Name the app role with --app-role (or set DATABASE_MIGRATE_URL).")
        try:
            roles.grant_app_role(app_role=app_role, using=alias)
        except ValueError as error:
            raise CommandError(f"Not granted: {error}. Run the app as a role that owns nothing.") from error
        self.stdout.write(f"Granted {app_role} its privileges (the audit log: SELECT and INSERT only).")
