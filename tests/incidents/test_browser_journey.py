"""In a real browser, on a phone-sized screen: a key worker reports a near miss about Sam (an
error first, then the report); the CMHT's manager opens it, records the lessons, then opens the
Shared Care meeting pack, prepares its PDF and downloads it. axe-core on each page."""

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from dualcare.dashboards import services as dashboards
from dualcare.dashboards.models import DashboardPdf
from dualcare.safety.incidents.models import Incident
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


class IncidentJourneyTests:
    def test_a_near_miss_is_reported_and_a_manager_downloads_the_meeting_pack(self, page, world, live_server):
        sign_in(page, "keyworker.mh", world.password)
        page.goto(f"/incidents/people/{world.service_user.pk}/report/")
        assert_accessible(page, "the report form")
        page.get_by_label("Near miss").check()
        page.get_by_label("Low harm").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Report it").click()
        main = page.inner_text("main")
        assert "There is a problem" in main and "Enter a short title." in main
        assert_accessible(page, "the report form with errors")
        day = world.today - dt.timedelta(days=10)  # in a week that has ended: the pack's period
        page.get_by_label("No harm").check()
        page.fill("#title", "Two scripts nearly issued")
        page.fill("#occurred_on_0", str(day.day))
        page.fill("#occurred_on_1", str(day.month))
        page.fill("#occurred_on_2", str(day.year))
        page.fill("#what_happened", "The GP and the clinic both started a prescription.")
        with page.expect_navigation():
            page.get_by_role("button", name="Report it").click()
        assert "Near miss reported." in page.inner_text("main")
        assert_accessible(page, "the incident")
        incident = Incident.objects.get()

        sign_in(page, "manager.mh", world.password)
        page.goto(f"/incidents/{incident.pk}/")
        page.fill("#lessons_learned", "One prescriber for opioid substitution, named in the plan.")
        with page.expect_navigation():
            page.get_by_role("button", name="Save the lessons").click()
        assert "Lessons learned saved." in page.inner_text("main")

        page.goto("/dashboards/")
        with page.expect_navigation():
            page.get_by_role("link", name="Shared Care meeting pack").click()
        main = page.inner_text("main")
        assert "One prescriber for opioid substitution" in main and "Sam" not in main
        assert "fewer than 5" in main
        assert_accessible(page, "the meeting pack")
        with page.expect_navigation():
            page.get_by_role("button", name="Prepare the pack as a PDF").click()
        assert "Your PDF is being prepared" in page.inner_text("main")
        dashboards.pdf_render(DashboardPdf.objects.get(kind=DashboardPdf.Kind.PACK).pk)  # the worker
        with page.expect_navigation():
            page.get_by_role("link", name="Check again").click()
        assert_accessible(page, "the PDF ready")
        with page.expect_download() as info:
            page.get_by_role("link", name="Download the PDF").first.click()
        pdf = Path(info.value.path()).read_bytes()
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
        assert "Shared Care meeting pack" in text and "One prescriber for opioid substitution" in text
        assert "Testwell" not in text
