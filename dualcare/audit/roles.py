"""Two PostgreSQL roles: an owner that runs migrations, and an app role that owns nothing.

The owner of a table can drop or disable its triggers, so the application must not be it:
the app role gets SELECT, INSERT, UPDATE and DELETE on ordinary tables and USAGE on
sequences, but only SELECT and INSERT on the audit log. `manage.py migrate` connects as the owner when
DATABASE_MIGRATE_URL is set and then re-applies these grants, so tables added later are
covered; `manage.py db_roles` applies them on their own.
"""

import re

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction

ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# The database stays the connection's own (a test run's is test_<name>): only who connects
# and where change.
CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def audit_tables() -> list[str]:
    return [model._meta.db_table for model in apps.get_app_config("audit").get_models()]


def connect_as_owner(alias: str) -> str | None:
    """Point `alias` at DATABASE_MIGRATE_URL's owner role; the app role's name, or None.

    None (and nothing changed) when DATABASE_MIGRATE_URL is not set or not PostgreSQL.
    """
    url = getattr(settings, "DATABASE_MIGRATE_URL", "")
    connection = connections[alias]
    if not url or connection.vendor != "postgresql":
        return None
    owner = dj_database_url.parse(url)
    if not owner["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_MIGRATE_URL must be a postgres:// URL, as DATABASE_URL is.")
    app_role = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict.update({key: owner[key] for key in CREDENTIALS})
    return app_role


def _name(role: str) -> str:
    if not ROLE_NAME.match(role or ""):
        raise ValueError(f"{role!r} is not a plain PostgreSQL role name (letters, digits and _)")
    return f'"{role}"'


def app_role_problems(cursor, app_role: str) -> list[str]:
    """Why `app_role` could erase the audit log (it owns it, or is a superuser); [] if it can't."""
    problems = []
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
    row = cursor.fetchone()
    if row is None:
        return [f"there is no role {app_role}"]
    if row[0]:
        problems.append(f"{app_role} is a superuser")
    cursor.execute(
        "SELECT relname FROM pg_class WHERE relname = ANY(%s)"
        " AND relnamespace = current_schema()::regnamespace AND pg_has_role(%s, relowner, 'USAGE')",
        [audit_tables(), app_role],
    )
    problems += [f"{app_role} owns {table} (and so may drop its triggers)" for (table,) in cursor.fetchall()]
    return problems


@transaction.atomic
def grant_app_role(*, app_role: str, using: str = "default") -> None:
    """(Re)apply the app role's grants in the current schema, idempotently, as the owner."""
    role = _name(app_role)
    with connections[using].cursor() as cursor:
        problems = app_role_problems(cursor, app_role)
        if problems:
            raise ValueError("; ".join(problems))
        cursor.execute("SELECT quote_ident(current_schema()), quote_ident(current_user)")
        schema, owner = cursor.fetchone()
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            # Tables the owner makes later (the next migration) get the same.
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema}"
            f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema}"
            f" GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement)
        for table in audit_tables():
            cursor.execute(f"REVOKE ALL ON {schema}.{table} FROM {role}, PUBLIC")
            cursor.execute(f"GRANT SELECT, INSERT ON {schema}.{table} TO {role}")
