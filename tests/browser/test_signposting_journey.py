"""In a real browser (issue 18 item 8): the Recovery Team's manager declines a referral, searching the
directory and ticking a housing service; the referrer sees where the person was pointed and how to get
there; the manager records that the person got there. Each page checked with axe-core (WCAG 2.2 AA)."""

import pytest

from directory.models import Signpost
from referrals import services as referrals
from tests.directory.helpers import ident, import_services, oruk_service

from .conftest import assert_accessible
from .test_journeys import enrolled_authenticator, sign_in
from .test_timeline_journey import tick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class SignpostingJourneyTests:
    def test_a_decline_signposts_to_housing_the_referrer_sees_it_and_the_follow_up_is_recorded(
        self, page, world
    ):
        import_services(world.charity, oruk_service("anchor"))
        referral = referrals.referral_create(
            by=world.keyworker_mh,
            service_user=world.mh_only,
            to_team=world.sm_team,
            urgency="routine",
            reason="Drinking more since losing his flat.",
            person_wants="Help to cut down.",
            mental_health_needs="Low mood.",
            substance_use="Alcohol most days.",
            risk_summary="None known.",
            consent_confirmed=True,
            send=True,
        )

        sign_in(page, "manager.sm", world.password, device=enrolled_authenticator(world.manager_sm))
        page.goto(f"/referrals/{referral.pk}/decline/")
        assert_accessible(page, "the decline page")
        page.fill("#q", "housing")
        with page.expect_navigation():
            page.get_by_role("button", name="Search the directory").click()
        assert "Anchor Housing Advice" in page.inner_text("main")
        assert_accessible(page, "the decline page with the directory's matches")
        page.fill("#reason", "His drinking is not at the level our treatment is for; housing comes first.")
        tick(page, "directory_services", ident("service", "anchor"))
        page.fill("#signposting_next_steps", "He can ring them or drop in.")
        with page.expect_navigation():
            page.get_by_role("button", name="Decline referral").click()
        assert "Referral declined" in page.inner_text("main")
        signpost = Signpost.objects.get(referral=referral)

        page.context.clear_cookies()  # the referrer, at their own desk
        sign_in(page, "keyworker.mh", world.password, device=enrolled_authenticator(world.keyworker_mh))
        page.goto(f"/referrals/{referral.pk}/")
        main = page.inner_text("main")
        assert "Anchor Housing Advice" in main and "0113 496 0000" in main and "1 Market Square" in main
        assert_accessible(page, "the declined referral, with its signposting")

        page.context.clear_cookies()
        sign_in(page, "manager.sm", world.password, device=enrolled_authenticator(world.manager_sm))
        page.goto("/directory/signposts/")
        assert "Alex Sampleton" in page.inner_text("main")
        assert_accessible(page, "the follow-ups")
        with page.expect_navigation():
            page.get_by_role("link", name="Alex Sampleton").click()
        assert_accessible(page, "a signposting and its follow-up form")
        page.locator("label[for='outcome_0']").click()
        page.fill("#note", "He has an appointment on Monday.")
        with page.expect_navigation():
            page.get_by_role("button", name="Record follow-up").click()
        assert "Follow-up recorded" in page.inner_text("main")
        signpost.refresh_from_db()
        assert signpost.connected_at is not None
        assert signpost.follow_ups.get().note == "He has an appointment on Monday."
