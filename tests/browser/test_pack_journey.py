"""In a real browser: keyworker.mh makes an information pack for the North CMHT, adds an outside
organisation's directory entry to it from the entry's page, uploads a PDF into it, and prints the
pack; a bad upload is refused on the page. Each page checked with axe-core (WCAG 2.2 AA)."""

import io

import pytest
from pypdf import PdfReader, PdfWriter

from tests.directory.helpers import ident, import_services, oruk_service

from .conftest import assert_accessible
from .test_journeys import enrolled_authenticator, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


class PackJourneyTests:
    def test_a_key_worker_makes_fills_and_prints_a_pack(self, page, world, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path / "media"
        import_services(world.charity, oruk_service("pantry", name="Eastfield Community Pantry"))
        handout = tmp_path / "handout.pdf"
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        with handout.open("wb") as out:
            writer.write(out)
        not_a_pdf = tmp_path / "notes.pdf"
        not_a_pdf.write_text("Only text, named like a PDF.")

        sign_in(page, "keyworker.mh", world.password, device=enrolled_authenticator(world.keyworker_mh))
        page.goto("/directory/packs/")
        assert_accessible(page, "the information packs")
        with page.expect_navigation():
            page.get_by_role("link", name="Make a pack").click()
        page.select_option("#team", label="North CMHT")
        page.fill("#title", "Induction pack")
        page.fill("#introduction", "Read before your first joint visit.")
        assert_accessible(page, "a new pack")
        submit(page, "Make the pack")
        assert page.locator("h1").inner_text() == "Induction pack"
        assert "Nothing in this pack yet." in page.inner_text("main")
        assert_accessible(page, "an empty pack")

        page.goto(f"/directory/{ident('service', 'pantry')}/")
        with page.expect_navigation():
            page.get_by_role("link", name="Add it to an information pack").click()
        page.select_option("#pack", label="Induction pack (North CMHT)")
        assert_accessible(page, "adding an entry to a pack")
        submit(page, "Add to the pack")
        assert "Eastfield Community Pantry added to the end of Induction pack." in page.inner_text("main")

        with page.expect_navigation():
            page.get_by_role("link", name="Upload a document (PDF)").click()
        page.fill("#title", "Naloxone handout")
        page.set_input_files("#file", str(not_a_pdf))
        submit(page, "Upload and add to the pack")
        assert "The file must be a PDF. This file is not a PDF." in page.inner_text(".nhsuk-error-summary")
        assert_accessible(page, "a refused upload")
        page.set_input_files("#file", str(handout))
        submit(page, "Upload and add to the pack")
        items = page.locator("#pack-items > li")
        assert items.count() == 2 and "Naloxone handout" in items.nth(1).inner_text()
        assert_accessible(page, "a pack with an entry and a document")

        with page.expect_navigation():
            items.nth(1).get_by_role("button", name="Move up").click()
        assert "Naloxone handout" in page.locator("#pack-items > li").nth(0).inner_text()
        pdf = page.request.get(page.get_by_role("link", name="Print the pack (PDF)").get_attribute("href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        pages = PdfReader(io.BytesIO(pdf.body())).pages
        assert len(pages) == 3  # the cover, the handout, the pantry's leaflet
        assert "Eastfield Community Pantry" in pages[2].extract_text()
