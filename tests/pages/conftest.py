import pytest


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    # Two-factor sign-in has its own tests (tests/accounts); these pages are tested behind it.
    settings.REQUIRE_STAFF_2FA = False
