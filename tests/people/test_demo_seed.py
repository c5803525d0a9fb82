"""`manage.py demo --seed N`: the same seed on an empty database gives the same record ids."""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from dualcare.management.seeded_ids import seeded_ids
from dualcare.people.models import Organisation, ServiceUser, Team, User

from .. import demo_db


class _RolledBack(Exception):
    pass


def noted_ids() -> dict[str, str]:
    """A few ids of the demo loaded on this database."""
    return {
        "first organisation": str(
            Organisation.objects.get(name="Northgate Mental Health NHS Foundation Trust").pk
        ),
        "a team": str(Team.objects.get(name="Harbourside Recovery Team").pk),
        "the service user": str(ServiceUser.objects.get(user__username="serviceuser").pk),
        "a staff role": str(
            User.objects.get(username="keyworker.mh").staff_roles.order_by("role").first().pk
        ),
        "last person": str(ServiceUser.objects.order_by("-created_at", "-pk").first().pk),
    }


def demo_ids(**options) -> dict[str, str]:
    """Load the demo on the (empty) test database, note a few ids, and undo the load."""
    ids: dict[str, str] = {}
    try:
        with transaction.atomic():
            call_command("demo", stdout=StringIO(), **options)
            ids = noted_ids()
            raise _RolledBack
    except _RolledBack:
        pass
    return ids


@pytest.fixture(scope="class")
def shared_demo_ids(django_db_setup, django_db_blocker):
    """The ids of the shared live demo: `manage.py demo --seed 7` on another empty database."""
    with django_db_blocker.unblock():
        return demo_db.measure("live", noted_ids)


@pytest.mark.django_db
class DemoSeedTests:
    def test_it_gives_the_same_ids_for_the_same_seed(self, shared_demo_ids):
        assert demo_db.SEED == 7
        ids = demo_ids(seed=7)
        assert len(ids) == 5
        assert ids == shared_demo_ids


class SeededIdsTests(TestCase):
    def test_it_draws_the_same_ids_from_the_same_seed_and_others_from_another(self):
        with seeded_ids(7):
            seven = [Organisation().pk, Team().pk]
        with seeded_ids(7):
            again = [Organisation().pk, Team().pk]
        with seeded_ids(8):
            eight = [Organisation().pk, Team().pk]
        self.assertEqual(seven, again)
        self.assertNotEqual(seven, eight)
        self.assertEqual({pk.version for pk in seven}, {4})

    def test_it_puts_random_ids_back_afterwards(self):
        with seeded_ids(7):
            seeded = Organisation().pk
        self.assertIs(Organisation._meta.get_field("id").default, uuid.uuid4)
        self.assertNotEqual(Organisation().pk, seeded)
        self.assertNotEqual(Organisation().pk, Organisation().pk)
