import pytest


@pytest.fixture
def world(class_world):
    """The shared test world, built once for each test class (each test still rolls back)."""
    return class_world
