import datetime as dt

import pytest

from dualcare.people import services as people
from dualcare.people.models import Scope
from dualcare.safety import services
from dualcare.safety.models import Domain, FlagCode, Level

# The browser journey's fixtures (system chromium through Playwright, on a live server).
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor_in_page_tests(settings):
    # Two-factor sign-in has its own tests; here staff reach the pages directly.
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture
def assess(world):
    """keyworker.mh (the CMHT) assesses Sam: overdose high, risk to self medium, unless told."""

    def _assess(*, by=None, on=None, levels=None, person=None):
        levels = levels or {Domain.OVERDOSE: Level.HIGH, Domain.TO_SELF: Level.MEDIUM}
        return services.risk_assessment_record(
            service_user=person or world.service_user,
            by=by or world.keyworker_mh,
            assessed_on=on or world.today,
            domains=[
                services.DomainInput(domain=d, level=lv, evidence=f"Evidence for {d}", plan="Weekly contact")
                for d, lv in levels.items()
            ],
            person_view="I feel safer since moving.",
        )

    return _assess


@pytest.fixture
def raise_flag(world):
    def _raise(*, by=None, code=FlagCode.OVERDOSE, review_in=30, person=None):
        return services.safety_flag_raise(
            service_user=person or world.service_user,
            by=by or world.keyworker_mh,
            code=code,
            warning="Overdose risk: recent release from prison",
            reason="Released last week; tolerance low.",
            review_on=world.today + dt.timedelta(days=review_in),
        )

    return _raise


@pytest.fixture
def share_risk(world):
    """Sam agrees to share risk information with an organisation."""

    def _share(organisation, *, by=None):
        return people.consent_record(
            service_user=world.service_user,
            organisation=organisation,
            scope=Scope.RISK,
            by=by or world.keyworker_mh,
        )

    return _share
