from pathlib import Path

import pytest

# The browser fixtures (system chromium through Playwright, on a live server) are shared with
# the journeys in tests/browser.
from tests.browser.conftest import chromium_browser, page  # noqa: F401

_TESTS = Path(__file__).parent.parent
_JOURNEY = "test_browser_journey.py"


def pytest_collection_modifyitems(config, items):
    # Only one Playwright may run per process, and chromium_browser imported here is a separate
    # session-wide instance from tests/browser's (and tests/pages'). When those browser tests are
    # collected too, the referral journey runs on its own: `pytest tests/referrals/test_browser_journey.py`
    # (or move it to tests/browser/, where it needs no change, once the fixtures live in tests/conftest.py).
    def other_browser_tests(item) -> bool:
        path = Path(str(item.fspath))
        return (_TESTS / "browser") in path.parents or (
            path.name == "test_accessibility.py" and (_TESTS / "pages") in path.parents
        )

    if not any(other_browser_tests(item) for item in items):
        return
    skip = pytest.mark.skip(
        reason=f"one Playwright per process: run `pytest tests/referrals/{_JOURNEY}` on its own"
    )
    for item in items:
        path = Path(str(item.fspath))
        if path.name == _JOURNEY and (_TESTS / "referrals") in path.parents:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False
