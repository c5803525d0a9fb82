"""In a real browser: keyworker.sm refers a person to keyworker.mh's team; keyworker.mh
acknowledges and accepts, then opens the person's record. Each page is checked with axe-core."""

import os

import pytest

from referrals.models import Referral, State
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


SCREENSHOTS = os.environ.get("DUALCARE_SCREENSHOTS")  # a folder, to look at the pages by eye


def look(page, name: str, where: str) -> None:
    assert_accessible(page, where)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"referrals-{name}.png"), full_page=True)


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


class ReferralJourneyTests:
    def test_a_referral_goes_from_one_team_to_another_and_access_follows(self, page, world):
        sign_in(page, "keyworker.sm", world.password)
        page.goto(f"/referrals/people/{world.sm_only.pk}/new/")
        look(page, "create", "the new referral form")

        # Sent with nothing filled in: the error summary and inline messages, nothing saved.
        with page.expect_navigation():
            page.get_by_role("button", name="Send referral").click()
        assert "There is a problem" in page.inner_text("main")
        look(page, "create-errors", "the new referral form with errors")
        assert not Referral.objects.exists()

        page.select_option("#to_team", str(world.cmht_north.pk))
        page.locator("label[for='urgency_1']").click()  # Urgent
        page.fill("#reason", "Hearing voices since cutting down on cannabis; frightened to go out.")
        page.fill("#person_wants", "To know what is going on and make it stop.")
        page.fill("#risk_summary", "No thoughts of harm to self or others.")
        page.locator("label[for='consent_confirmed']").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Send referral").click()
        referral = Referral.objects.get()
        assert referral.state == State.SENT and referral.urgency == "urgent"
        assert "Referral sent to North CMHT" in page.inner_text("main")
        look(page, "detail-sender", "a sent referral")

        sign_in(page, "keyworker.mh", world.password)
        page.goto("/referrals/")
        look(page, "inbox", "the team inbox")
        page.goto("/referrals/?state=bogus")
        assert page.title().startswith("Error: ")
        assert "Choose which referrals to show from the list." in page.inner_text("main")
        look(page, "inbox-bad-state", "the team inbox asked for a state it does not have")
        # Before acceptance North CMHT sees the referral, not the record.
        assert page.goto(f"/people/{world.sm_only.pk}/").status == 404
        page.goto("/referrals/")
        with page.expect_navigation():
            page.get_by_role("link", name="Jo Mockridge").click()
        assert "Hearing voices since cutting down" in page.inner_text("main")
        look(page, "detail-receiver", "the referral, as the receiving team sees it")
        with page.expect_navigation():
            page.get_by_role("button", name="Acknowledge").click()
        assert "Referral acknowledged" in page.inner_text("main")
        with page.expect_navigation():
            page.get_by_role("link", name="Accept").click()
        look(page, "accept", "the accept form")
        page.select_option("#key_worker", str(world.keyworker_mh.pk))
        with page.expect_navigation():
            page.get_by_role("button", name="Accept referral").click()
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED and referral.receiving_key_worker == world.keyworker_mh

        with page.expect_navigation():
            page.locator(f"main a[href='/people/{world.sm_only.pk}/']").first.click()
        assert "Mockridge" in page.inner_text("main")
        assert_accessible(page, "the person's record, opened after accepting")
