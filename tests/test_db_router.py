"""The read-replica router (dualcare/db.py), with the replica pointed at the same database.

The test settings give a "replica" alias that mirrors the default test database; the router sends
reads there only inside replica_reads() and only when DATABASE_REPLICA_URL is set. These tests are
transactional, so what the primary connection commits is visible through the replica's own
connection, as it would be (after the replica's lag) in production.
"""

import pytest
from django.db import connections, router, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from dualcare import db
from dualcare.people.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

REPLICA_ON = override_settings(DATABASE_REPLICA_URL="the same database, for the test")


def _captured():
    return CaptureQueriesContext(connections["default"]), CaptureQueriesContext(connections["replica"])


def test_without_a_replica_every_read_stays_on_the_primary():
    Organisation.objects.create(name="Riverside NHS Trust", kind=Organisation.Kind.MENTAL_HEALTH)
    primary, replica = _captured()
    with primary, replica, db.replica_reads():
        assert [o.name for o in Organisation.objects.all()] == ["Riverside NHS Trust"]
    assert len(primary.captured_queries) == 1
    assert replica.captured_queries == []


@REPLICA_ON
def test_reads_in_replica_reads_go_to_the_replica_and_nowhere_else():
    Organisation.objects.create(name="Riverside NHS Trust", kind=Organisation.Kind.MENTAL_HEALTH)
    primary, replica = _captured()
    with primary, replica:
        with db.replica_reads():
            assert db.read_alias() == "replica"
            assert Organisation.objects.get().name == "Riverside NHS Trust"
        # Outside the block, the same read is the primary's again.
        assert Organisation.objects.count() == 1
    assert len(replica.captured_queries) == 1
    assert "organisation" in replica.captured_queries[0]["sql"]
    assert len(primary.captured_queries) == 1


@REPLICA_ON
def test_writes_never_go_to_the_replica_even_inside_replica_reads():
    primary, replica = _captured()
    with primary, replica, db.replica_reads():
        organisation = Organisation.objects.create(
            name="Northgate Recovery", kind=Organisation.Kind.THIRD_SECTOR
        )
        organisation.name = "Northgate Recovery Service"
        organisation.save()
        Organisation.objects.filter(pk=organisation.pk).update(name="Northgate")
        Organisation.objects.filter(pk=organisation.pk).delete()
    written = [q["sql"].split()[0].upper() for q in primary.captured_queries]
    assert {"INSERT", "UPDATE", "DELETE"} <= set(written)
    assert not [
        q for q in replica.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert router.db_for_write(Organisation) == "default"


@REPLICA_ON
def test_a_model_read_from_the_replica_is_saved_to_the_primary():
    Organisation.objects.create(name="Riverside NHS Trust", kind=Organisation.Kind.MENTAL_HEALTH)
    with db.replica_reads():
        organisation = Organisation.objects.get()
    assert organisation._state.db == "replica"
    primary, replica = _captured()
    with primary, replica:
        organisation.name = "Riverside"
        organisation.save()
    assert replica.captured_queries == []
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)
    assert Organisation.objects.get().name == "Riverside"


@REPLICA_ON
def test_inside_a_primary_transaction_reads_stay_on_the_primary():
    primary, replica = _captured()
    with primary, replica, db.replica_reads(), transaction.atomic():
        Organisation.objects.create(name="Riverside NHS Trust", kind=Organisation.Kind.MENTAL_HEALTH)
        # Not yet committed: only the primary's connection can see it.
        assert Organisation.objects.count() == 1
    assert replica.captured_queries == []


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("default", "people")
    assert not router.allow_migrate("replica", "people")
