"""On PostgreSQL the app's role cannot erase or rewrite the audit log; it can add to it and read it.

Each test makes a throwaway app role (unique name) inside the test's transaction, so it is
gone afterwards, grants it what `manage.py migrate`/`db_roles` grant, and tries each statement
as that role (SET LOCAL ROLE, undone with the savepoint).
"""

import uuid
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from dualcare.audit import roles
from dualcare.audit.models import AuditEvent
from dualcare.audit.services import audit_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database roles and grants are PostgreSQL's"
    ),
]


@pytest.fixture
def app_role(db):
    name = f"dualcare_app_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database user must be a superuser to make and become a role")
        cursor.execute(f'CREATE ROLE "{name}" NOLOGIN')
    roles.grant_app_role(app_role=name)
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


@contextmanager
def as_role(name):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{name}"')
        yield cursor
        cursor.execute("RESET ROLE")


def refused(name, statement) -> str:
    with pytest.raises(DatabaseError) as refusal, as_role(name) as cursor:
        cursor.execute(statement)
    return str(refusal.value)


class AppRoleTests:
    def test_it_may_add_to_the_audit_log_and_read_it_and_its_rows_are_chained(self, app_role):
        audit_record(actor=None, action="service_user.view")
        with as_role(app_role) as cursor:
            audit_record(actor=None, action="service_user.view")
            AuditEvent.objects.bulk_create(
                [AuditEvent(action="quadrant.list"), AuditEvent(action="quadrant.list")]
            )
            cursor.execute("SELECT count(*), max(seq) FROM audit_auditevent")
            assert cursor.fetchone() == (4, 4)
        call_command("audit_verify")

    def test_it_may_change_ordinary_tables(self, app_role):
        with as_role(app_role) as cursor:
            cursor.execute("UPDATE people_organisation SET name = name")
            cursor.execute("DELETE FROM django_session")

    @pytest.mark.parametrize(
        "statement",
        [
            "TRUNCATE audit_auditevent",
            "DELETE FROM audit_auditevent",
            "UPDATE audit_auditevent SET action = 'x'",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_or_delete",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_event_chain ON audit_auditevent",
            "DROP TABLE audit_auditevent CASCADE",
        ],
    )
    def test_it_cannot_erase_or_rewrite_the_audit_log(self, app_role, statement):
        audit_record(actor=None, action="service_user.view")
        message = refused(app_role, statement)
        assert "permission denied" in message or "must be owner" in message
        assert AuditEvent.objects.count() == 1

    def test_the_owner_cannot_truncate_it_either(self):
        audit_record(actor=None, action="service_user.view")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the insert's foreign key checks, now
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.count() == 1

    def test_grants_refuse_a_role_that_owns_the_audit_log(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            owner = cursor.fetchone()[0]
        with pytest.raises(CommandError, match=f"Not granted: .*{owner} owns audit_auditevent"):
            call_command("db_roles", app_role=owner)

    def test_grants_can_be_applied_again(self, app_role):
        call_command("db_roles", app_role=app_role)
        assert "permission denied" in refused(app_role, "DELETE FROM audit_auditevent")
