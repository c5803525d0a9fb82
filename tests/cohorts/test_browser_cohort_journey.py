"""In a real browser: manager.mh sets up a cohort from the cohorts page (refused first with the
fields named in the error summary), lands on it, and changes a target. Each page is checked
with axe-core."""

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import Cohort
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible
from tests.referrals.test_browser_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def fill_date(page, prefix, day):
    page.fill(f"input[name='{prefix}_day']", str(day.day))
    page.fill(f"input[name='{prefix}_month']", str(day.month))
    page.fill(f"input[name='{prefix}_year']", str(day.year))


class CohortSetUpJourneyTests:
    def test_a_manager_sets_up_and_changes_a_cohort(self, page, world):
        today = timezone.localdate()
        sign_in(page, "manager.mh", world.password)
        page.goto("/cohorts/")
        page.get_by_role("link", name="Set up a cohort").click()
        page.wait_for_url("**/cohorts/new/")
        assert_accessible(page, "the cohort form")
        page.fill("#target_iv", "-2")
        fill_date(page, "end", today - dt.timedelta(days=400))
        with page.expect_navigation():
            page.get_by_role("button", name="Set up cohort").click()
        summary = page.inner_text(".nhsuk-error-summary")
        assert "Give the cohort a name." in summary
        assert "The target for quadrant IV must be 0 or more." in summary
        assert "The end date must be the same as or after the start date." in summary
        assert_accessible(page, "the cohort form with errors")
        assert not Cohort.objects.exists()
        page.get_by_role("link", name="Give the cohort a name.").click()
        assert page.evaluate("document.activeElement.id") == "name"

        page.fill("#name", "Northgate quadrant IV cohort")
        page.fill("#locality", "Northgate")
        page.locator("label", has_text="North CMHT").click()
        page.fill("#target_iv", "12")
        fill_date(page, "end", today + dt.timedelta(days=365))
        with page.expect_navigation():
            page.get_by_role("button", name="Set up cohort").click()
        cohort = Cohort.objects.get()
        page.wait_for_url(f"**/cohorts/{cohort.pk}/")
        main = page.inner_text("main")
        assert "Northgate quadrant IV cohort" in main and "set up" in main
        assert_accessible(page, "the new cohort")

        page.get_by_role("link", name="Change the cohort's details").click()
        assert page.input_value("#target_iv") == "12"
        page.fill("#target_iv", "15")
        with page.expect_navigation():
            page.get_by_role("button", name="Save changes").click()
        assert "Cohort details saved" in page.inner_text("main")
        cohort.refresh_from_db()
        assert cohort.target_iv == 15 and list(cohort.teams.all()) == [world.cmht_north]
