"""A new staff member's first sign-in, in a real browser: the admin adds them, the emailed link
sets a password, two-factor is set up, and they are in. Each page is checked with axe-core."""

import re

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from dualcare.notifications import services as notifications
from dualcare.notifications.models import Notification
from dualcare.people.models import User

from .conftest import assert_accessible, fill_totp
from .test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page, field: str):
    """Submit the form that holds `field` (a page may hold others, such as signing out)."""
    with page.expect_navigation():
        page.locator(f"main form:has([name='{field}']) button[type='submit']").first.click()


class InvitationJourneyTests:
    def test_an_admin_adds_staff_who_choose_a_password_and_set_up_two_factor(self, page, world, settings):
        settings.REQUIRE_STAFF_2FA = False  # the admin's own two-factor has its own journeys
        sign_in(page, "orgadmin.mh", world.password)
        page.goto(f"/organisation/{world.mh.pk}/staff/new/")
        assert_accessible(page, "the add-staff page")
        page.fill("#first_name", "Nia")
        page.fill("#last_name", "Newstarter")
        page.fill("#email", "nia@example.invalid")
        page.fill("#username", "nia.newstarter")
        page.select_option("#team", label="North CMHT")
        page.get_by_label("Key worker").check()
        _submit(page, "username")
        assert "emailed an invitation" in page.inner_text("main")
        assert "Invited" in page.inner_text("main")
        assert_accessible(page, "the staff page with an open invitation")

        user = User.objects.get(username="nia.newstarter")
        row = Notification.objects.get(recipient=user, kind="staff.invitation")
        assert notifications.notification_deliver(notification_id=row.pk)
        link = re.search(r"https?://\S+(/accounts/invitation/\S+/)", mail.outbox[-1].body).group(1)

        page.context.clear_cookies()  # the new starter, on their own computer
        settings.REQUIRE_STAFF_2FA = True
        page.goto(link)
        assert "/choose-password/" in page.url  # the token is out of the address bar
        assert_accessible(page, "the choose-your-password page")
        page.fill("#id_new_password1", "short")
        page.fill("#id_new_password2", "short")
        _submit(page, "new_password1")
        assert "Error:" in page.title()
        assert_accessible(page, "the choose-your-password page with an error")
        page.fill("#id_new_password1", "a-long-first-passphrase")
        page.fill("#id_new_password2", "a-long-first-passphrase")
        _submit(page, "new_password1")

        assert "/accounts/two-factor/" in page.url
        assert_accessible(page, "the two-factor set-up page")
        fill_totp(page, TOTPDevice.objects.get(user=user, confirmed=False))
        _submit(page, "otp_token")
        assert "/accounts/" not in page.url
        assert page.goto("/caseload/").status == 200

        page.context.clear_cookies()
        response = page.goto(link)
        assert response.status == 410
        assert "This invitation has been used" in page.inner_text("main")
        assert_accessible(page, "the used-invitation page")
