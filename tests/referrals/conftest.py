import pytest

# The browser fixtures (system chromium through Playwright, on a live server) are shared with
# the journeys in tests/browser: one Playwright and one chromium per process, however many
# conftests import them.
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False
