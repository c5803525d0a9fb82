import pytest

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def login(client):
    """Sign a user in (session), skipping the sign-in page."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
