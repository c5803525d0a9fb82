"""The person chooses Welsh on a phone-sized screen and reads their pages in it: `lang="cy"`,
axe-clean, and the choice kept at the next sign-in (issue 20, items 6 and 9)."""

import pytest

from tests.careplans.helpers import publish, shared_plan

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _press(page, text: str):
    with page.expect_navigation():
        page.get_by_role("button", name=text).click()


def _sign_in(page, world):
    page.goto("/accounts/login/")
    page.fill("#id_username", "serviceuser")
    page.fill("#id_password", world.password)
    _press(page, page.locator("main button[type=submit]").inner_text())


class WelshJourneyTests:
    def test_the_person_chooses_welsh_and_reads_their_plan_in_it(self, page, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path / "media"
        shared_plan(world)
        publish(world)
        page.set_viewport_size({"width": 375, "height": 740})
        _sign_in(page, world)
        assert page.locator("html").get_attribute("lang") == "en-GB"
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name="Cymraeg").click()
        assert_accessible(page, "the language page")
        page.get_by_label("Cymraeg").check()
        _press(page, "Save")
        assert page.url.endswith("/my/")
        assert page.locator("html").get_attribute("lang") == "cy"
        assert page.locator("h1").inner_text() == f"Helo {world.service_user.known_as}"
        assert_accessible(page, "the person's home page in Welsh")

        page.goto("/my/care-plan/")
        assert page.locator("h1").inner_text() == "Eich cynllun gofal"
        assert "Beth sy’n bwysig i chi" in page.inner_text("main")
        assert_accessible(page, "the person's care plan in Welsh")

        page.context.clear_cookies()  # another phone: the choice comes from the account
        _sign_in(page, world)
        assert page.locator("html").get_attribute("lang") == "cy"
        assert "Eich tîm gofal" in page.inner_text("main")
