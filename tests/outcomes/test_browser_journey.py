"""In a real browser: keyworker.mh enters a HoNOS (first with item 8 rated but no type, which
is refused with nothing saved), then sees its scores, chart and table; the person sees their
own progress page. Each page is checked with axe-core."""

import pytest
from django.utils import timezone

from outcomes.models import HonosRating
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible
from tests.referrals.test_browser_journey import sign_in

from .helpers import make_top

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

# 2+0+3 | 1+2 | 0+3+2 | 2+2+1+9 -> total 18 with one item not known.
RATINGS = [2, 0, 3, 1, 2, 0, 3, 2, 2, 2, 1, 9]


class HonosJourneyTests:
    def test_a_key_worker_enters_a_honos_and_sees_its_scores(self, page, world):
        sign_in(page, "keyworker.mh", world.password)
        page.goto(f"/outcomes/people/{world.service_user.pk}/honos/new/")
        assert_accessible(page, "the HoNOS form")
        # The date of the rating starts as today.
        today = timezone.localdate()
        assert page.input_value("input[name='rated_on_day']") == str(today.day)
        page.locator("label[for='stage_0']").click()
        scale = ["0", "1", "2", "3", "4", "9"]
        for number, value in enumerate(RATINGS, start=1):
            page.locator(f"label[for='item{number}_{scale.index(str(value))}']").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Save HoNOS").click()
        assert "There is a problem" in page.inner_text("main")
        assert "choose the type of problem" in page.inner_text("main")
        assert_accessible(page, "the HoNOS form with errors")
        assert not HonosRating.objects.exists()

        page.select_option("#item8_type", "B")
        with page.expect_navigation():
            page.get_by_role("button", name="Save HoNOS").click()
        assert HonosRating.objects.count() == 1
        main = page.inner_text("main")
        assert "HoNOS rating saved" in main and "1 of 12" in main
        assert page.locator("[data-total]").first.inner_text() == "18"
        assert page.locator("svg[role='img']").count() >= 1
        assert "Royal College of Psychiatrists" in main
        assert_accessible(page, "the outcome history")

    def test_the_person_sees_their_own_scores_in_plain_words(self, page, world):
        make_top(world, psychological_health=6)
        sign_in(page, world.service_user_login.username, world.password)
        page.goto("/outcomes/mine/")
        main = page.inner_text("main")
        assert "How you felt in yourself" in main and "6 out of 20 (poor)" in main
        assert_accessible(page, "the person's progress page")
