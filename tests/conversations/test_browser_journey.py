"""In a real browser: keyworker.sm asks keyworker.mh about Sam, whom they share; keyworker.mh sees
the unread count in the header, replies and makes a care plan action from the question. Each page
is checked with axe-core."""

import datetime as dt

import pytest

from careplans.models import PlanEntry
from conversations.models import Conversation
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible
from tests.referrals.test_browser_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def tick(page, name: str, value: str) -> None:
    box_id = page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")
    page.locator(f"label[for='{box_id}']").click()


class ConversationJourneyTests:
    def test_a_question_between_agencies_is_answered_and_becomes_a_plan_action(self, page, world):
        sam = world.service_user
        sign_in(page, "keyworker.sm", world.password)
        page.goto(f"/people/{sam.pk}/")
        with page.expect_navigation():
            page.get_by_role("link", name=f"Conversations about {sam.full_name}").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Start a conversation").click()
        assert_accessible(page, "the start-a-conversation form")
        with page.expect_navigation():
            page.get_by_role("button", name="Send").click()
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the start-a-conversation form with errors")
        assert not Conversation.objects.exists()

        tick(page, "kind", "care_plan")
        page.fill("#subject", "Depot and the new script")
        tick(page, "staff", str(world.keyworker_mh.pk))
        page.fill("#text", "Is the depot still due on Friday?\nWe start 60 mg on Monday.")
        with page.expect_navigation():
            page.get_by_role("button", name="Send").click()
        assert "Conversation started" in page.inner_text("main")
        assert_accessible(page, "a conversation")

        sign_in(page, "keyworker.mh", world.password)
        page.goto("/caseload/")
        header = " ".join(page.locator("header").inner_text().split())
        assert "Conversations 1 unread message" in header
        with page.expect_navigation():
            page.locator("header").get_by_role("link", name="Conversations").click()
        assert_accessible(page, "the conversations addressed to me")
        with page.expect_navigation():
            page.get_by_role("link", name="Depot and the new script").click()
        main = page.inner_text("main")
        assert "Is the depot still due on Friday?\nWe start 60 mg on Monday." in main
        assert "unread message" not in page.locator("header").inner_text()

        page.fill("#text", "Yes, Friday at 10. Same day is fine.")
        with page.expect_navigation():
            page.get_by_role("button", name="Send reply").click()
        assert "Reply sent." in page.inner_text("main")
        assert_accessible(page, "a conversation with a reply")

        with page.expect_navigation():
            page.get_by_role("link", name="Make a care plan action").first.click()
        assert_accessible(page, "the make-a-care-plan-action form")
        due = world.today + dt.timedelta(days=14)
        page.fill("#due_date_0", str(due.day))
        page.fill("#due_date_1", str(due.month))
        page.fill("#due_date_2", str(due.year))
        with page.expect_navigation():
            page.get_by_role("button", name="Make the action").click()
        assert "Care plan action made" in page.inner_text("main")
        entry = PlanEntry.objects.get(section="action")
        assert entry.organisation == world.mh and entry.due_date == due
        # The person reads the action in their plan: the writer's words, no staff link.
        assert "/conversations/" not in entry.text
