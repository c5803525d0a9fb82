"""In a real browser: keyworker.mh raises an overdose flag on Sam, sees it at the top of the record
and opens the risk history; the pharmacist, whom Sam lets see risk information, sees the flag on
today's collections. Each page is checked with axe-core."""

import datetime as dt

import pytest

from dualcare.safety.models import SafetyFlag
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible
from tests.contacts.helpers import collection, schedule
from tests.referrals.test_browser_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def tick(page, name: str, value: str) -> None:
    box_id = page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")
    page.locator(f"label[for='{box_id}']").click()


class SafetyFlagJourneyTests:
    def test_a_key_worker_raises_an_overdose_flag_and_the_pharmacist_sees_it(
        self, page, world, share_risk, assess
    ):
        sam = world.service_user
        share_risk(world.pharmacy_org)
        collection(world, schedule(world), world.today)
        assess(on=world.today - dt.timedelta(days=60))
        sign_in(page, "keyworker.mh", world.password)
        page.goto(f"/people/{sam.pk}/")
        with page.expect_navigation():
            page.get_by_role("link", name="Safety flags").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Raise a safety flag").click()
        assert_accessible(page, "the raise-a-flag form")
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the flag").click()
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the raise-a-flag form with errors")
        assert not SafetyFlag.objects.exists()

        tick(page, "code", "overdose")
        page.fill("#warning", "Overdose risk: recent release from prison")
        page.fill("#reason", "Released last week; tolerance low.")
        review = world.today + dt.timedelta(days=28)
        page.fill("#review_on_0", str(review.day))
        page.fill("#review_on_1", str(review.month))
        page.fill("#review_on_2", str(review.year))
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the flag").click()
        assert "Safety flag raised" in page.inner_text("main")
        assert_accessible(page, "a safety flag")

        page.goto(f"/people/{sam.pk}/")
        assert "Overdose risk: recent release from prison" in page.inner_text("main")
        assert_accessible(page, "the record with a safety flag")
        with page.expect_navigation():
            page.get_by_role("link", name="Risk history: each area of risk across organisations").click()
        assert "Evidence for overdose" in page.inner_text("main")
        assert_accessible(page, "the risk history")

        sign_in(page, "pharmacist", world.password)
        page.goto("/contacts/pharmacy/")
        main = page.inner_text("main")
        assert "Overdose risk: recent release from prison" in main
        assert_accessible(page, "today's collections with a safety flag")
