import datetime as dt

import pytest

from dualcare.safety.incidents import services
from dualcare.safety.incidents.models import Harm, Kind

# The browser journey's fixtures (system chromium through Playwright, on a live server).
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture
def report(world):
    """keyworker.mh reports a near miss about Sam (no harm), or what the test asks for."""

    def _report(**overrides):
        arguments = {
            "service_user": world.service_user,
            "by": world.keyworker_mh,
            "kind": Kind.NEAR_MISS,
            "harm": Harm.NONE,
            "title": "Two scripts nearly issued",
            "occurred_on": world.today - dt.timedelta(days=2),
            "what_happened": "The GP and the clinic both started a prescription.",
            "immediate_actions": "The clinic's script was cancelled.",
        }
        return services.incident_report(**{**arguments, **overrides})

    return _report
