"""In a real browser: keyworker.mh opens Sam's record, then the timeline; filters it by a kind, pages
it, searches a word, and opens a conversation's thread from its entry. Each page checked with
axe-core (WCAG 2.2 AA)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from conversations import services as conversations
from dualcare.contacts import services as contacts

from .conftest import assert_accessible
from .test_journeys import enrolled_authenticator, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSED = 27  # more than a page (25) of appointments


def tick(page, name: str, value: str) -> None:
    # NHS.UK checkboxes: the input is drawn over by its label, which takes the click.
    box_id = page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")
    page.locator(f"label[for='{box_id}']").click()


def submit_search(page) -> None:
    with page.expect_navigation():
        page.locator("main form[role='search'] button[type='submit']").click()


class TimelineJourneyTests:
    def test_it_filters_pages_and_searches_sams_timeline_and_opens_a_conversation(self, page, world):
        sam = world.service_user
        for days_ago in range(1, MISSED + 1):
            contact = contacts.appointment_create(
                by=world.keyworker_mh,
                service_user=sam,
                kind="key_worker",
                team=world.cmht_north,
                starts_at=timezone.now() - dt.timedelta(days=days_ago),
            )
            contacts.contact_record(contact=contact, by=world.keyworker_mh, outcome="missed")
        conversation = conversations.conversation_start(
            service_user=sam,
            by=world.keyworker_sm,
            kind="care_plan",
            subject="Depot and the new script",
            text="Is the depot still due on Friday?",
            staff=[world.keyworker_mh],
        )

        sign_in(page, "keyworker.mh", world.password, device=enrolled_authenticator(world.keyworker_mh))
        page.goto(f"/people/{sam.pk}/")
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile("^Timeline")).click()
        assert page.url.endswith(f"/people/{sam.pk}/timeline/")
        assert page.locator("h1").inner_text() == "Timeline"
        assert "Message: Depot and the new script" in page.inner_text("main")
        assert_accessible(page, "the timeline")

        tick(page, "kind", "contact")
        submit_search(page)
        main = page.inner_text("main")
        assert f"Showing 1 to 25 of {MISSED} events" in main
        assert "Message: Depot and the new script" not in main
        assert page.locator("main tbody tr").count() == 25
        assert_accessible(page, "the timeline, filtered by a kind")

        with page.expect_navigation():
            page.locator("nav.nhsuk-pagination a[rel='next']").click()
        main = page.inner_text("main")
        assert f"Showing 26 to {MISSED} of {MISSED} events" in main
        assert page.locator("main tbody tr").count() == MISSED - 25
        # The filter is kept from page to page.
        assert page.locator("input[name='kind'][value='contact']").is_checked()
        assert_accessible(page, "the timeline's second page")

        page.goto(f"/people/{sam.pk}/timeline/")
        page.fill("input[name='q']", "depot")
        submit_search(page)
        main = page.inner_text("main")
        assert "Showing 1 event" in main
        assert "missed" not in page.inner_text("main table")
        assert_accessible(page, "the timeline, searched")

        with page.expect_navigation():
            page.get_by_role("link", name="Message: Depot and the new script").click()
        assert page.url.endswith(f"/conversations/{conversation.pk}/")
        assert "Is the depot still due on Friday?" in page.inner_text("main")
        assert_accessible(page, "a conversation opened from the timeline")
