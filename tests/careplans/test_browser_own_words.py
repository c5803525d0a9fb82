"""In a real browser on a phone-sized screen (issue 20): serviceuser writes a goal and rates it, and
writes an early sign they notice; keyworker.mh accepts those words into the plan, where they show
in Sam's words. Each page is checked with axe-core."""

import pytest

from careplans.models import OwnWords, PlanEntry
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

from .test_browser_journey import sign_in, submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


class OwnWordsJourneyTests:
    def test_the_person_writes_and_rates_a_goal_and_a_worker_accepts_their_words(self, page, world):
        sign_in(page, "serviceuser", world.password)
        page.goto("/my/care-plan/goals/")
        assert_accessible(page, "your goals, none yet")
        with page.expect_navigation():
            page.get_by_role("link", name="Add a goal").click()
        submit(page, "Save your goal")
        assert "Write your goal in your own words." in page.inner_text("main")
        assert_accessible(page, "the goal form with errors")
        page.fill("#text", "Cook a proper meal twice a week.")
        page.select_option("#domain", "leisure")
        submit(page, "Save your goal")
        with page.expect_navigation():
            page.get_by_role("link", name="Say how you are going").click()
        assert_accessible(page, "rating a goal")
        page.get_by_label("6", exact=True).check()
        submit(page, "Save your rating")
        main = page.inner_text("main")
        assert "6 out of 10" in main and "Cook a proper meal twice a week." in main
        assert page.locator("svg.dc-line-chart").count() == 1 and page.locator("table").count() == 1
        assert_accessible(page, "your goals with a chart and its table")

        page.goto("/my/care-plan/your-words/new/")
        page.get_by_label("Early signs I notice that things are getting difficult").check()
        page.fill("#text", "I stop opening my post.")
        submit(page, "Send to your care team")
        assert "Waiting for an answer" in page.inner_text("main")
        assert_accessible(page, "what you have written")

        sign_in(page, "keyworker.mh", world.password)
        page.goto(f"/care-plans/people/{world.service_user.pk}/")
        assert "2 waiting" in page.inner_text("main")
        with page.expect_navigation():
            page.get_by_role("link", name="Everything Sam has written, and their goals").click()
        assert_accessible(page, "their words, for the worker")
        words = OwnWords.objects.get(kind="early_signs")
        page.goto(f"/care-plans/people/{world.service_user.pk}/their-words/answer/?words={words.pk}")
        assert_accessible(page, "accept or answer")
        page.get_by_label("Add to the plan in their words").check()
        submit(page, "Save")
        assert PlanEntry.objects.get(section="crisis").in_person_words
        page.goto(f"/care-plans/people/{world.service_user.pk}/")
        assert "In Sam\u2019s words" in page.inner_text("main")
        assert_accessible(page, "the plan with the person's words")
