import uuid

import pytest
from django.db import transaction

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(scope="class")
def class_db(django_db_setup, django_db_blocker):
    """One transaction for a whole test class, rolled back after its last test: a class-scoped
    fixture that needs it may build something expensive (the demo) once, and each test (marked
    django_db as usual) still runs in a savepoint of its own, so what one test writes is gone
    before the next. The pytest form of TestCase.setUpTestData."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="class")
def class_world(class_db):
    """The shared test world, built once for a test class (see class_db)."""
    return build_world()


@pytest.fixture
def api():
    """DRF's test client (sign in with tests.factories.as_user)."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def login(client):
    """Sign a user in (session), skipping the sign-in page."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _broker_assumed_up():
    """Each test starts with the broker assumed reachable (a broker-down test must not leave
    the process skipping queuing for the next test)."""
    from dualcare.notifications import services

    services._broker_down_until = 0.0
    yield
    # A hand-over still waiting on a test's frozen broker must not mark the broker down during the next test.
    services.handover_wait(timeout=10)
    services._broker_down_until = 0.0


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(settings):
    """Each test starts with no throttle history: the shared cache (Redis in CI, a database table
    otherwise) outlives a test, so each test gets a key prefix of its own."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {alias: {**config, "KEY_PREFIX": prefix} for alias, config in settings.CACHES.items()}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, and beside it the empty copy the shared demo is built in when a class
    first asks for it (tests/demo_db.py), made before anything else connects to the test database."""
    from . import demo_db

    with django_db_blocker.unblock():
        demo_db.prepare_empty_copy()
    yield
    with django_db_blocker.unblock():
        demo_db.drop_copies()


@pytest.fixture(scope="class")
def demo_live(django_db_setup, django_db_blocker):
    """The shared live demo, as `manage.py demo --seed 7` leaves it (tests/demo_db.py), read by the
    whole class in one transaction rolled back after its last test; returns its SharedDemo."""
    from . import demo_db

    with django_db_blocker.unblock(), demo_db.reading("live") as shared:
        yield shared


@pytest.fixture(scope="class")
def demo_with_history(django_db_setup, django_db_blocker):
    """The shared demo with its year of history and the weekly store's first run (tests/demo_db.py)."""
    from . import demo_db

    with django_db_blocker.unblock(), demo_db.reading("history") as shared:
        yield shared
