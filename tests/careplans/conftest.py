import pytest

from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings, tmp_path):
    # Two-factor sign-in has its own tests; stored PDFs go to a scratch folder.
    settings.REQUIRE_STAFF_2FA = False
    settings.MEDIA_ROOT = tmp_path / "media"
