"""The demo's information pack (issue 18, item 6): the North CMHT's induction pack with two
entries and one generated PDF, uploaded through the same checks as staff's uploads."""

import io

import pytest
from pypdf import PdfReader

from directory import pack_demo
from directory.pack_models import Document, InformationPack

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(demo_live):
    return demo_live.demo


@pytest.mark.usefixtures("demo")
class DemoPackTests:
    def test_the_north_cmht_has_a_pack_of_two_entries_and_a_document(self):
        pack = InformationPack.objects.get(title=pack_demo.TITLE)
        assert pack.team.name == "Northgate North CMHT"
        items = list(pack.items.order_by("position"))
        assert [item.service.name for item in items[:2]] == list(pack_demo.ENTRIES)
        assert items[2].document.title == pack_demo.HANDOUT_TITLE and len(items) == 3

    def test_its_document_is_a_real_pdf_stored_by_its_id(self):
        document = Document.objects.get(title=pack_demo.HANDOUT_TITLE)
        assert document.file.name == f"directory/documents/{document.pk}.pdf"
        with document.file.open("rb") as stored:
            reader = PdfReader(io.BytesIO(stored.read()))
        assert len(reader.pages) == document.page_count == 1
        assert "Harm reduction" in reader.pages[0].extract_text()

    def test_running_it_again_adds_nothing(self, demo):
        pack_demo.build(demo)
        assert InformationPack.objects.filter(title=pack_demo.TITLE).count() == 1
