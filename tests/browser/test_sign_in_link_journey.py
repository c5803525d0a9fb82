"""A person in care signs in with an emailed link instead of a password, in a real browser on a
phone-sized screen; each page is checked with axe-core (issue 20, item 7)."""

import re

import pytest
from django.core import mail

from dualcare.notifications import services as notifications
from dualcare.notifications.models import Notification

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _press(page, text: str):
    with page.expect_navigation():
        page.get_by_role("button", name=text).click()


class SignInLinkJourneyTests:
    def test_a_person_asks_for_a_link_opens_it_and_is_in_their_pages(self, page, world):
        page.set_viewport_size({"width": 375, "height": 740})
        page.goto("/accounts/login/")
        with page.expect_navigation():
            page.get_by_role("link", name="get a link to sign in by email").click()
        assert_accessible(page, "the ask-for-a-link page")
        _press(page, "Email me a link")
        assert "Error:" in page.title()
        assert_accessible(page, "the ask-for-a-link page with an error")
        page.fill("#id_email", "sam@example.invalid")
        _press(page, "Email me a link")
        assert "Check your email" in page.inner_text("main")
        assert_accessible(page, "the check-your-email page")

        row = Notification.objects.get(recipient=world.service_user_login, kind="auth.sign_in_link")
        assert notifications.notification_deliver(notification_id=row.pk)
        link = re.search(r"https?://\S+(/accounts/sign-in-link/\S+/)", mail.outbox[-1].body).group(1)
        page.goto(link)
        assert page.url.endswith("/accounts/sign-in-link/continue/")  # the token is out of the address bar
        assert_accessible(page, "the press-to-sign-in page")
        _press(page, "Sign in")
        assert "/my/" in page.url
        assert page.locator("h1").inner_text() == f"Hello {world.service_user.known_as}"

        page.context.clear_cookies()
        response = page.goto(link)
        assert response.status == 200  # the button page: the link is spent only by pressing
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        assert "This link does not work" in page.inner_text("main")
        assert_accessible(page, "the used-link page")
