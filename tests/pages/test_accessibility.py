"""Every page of this area in a real browser on a phone-sized screen, checked with axe-core."""

import os

import pytest
from django.conf import settings
from django.test import Client

from dualcare.people.models import Consent, Involvement, StaffRole
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

SCREENSHOTS = os.environ.get("DUALCARE_SCREENSHOTS")  # a folder, to look at the pages by eye


def _sign_in(browser_page, user) -> None:
    """Reuse a Django test-client session: the sign-in pages have their own journeys."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    origin = browser_page.evaluate("location.origin")
    browser_page.context.clear_cookies()
    browser_page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": origin}]
    )


def _check(browser_page, path: str, *, expect_status: int = 200, submit: bool = False) -> None:
    page = browser_page
    response = page.goto(path)
    assert response.status == expect_status, path
    if submit:
        # An empty submit shows the error summary and inline errors, which must be accessible too.
        with page.expect_navigation():
            page.locator("main form[method='post'] button[type='submit']").last.click()
        assert page.locator(".nhsuk-error-summary").count() == 1, path
    assert_accessible(page, path)
    if SCREENSHOTS:
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=f"{SCREENSHOTS}/{name}{'_errors' if submit else ''}.png", full_page=True)


class AccessibilityTests:
    def test_it_has_no_serious_violations_on_staff_pages(self, page, world, live_server):
        page.goto("/static/css/dualcare.css")
        _sign_in(page, world.keyworker_mh)
        su = world.service_user
        consent = Consent.objects.filter(service_user=su).first()
        involvement = Involvement.objects.get(service_user=su, team=world.cmht_north)
        _check(page, "/caseload/")
        _check(page, f"/people/{su.pk}/")
        _check(page, f"/people/{su.pk}/consents/new/", submit=True)
        _check(page, f"/people/{su.pk}/consents/{consent.pk}/withdraw/")
        _check(page, f"/people/{su.pk}/involvements/{involvement.pk}/end/", submit=True)
        _check(page, "/people/new/", submit=True)
        _check(page, f"/people/{world.sm_only.pk}/", expect_status=404)
        _sign_in(page, world.manager_mh)
        _check(page, "/caseload/")
        _sign_in(page, world.pharmacist)
        _check(page, "/pharmacy/people/")
        _check(page, "/caseload/", expect_status=403)

    def test_it_has_no_serious_violations_on_the_persons_and_carers_pages(self, page, world, live_server):
        page.goto("/static/css/dualcare.css")
        _sign_in(page, world.service_user_login)
        _check(page, "/my/")
        _check(page, "/my/record-views/")
        _check(page, "/my/carers/")
        _check(page, "/my/sharing/", submit=True)
        _sign_in(page, world.carer)
        _check(page, "/carer/")

    def test_it_has_no_serious_violations_on_organisation_admin_pages(self, page, world, live_server):
        page.goto("/static/css/dualcare.css")
        _sign_in(page, world.orgadmin_mh)
        _check(page, f"/organisation/{world.mh.pk}/")
        _check(page, f"/organisation/{world.mh.pk}/teams/new/", submit=True)
        _check(page, f"/organisation/teams/{world.cmht_north.pk}/")
        _check(page, f"/organisation/{world.mh.pk}/staff/new/", submit=True)
        role = StaffRole.objects.get(user=world.keyworker_mh)
        _check(page, f"/organisation/staff/{role.user_id}/", submit=True)

    def test_it_has_no_serious_violations_on_the_directory_pages(self, page, world, live_server):
        from tests.directory.helpers import ident, import_services, oruk_service

        import_services(world.mh, oruk_service("north"))
        entry = ident("service", "north")
        page.goto("/static/css/dualcare.css")
        _sign_in(page, world.orgadmin_mh)
        _check(page, "/directory/")
        _check(page, "/directory/?age=old", expect_status=400)
        _check(page, f"/directory/{entry}/")
        _check(page, "/directory/kept/")
        _check(page, "/directory/kept/new/", submit=True)
        _check(page, f"/directory/{entry}/edit/")
        _check(page, "/directory/kept/import/", submit=True)
        _sign_in(page, world.service_user_login)
        _check(page, "/directory/near-you/?place=NT1")
        _check(page, f"/directory/near-you/{entry}/")
