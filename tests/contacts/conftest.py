import pytest

# Shared fixtures: one Playwright/chromium per process (tests/browser) and the real-worker and
# hung-Redis fixtures of tests/celery.
from tests.browser.conftest import chromium_browser, page  # noqa: F401
from tests.celery.conftest import hung_redis, running_worker  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False
