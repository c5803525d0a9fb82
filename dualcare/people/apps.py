from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _remember_permission_ids(sender, connection=None, using=None, **kwargs) -> None:
    from dualcare.access.roles import remember_permission_ids

    if connection is not None:
        # Only a configured database's own connection: not the one Django opens to the
        # server's maintenance database to create or drop a test database.
        if connection.alias not in connections.settings or connections[connection.alias] is not connection:
            return
        using = connection.alias
    remember_permission_ids(using=using)


class PeopleConfig(AppConfig):
    name = "dualcare.people"
    label = "people"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        # access.permission_id's numbers: read on each new connection (one query), and again
        # after each migrate or flush, which may make the permissions (with new ids).
        connection_created.connect(_remember_permission_ids, dispatch_uid="people_permission_ids")
        post_migrate.connect(_remember_permission_ids, dispatch_uid="people_permission_ids_migrate")
