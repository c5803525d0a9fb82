"""In a real browser: after North CMHT ends its care, keyworker.mh finds the discharge HoNOS on
the due list (the record itself is closed), is refused once with the field named, records it,
and the item leaves the list. Each page is checked with axe-core."""

import pytest

from outcomes.models import HonosRating
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible
from tests.referrals.test_browser_journey import sign_in

from .test_exit_measures import end_care

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

RATINGS = [2, 0, 3, 1, 2, 0, 3, 2, 2, 2, 1, 9]


class ExitMeasureJourneyTests:
    def test_the_key_worker_records_the_discharge_honos_after_care_ended(self, page, world):
        involvement = end_care(world, world.cmht_north, ended=5)
        sign_in(page, "keyworker.mh", world.password)
        page.goto("/outcomes/")
        assert "Care ended" in page.inner_text("main")
        assert_accessible(page, "the due list with an exit measure")
        page.get_by_role("link", name="Discharge HoNOS for Alex Sampleton").click()
        page.wait_for_url(f"**/outcomes/exit/{involvement.pk}/honos/")
        main = page.inner_text("main")
        assert "Record the discharge HoNOS" in main and "the rest of the record is closed" in main
        assert page.locator("input[name='stage']").count() == 1  # discharge only
        assert_accessible(page, "the exit measure form")
        scale = ["0", "1", "2", "3", "4", "9"]
        for number, value in enumerate(RATINGS, start=1):
            page.locator(f"label[for='item{number}_{scale.index(str(value))}']").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Save HoNOS").click()
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the exit measure form with errors")
        assert not HonosRating.objects.exists()
        page.select_option("#item8_type", "B")
        with page.expect_navigation():
            page.get_by_role("button", name="Save HoNOS").click()
        page.wait_for_url("**/outcomes/")
        assert "Discharge HoNOS saved" in page.inner_text("main")
        assert "Care ended" not in page.inner_text("main")
        assert HonosRating.objects.get().stage == "discharge"
        page.goto(f"/outcomes/people/{world.mh_only.pk}/")
        assert "Alex Sampleton" not in page.inner_text("body")
