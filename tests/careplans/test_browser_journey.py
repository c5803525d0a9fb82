"""In a real browser on a phone-sized screen: keyworker.mh and keyworker.sm each add to Sam's plan
and keyworker.sm publishes; serviceuser signs in, reads it, agrees and downloads the PDF; the carer
sees only the crisis plan. Each page is checked with axe-core."""

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader

from careplans import services
from careplans.models import Agreement, PlanEntry, PlanVersion
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

SCREENSHOTS = os.environ.get("DUALCARE_SCREENSHOTS")


def look(page, name: str, where: str) -> None:
    assert_accessible(page, where)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"careplans-{name}.png"), full_page=True)


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


class CarePlanJourneyTests:
    def test_two_organisations_write_one_plan_and_the_person_agrees_it(self, page, world):
        su = world.service_user
        plan_url = f"/care-plans/people/{su.pk}/"

        sign_in(page, "keyworker.mh", world.password)
        page.goto(plan_url)
        look(page, "plan-empty", "an empty care plan")
        page.goto(f"{plan_url}add/crisis/")
        submit(page, "Save")
        assert "Fill in at least one part of the crisis plan." in page.inner_text("main")
        look(page, "crisis-errors", "the crisis plan form with errors")
        page.fill("#warning_signs", "Not sleeping; stopping my tablets.")
        page.fill("#what_helps", "Walking the dog; calling Mum.")
        page.fill("#who_to_contact", "North CMHT duty worker 01632 960001")
        page.fill("#out_of_hours", "Crisis line 0800 000 1234")
        submit(page, "Save")
        page.goto(f"{plan_url}add/what_matters/")
        page.fill("#text", "Seeing my son every weekend.")
        submit(page, "Save")
        assert "Seeing my son every weekend." in page.inner_text("main")

        sign_in(page, "keyworker.sm", world.password)
        page.goto(f"{plan_url}add/goal/")
        look(page, "goal-form", "the goal form")
        page.fill("#text", "Cut down to weekends, then stop.")
        page.select_option("#domain", "drug_alcohol")
        submit(page, "Save")
        page.goto(plan_url)
        main = page.inner_text("main")
        assert "Seeing my son every weekend." in main and "Cut down to weekends" in main
        look(page, "plan", "the working plan with two organisations' entries")
        with page.expect_navigation():
            page.get_by_role("link", name="Publish").click()
        look(page, "publish", "the publish form")
        submit(page, "Publish")
        assert "Version 1 published" in page.inner_text("main")
        version = PlanVersion.objects.get()
        assert {e["organisation"] for s in version.content["sections"].values() for e in s} == {
            world.mh.name,
            world.sm.name,
        }
        services.version_render_pdf(version.pk)  # what the Celery worker does after publishing

        sign_in(page, "serviceuser", world.password)
        page.goto("/my/")
        with page.expect_navigation():
            page.locator("main a[href='/my/care-plan/']").first.click()
        main = page.inner_text("main")
        assert "Your care plan" in main and "Walking the dog" in main and "Not agreed yet" in main
        look(page, "portal", "the person's care plan on a phone")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download your copy (PDF)").click()
        content = Path(download.value.path()).read_bytes()
        text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(content)).pages)
        assert "Walking the dog" in " ".join(text.split())
        page.locator("label[for='kind_0']").click()
        submit(page, "Send your answer")
        assert "You have agreed your care plan" in page.inner_text("main")
        look(page, "portal-agreed", "the agreed care plan")
        assert Agreement.objects.get().kind == "agreed"

        sign_in(page, "carer", world.password)
        page.goto("/care-plans/carer/")
        main = page.inner_text("main")
        assert "Walking the dog" in main and "Seeing my son" not in main and "Cut down" not in main
        look(page, "carer", "the carer's view of the crisis plan")
        assert PlanEntry.objects.count() == 3
