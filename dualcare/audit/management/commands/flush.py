"""manage.py flush: on PostgreSQL the audit log refuses TRUNCATE, so flush fails there, as it
should. Except on a test database, which Django's test runner empties after each
transactional test: there the refusal is switched off for the flush's own transaction.
"""

from django.conf import settings
from django.core.management.commands import flush
from django.db import connections, transaction


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if not (settings.TESTING and connection.vendor == "postgresql"):
            return super().handle(**options)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")
            super().handle(**options)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")
