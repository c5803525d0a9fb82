from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "dualcare.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from . import chain

        # SQLite's insert trigger hashes with a function each connection must provide.
        connection_created.connect(chain.register_sqlite_function, dispatch_uid="audit_event_hash")
        post_migrate.connect(chain.ensure_sqlite_trigger, sender=self, dispatch_uid="audit_event_chain")
