"""In a real browser, on a phone-sized screen: manager.mh opens "Chart your own data",
makes a mistake and is told which line, corrects it, reads the control chart and its table,
and downloads the analysed points. axe-core on each page."""

import csv
import io

import pytest

from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

VALUES = [10, 11, 9, 10, 12, 8, 10, 11, 9, 10, 11, 9, 10, 10, 20, 21, 19, 20, 22, 20]
LINES = [f"2026-{(i // 4) + 1:02d}-{(i % 4) * 7 + 1:02d},{v}" for i, v in enumerate(VALUES)]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


class ChartYourDataJourneyTests:
    def test_a_manager_charts_a_series_and_downloads_the_points(self, page, world):
        sign_in(page, "manager.mh", world.password)
        page.goto("/spc/")
        assert "Nothing you enter here is stored" in page.inner_text("main")
        assert_accessible(page, "the chart-your-data form")

        bad = list(LINES)
        bad[6] = "2026-02-15,abc"
        page.fill("#data", "date,value\n" + "\n".join(bad))
        page.check("#improvement_0")
        with page.expect_navigation():
            page.get_by_role("button", name="Draw the chart").click()
        summary = page.locator(".nhsuk-error-summary").inner_text()
        assert "Line 8: 'abc' is not a number." in summary  # line 1 is the heading
        assert_accessible(page, "the form with an error")

        page.fill("#data", "date,value\n" + "\n".join(LINES))
        with page.expect_navigation():
            page.get_by_role("button", name="Draw the chart").click()
        main = page.inner_text("main")
        assert "Control chart (XmR) of 20 points." in main
        assert page.locator("main svg[role='img'][aria-labelledby^='spc-']").count() == 1
        assert page.locator("table[data-spc-table] tbody tr").count() == 20
        assert "Special cause: improvement" in page.locator("table[data-spc-table]").inner_text()
        assert_accessible(page, "the chart and its table")

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download the analysed points (CSV)").click()
        with open(download_info.value.path(), encoding="utf-8") as downloaded:
            rows = list(csv.DictReader(io.StringIO(downloaded.read())))
        assert len(rows) == 20  # the line breaks survived the round trip through the page
        assert rows[-1]["special_cause"] == "yes" and rows[-1]["variation"] == "improvement"
