from pathlib import Path

import pytest

# The browser fixtures (system chromium through Playwright, on a live server) are shared with
# the journeys in tests/browser; the accessibility checks of these pages use them too.
from tests.browser.conftest import chromium_browser, page  # noqa: F401

_BROWSER_DIR = Path(__file__).parent.parent / "browser"


def pytest_collection_modifyitems(config, items):
    # Only one Playwright may run per process, and the chromium_browser fixture imported here is
    # a second session-wide instance beside tests/browser's own. When both folders are collected,
    # these checks run on their own: `pytest tests/pages/test_accessibility.py`.
    if not any(_BROWSER_DIR in Path(str(item.fspath)).parents for item in items):
        return
    skip = pytest.mark.skip(
        reason="one Playwright per process: run `pytest tests/pages/test_accessibility.py` on its own"
    )
    for item in items:
        if Path(str(item.fspath)).name == "test_accessibility.py" and "pages" in Path(str(item.fspath)).parts:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    # Two-factor sign-in has its own tests (tests/accounts); these pages are tested behind it.
    settings.REQUIRE_STAFF_2FA = False
