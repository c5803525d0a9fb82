"""In a real browser, on a phone-sized screen: a team manager opens the team dashboard, reads a
control chart with a flagged special cause (in the chart and its data table), downloads the CSV
and the PDF, marks a change and recalculates the limits from the weeks before it. axe-core on
each page. Measures come from the fake provider (tests/dashboards/conftest.py), so the special
cause is known in advance; the real providers are tested in test_queries.py."""

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from dualcare.dashboards import services
from dualcare.dashboards.models import DashboardPdf
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

from .conftest import SHARE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


def download(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    return Path(info.value.path()).read_bytes()


class DashboardJourneyTests:
    def test_a_manager_reads_a_special_cause_downloads_it_and_recalculates_the_limits(self, page, shifted):
        sign_in(page, "manager.mh", shifted.password)
        page.goto("/dashboards/")
        assert_accessible(page, "the dashboards list")
        with page.expect_navigation():
            page.get_by_role("link", name="North CMHT").click()
        assert page.locator("h1").inner_text() == "North CMHT"
        # Every measure's status in words; the referrals' charts one link away.
        assert "Special cause: improvement" in page.locator("#measure-fake-in-time").inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name="Charts: Referrals").click()

        section = page.locator("section", has=page.locator("#measure-fake-in-time"))
        assert "Special cause: improvement" in section.locator(".dash-status").inner_text()
        summary = section.locator(".dash-summary").inner_text()
        assert "12 weeks in a row above the average since" in summary
        chart = section.locator("svg[role='img']").last
        assert "Referrals answered in time" in chart.locator("title").text_content()
        # The special-cause points carry their letter, not colour alone.
        letters = chart.evaluate(
            "svg => [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() === 'I').length"
        )
        assert letters >= 12
        # The data table says the same in words.
        section.get_by_text("Data table").click()
        table = section.locator("table").inner_text()
        assert "Improvement: " in table and "shift" in table
        assert_accessible(page, "the team dashboard")

        rows = list(csv.DictReader(io.StringIO(download(page, "Every measure as CSV").decode())))
        share = [r for r in rows if r["measure_key"] == SHARE.key]
        assert len(share) == 32 and share[-1]["special_cause"] == "yes"
        assert share[-1]["variation"] == "improvement"

        with page.expect_navigation():
            page.get_by_role("button", name="Prepare a PDF of this dashboard").click()
        assert "Your PDF is being prepared" in page.inner_text("main")
        assert_accessible(page, "the PDF being prepared")
        services.pdf_render(DashboardPdf.objects.get().pk)  # what the worker does
        with page.expect_navigation():
            page.get_by_role("link", name="Check again").click()
        assert "Your PDF is ready" in page.inner_text("main")
        pdf = download(page, "Download the PDF")
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
        assert "Dashboard: North CMHT" in text and "Special cause: improvement" in text

        with page.expect_navigation():
            page.get_by_role("link", name="Back to the dashboard").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Charts: Referrals").click()
        section = page.locator("section", has=page.locator("#measure-fake-in-time"))
        with page.expect_navigation():
            section.get_by_role("link", name="Recalculate limits or mark a change").click()
        assert_accessible(page, "the measure page")
        change = shifted.change_week
        page.fill("#note-date_0", str(change.day))
        page.fill("#note-date_1", str(change.month))
        page.fill("#note-date_2", str(change.year))
        page.fill("#note-text", "Daily referral huddle started")
        with page.expect_navigation():
            page.get_by_role("button", name="Mark the change").click()
        assert "The change is marked on the charts." in page.inner_text("main")
        assert "Daily referral huddle started" in page.locator("svg[role='img']").last.inner_html()

        # A reason left out is an error, linked from the summary to the field.
        weeks = page.locator("#baseline-first_week option")
        page.select_option("#baseline-first_week", weeks.nth(1).get_attribute("value"))
        page.select_option("#baseline-last_week", weeks.nth(20).get_attribute("value"))
        with page.expect_navigation():
            page.get_by_role("button", name="Recalculate the limits").click()
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the measure page with an error")
        page.fill("#baseline-reason", "Before the daily huddle")
        with page.expect_navigation():
            page.get_by_role("button", name="Recalculate the limits").click()
        main = page.inner_text("main")
        assert "Limits calculated from" in main and "reason: Before the daily huddle" in main
        assert "is above the upper limit" in main
        assert_accessible(page, "the measure page with recalculated limits")

    def test_the_locality_view_is_accessible_and_hides_small_numbers(self, page, shifted, fake, period_weeks):
        fake.set(SHARE.key, shifted.sm_team, period_weeks[-1], 50, 3)
        sign_in(page, "manager.mh", shifted.password)
        page.goto("/dashboards/locality/?section=referrals")
        assert page.locator("h1").inner_text() == "Locality dashboard"
        section = page.locator("section", has=page.locator("#measure-fake-in-time"))
        section.get_by_text("Data table by organisation").click()
        last_row = section.locator("tbody tr").last.inner_text()
        assert last_row.count("fewer than 5") == 2
        assert_accessible(page, "the locality dashboard")


class FailedPdfJourneyTests:
    def test_a_manager_told_a_pdf_failed_tries_again_and_downloads_it(self, page, shifted, monkeypatch):
        from weasyprint.svg import SVG

        from dualcare.dashboards.pdf import ChartRenderError
        from dualcare.dashboards.selectors import period_for

        document = services.pdf_request(
            kind="team",
            organisation=shifted.mh,
            team=shifted.cmht_north,
            period=period_for(),
            by=shifted.manager_mh,
        )
        real_draw = SVG.draw
        monkeypatch.setattr(SVG, "draw", lambda *args, **kwargs: 1 / 0)  # a chart cannot be drawn
        with pytest.raises(ChartRenderError):
            services.pdf_render(document.pk)
        monkeypatch.setattr(SVG, "draw", real_draw)

        sign_in(page, "manager.mh", shifted.password)
        page.goto(f"/dashboards/pdfs/{document.pk}/")
        assert page.locator("h1").inner_text() == "Your PDF could not be made"
        assert "A chart could not be drawn" in page.inner_text("main")
        assert_accessible(page, "the PDF that failed")
        with page.expect_navigation():
            page.get_by_role("button", name="Try again").click()
        assert "Your PDF is being prepared" in page.inner_text("main")
        services.pdf_render(document.pk)  # what the worker does
        with page.expect_navigation():
            page.get_by_role("link", name="Check again").click()
        pdf = download(page, "Download the PDF")
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
        assert "Referrals answered in time, by week" in text and "Upper limit" in text
