"""access.permission_id names the people permissions by number once read (on connecting, and after
every migrate or flush), and falls back to a subquery otherwise: the same rows either way."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import Subquery, Value

from dualcare import access
from dualcare.access import roles

pytestmark = pytest.mark.django_db


def people_permission(codename: str) -> int:
    return Permission.objects.get(
        codename=codename, content_type__app_label="people", content_type__model="serviceuser"
    ).pk


class PermissionIdTests:
    def test_it_names_each_people_permission_by_its_id_once_read(self):
        roles.remember_permission_ids()
        for codename in access.ALL_PERMS:
            expression = access.permission_id(codename)
            assert isinstance(expression, Value)
            assert expression.value == people_permission(codename)

    def test_it_reads_them_when_a_connection_opens(self, monkeypatch):
        monkeypatch.setattr(roles, "_permission_ids", {})
        real = connections["default"]
        connection_created.send(sender=type(real), connection=real)
        assert access.permission_id(access.VIEW_RECORD).value == people_permission(access.VIEW_RECORD)

    def test_the_same_people_are_visible_with_the_subquery_and_with_the_numbers(self, world, monkeypatch):
        roles.remember_permission_ids()
        by_number = {
            perm: set(access.service_users_visible_to(world.keyworker_sm, perm=perm))
            for perm in access.ALL_PERMS
        }
        monkeypatch.setattr(roles, "_permission_ids", {})
        assert isinstance(access.permission_id(access.VIEW_RECORD), Subquery)
        by_subquery = {
            perm: set(access.service_users_visible_to(world.keyworker_sm, perm=perm))
            for perm in access.ALL_PERMS
        }
        assert by_number == by_subquery
        assert world.service_user in by_number[access.VIEW_RECORD]
        assert world.service_user not in by_number["view_risk"]  # not consented to the SM service


@pytest.mark.django_db(transaction=True)
def test_a_flush_that_makes_the_permissions_afresh_is_followed():
    call_command("flush", interactive=False)  # post_migrate makes them again, with new ids
    for codename in access.ALL_PERMS:
        assert access.permission_id(codename).value == people_permission(codename)


@pytest.mark.django_db(transaction=True)
def test_the_test_databases_ids_are_read_again_after_reading_the_shared_demo():
    from .. import demo_db

    call_command("flush", interactive=False)  # the test database's ids are now not the demo's
    with demo_db.reading("live"):
        assert access.permission_id(access.VIEW_RECORD).value == people_permission(access.VIEW_RECORD)
    for codename in access.ALL_PERMS:
        assert access.permission_id(codename).value == people_permission(codename)
