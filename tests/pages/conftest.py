import pytest

# The browser fixtures (system chromium through Playwright, on a live server) are shared with
# the journeys in tests/browser: one Playwright and one chromium per process, however many
# conftests import them.
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    # Two-factor sign-in has its own tests (tests/accounts); these pages are tested behind it.
    settings.REQUIRE_STAFF_2FA = False
