"""`manage.py demo --seed N`: the same seed on an empty database gives the same record ids."""

import uuid
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.test import TestCase

from dualcare.management.seeded_ids import seeded_ids
from dualcare.people.models import Organisation, ServiceUser, Team, User


class _RolledBack(Exception):
    pass


def demo_ids(**options) -> dict[str, str]:
    """Load the demo on the (empty) test database, note a few ids, and undo the load."""
    ids: dict[str, str] = {}
    try:
        with transaction.atomic():
            call_command("demo", stdout=StringIO(), **options)
            ids["first organisation"] = str(
                Organisation.objects.get(name="Northgate Mental Health NHS Foundation Trust").pk
            )
            ids["a team"] = str(Team.objects.get(name="Harbourside Recovery Team").pk)
            ids["the service user"] = str(ServiceUser.objects.get(user__username="serviceuser").pk)
            ids["a staff role"] = str(
                User.objects.get(username="keyworker.mh").staff_roles.order_by("role").first().pk
            )
            ids["last person"] = str(ServiceUser.objects.order_by("-created_at", "-pk").first().pk)
            raise _RolledBack
    except _RolledBack:
        pass
    return ids


class DemoSeedTests(TestCase):
    def test_it_gives_the_same_ids_for_the_same_seed(self):
        first = demo_ids(seed=7)
        second = demo_ids(seed=7)
        self.assertEqual(len(first), 5)
        self.assertEqual(first, second)


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
