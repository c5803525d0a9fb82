from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _remember_permission_ids(sender, connection=None, using=None, **kwargs) -> None:
    from dualcare.access.roles import remember_permission_ids

    remember_permission_ids(using=connection.alias if connection is not None else using)


class PeopleConfig(AppConfig):
    name = "dualcare.people"
    label = "people"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        # access.permission_id's numbers: read on each new connection (one query), and again
        # after each migrate or flush, which may make the permissions (with new ids).
        connection_created.connect(_remember_permission_ids, dispatch_uid="people_permission_ids")
        post_migrate.connect(_remember_permission_ids, dispatch_uid="people_permission_ids_migrate")
