import pytest

from conversations import services
from conversations.models import Kind

# The browser journey's fixtures (system chromium through Playwright, on a live server).
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture
def ask(world):
    """keyworker.sm asks keyworker.mh (named) a care-plan question about Sam."""

    def _ask(**overrides):
        arguments = {
            "service_user": world.service_user,
            "by": world.keyworker_sm,
            "kind": Kind.CARE_PLAN,
            "subject": "Depot and the new script",
            "text": "Is the depot still due on Friday?\nWe are changing the script.",
            "staff": [world.keyworker_mh],
        }
        return services.conversation_start(**{**arguments, **overrides})

    return _ask
