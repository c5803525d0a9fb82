"""User journeys in a real browser, each page checked with axe-core (WCAG 2.2 AA)."""

import re
import time

import pytest
from django.conf import settings

from dualcare.accounts import services as accounts

from .conftest import assert_accessible, fill_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def enrolled_authenticator(user):
    """Enrol a TOTP authenticator for a staff member, as the two-factor set-up page does."""
    from django_otp.oath import TOTP

    device = accounts.totp_device_start_enrolment(user=user)
    # Confirm with the previous time step's code (within the device's tolerance), so the
    # current code is still unused when the journey signs in.
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() - device.step
    assert accounts.totp_device_confirm(user=user, device=device, token=f"{totp.token():0{device.digits}d}")
    device.refresh_from_db()
    return device


def sign_in(page, username: str, password: str, *, device=None) -> bool:
    """Sign in through the real sign-in form, and the two-factor step when it is asked for.

    Returns whether the two-factor step was asked for.
    """
    page.goto("/accounts/login/")
    assert_accessible(page, "the sign-in page")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit'], form input[type='submit']").first.click()
    asked_for_code = "/accounts/two-factor/" in page.url
    if asked_for_code:
        assert device is not None, f"{username} was asked for a two-factor code"
        assert_accessible(page, "the two-factor page")
        fill_totp(page, device)
        with page.expect_navigation():
            page.locator("form button[type='submit'], form input[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, f"sign-in failed for {username}: {page.inner_text('main')}"
    assert "/accounts/two-factor/" not in page.url, f"two-factor step failed for {username}"
    return asked_for_code


class KeyWorkerJourneyTests:
    def test_it_signs_in_opens_the_caseload_and_a_person(self, page, world):
        device = enrolled_authenticator(world.keyworker_mh)
        asked_for_code = sign_in(page, "keyworker.mh", world.password, device=device)
        # Production settings apply under test: staff prove a second factor.
        assert asked_for_code == settings.REQUIRE_STAFF_2FA

        response = page.goto("/caseload/")
        assert response.status == 200
        assert_accessible(page, "the caseload (/caseload/)")
        caseload = page.inner_text("main")
        assert "Testwell" in caseload
        assert "Sampleton" in caseload
        # Known only to the drug and alcohol service: never on a CMHT key worker's caseload.
        assert "Mockridge" not in caseload

        person_link = page.locator(f"main a[href$='/people/{world.service_user.pk}/']").first
        with page.expect_navigation():
            person_link.click()
        assert re.search(rf"/people/{world.service_user.pk}/$", page.url)
        assert "Testwell" in page.inner_text("main")
        assert_accessible(page, "a person's record (/people/<uuid>/)")

    def test_it_searches_filters_and_pages_the_caseload(self, page, world):
        from dualcare.people import services as people_services
        from tests.factories import person

        for n in range(27):
            person(
                world.cmht_north, key_worker=world.keyworker_mh, given_name=f"Pat{n:02d}", family_name="Paged"
            )
        people_services.staff_role_add(user=world.keyworker_mh, team=world.cmht_south, role="key_worker")
        device = enrolled_authenticator(world.keyworker_mh)
        sign_in(page, "keyworker.mh", world.password, device=device)

        page.goto("/caseload/")
        assert "Showing 1 to 25 of 29 people" in page.inner_text("main")
        with page.expect_navigation():
            page.locator("nav.nhsuk-pagination a[rel='next']").click()
        assert "Showing 26 to 29 of 29 people" in page.inner_text("main")
        assert_accessible(page, "the caseload's second page")

        page.fill("input[name='q']", "paged pat1")
        page.select_option("select[name='show']", "teams")
        with page.expect_navigation():
            page.locator("main form[role='search'] button[type='submit']").click()
        main = page.inner_text("main")
        assert "Showing all 10 people" in main and "Testwell" not in page.inner_text("main table")
        assert_accessible(page, "the caseload, searched")

        page.fill("input[name='not_seen']", "soon")
        with page.expect_navigation():
            page.locator("main form[role='search'] button[type='submit']").click()
        assert "Enter the number of days as a whole number, like 28." in page.inner_text("main")
        assert_accessible(page, "the caseload with a filter in error")

    def test_it_gets_not_found_for_a_person_outside_their_teams(self, page, world):
        device = enrolled_authenticator(world.keyworker_mh)
        sign_in(page, "keyworker.mh", world.password, device=device)

        response = page.goto(f"/people/{world.sm_only.pk}/")
        assert response.status == 404
        assert "Mockridge" not in page.content()


class ServiceUserJourneyTests:
    def test_it_signs_in_to_their_own_page(self, page, world):
        sign_in(page, "serviceuser", world.password)

        response = page.goto("/my/")
        assert response.status == 200
        assert_accessible(page, "the service user's home (/my/)")

    def test_it_gets_not_found_for_another_persons_record(self, page, world):
        assert not sign_in(page, "serviceuser", world.password)

        response = page.goto(f"/people/{world.other_service_user.pk}/")
        assert response.status == 404
        assert "Sampleton" not in page.content()
        assert_accessible(page, "the not-found page")


class CarerJourneyTests:
    def test_it_signs_in_to_the_carer_page_and_cannot_open_the_record(self, page, world):
        assert not sign_in(page, "carer", world.password)

        response = page.goto("/carer/")
        assert response.status == 200
        assert_accessible(page, "the carer's home (/carer/)")

        response = page.goto(f"/people/{world.service_user.pk}/")
        assert response.status == 404


class AxeHarnessTests:
    """The accessibility check itself must be able to fail, or every pass above means nothing."""

    def test_it_reports_serious_violations_with_rule_and_selector(self, page):
        page.set_content(
            '<html lang="en"><head><title>Broken</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">'
            '<input type="text" id="no-label"></main></body></html>'
        )
        with pytest.raises(AssertionError) as failure:
            assert_accessible(page, "a deliberately broken page")
        message = str(failure.value)
        assert "image-alt" in message
        assert "#no-alt" in message
        assert "label" in message
