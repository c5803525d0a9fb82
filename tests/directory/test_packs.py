"""Leaflets and information packs (issue 18, items 6 and 8): an entry as a one-page A4 leaflet,
a team's pack of chosen entries and uploaded documents in order, printed as one PDF (read back
with pypdf), who may read and who may change them, bad uploads refused with a clear message and
nothing half-written, and pinned query counts that do not grow with what the pages list."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader, PdfWriter

from directory import pack_services
from directory.models import Location, OpeningTime, Service
from directory.pack_models import Document, InformationPack, PackItem
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError

from .helpers import ident, import_services, oruk_service

pytestmark = pytest.mark.django_db

A4 = (595, 842)  # points, rounded


@pytest.fixture(autouse=True)
def _scratch_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REQUIRE_STAFF_2FA = False
    settings.DIRECTORY_VIRUS_SCAN = "directory.documents.scan_nothing"


@pytest.fixture(scope="module")
def handout() -> bytes:
    """A small real PDF with words in it, as an organisation would upload (drawn once)."""
    from weasyprint import HTML

    return HTML(string="<h1>Naloxone handout</h1><p>Carry it, know where it is.</p>").write_pdf()


def blank_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=A4[0], height=A4[1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def directory(world):
    import_services(world.mh, oruk_service("north"))
    import_services(world.charity, oruk_service("women", name="Women's Food Pantry"))
    world.north = Service.objects.get(pk=ident("service", "north"))
    world.women = Service.objects.get(pk=ident("service", "women"))
    return world


@pytest.fixture
def pack(directory):
    return pack_services.pack_create(
        by=directory.keyworker_mh,
        team=directory.cmht_north,
        title="Induction pack",
        introduction="Start here.",
    )


def _media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class LeafletTests:
    def test_it_is_one_a4_page_with_the_entry(self, login, directory):
        response = login(directory.keyworker_mh).get(f"/directory/{directory.north.pk}/leaflet/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="leaflet.pdf"'
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == A4
        text = reader.pages[0].extract_text()
        assert "North Housing Advice" in text and "0113 496 0000" in text and "Civic Centre" in text
        assert "You can contact them yourself" in text or "By phone" in text

    def test_the_longest_entry_the_form_takes_still_fits_one_page(self, login, directory):
        Service.objects.filter(pk=directory.north.pk).update(
            name="N" * 200,
            description="A long description of the service. " * 140,
            eligibility="Who it is for, at length. " * 190,
            how_to_refer="How to refer, at length. " * 190,
            cost="£" * 300,
            area="A" * 100,
        )
        for _ in range(5):
            Location.objects.create(
                service=directory.north,
                name="P" * 200,
                address="A" * 300,
                locality="L" * 100,
                postcode="NT1 4AB",
                postcode_district="NT1",
            )
        OpeningTime.objects.filter(service=directory.north).delete()
        for day in range(7):
            for hour in (8, 13):
                OpeningTime.objects.create(
                    service=directory.north, weekday=day, opens_at=dt.time(hour), closes_at=dt.time(hour + 3)
                )
        response = login(directory.keyworker_mh).get(f"/directory/{directory.north.pk}/leaflet/")
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 1

    def test_staff_of_any_organisation_print_an_outside_organisations_leaflet(self, login, directory):
        for user in (directory.outsider, directory.pharmacist, directory.keyworker_sm):
            response = login(user).get(f"/directory/{directory.women.pk}/leaflet/")
            assert response.status_code == 200
            assert "Women's Food Pantry" in text_of(response.content)[0]

    def test_people_carers_and_nobody_signed_in_print_none(self, client, login, directory):
        url = f"/directory/{directory.north.pk}/leaflet/"
        assert client.get(url).status_code == 302
        for user in (directory.service_user_login, directory.carer):
            assert login(user).get(url).status_code == 404

    def test_it_pins_its_queries(self, login, directory, django_assert_num_queries):
        client = login(directory.keyworker_mh)
        url = f"/directory/{directory.north.pk}/leaflet/"
        # session, user, the idle timeout's session update, roles (reader check); the entry with
        # provider, team and keeper; its needs, places and opening times
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        import_services(directory.mh, oruk_service("north", schedules=[]))
        with django_assert_num_queries(len(first.captured_queries)):
            client.get(url)
        assert len(first.captured_queries) <= 9


class PackKeepingTests:
    def test_staff_make_a_pack_for_a_team_of_their_organisation_audited(self, login, directory):
        response = login(directory.keyworker_mh).post(
            "/directory/packs/new/",
            {"team": str(directory.cmht_north.pk), "title": "New starters", "introduction": "Read first."},
        )
        assert response.status_code == 302
        pack = InformationPack.objects.get(title="New starters")
        assert pack.team == directory.cmht_north and response["Location"] == f"/directory/packs/{pack.pk}/"
        assert AuditEvent.objects.filter(
            action="directory.pack.create", actor=directory.keyworker_mh, organisation=directory.mh
        ).exists()

    def test_the_form_offers_the_organisations_teams_with_the_users_own_first_chosen(self, login, directory):
        form = login(directory.keyworker_mh_south).get("/directory/packs/new/").context["form"]
        assert [label for _, label in form.fields["team"].choices] == [
            "Choose a team",
            "North CMHT",
            "South CMHT",
            "Trust administration",
        ]
        assert form["team"].value() == str(directory.cmht_south.pk)

    def test_nobody_makes_a_pack_for_another_organisations_team(self, login, directory):
        response = login(directory.outsider).post(
            "/directory/packs/new/", {"team": str(directory.cmht_north.pk), "title": "Not theirs"}
        )
        assert response.status_code == 400
        assert response.context["form"].errors["team"] == ["Choose one of your organisation's teams."]
        with pytest.raises(ApplicationError):
            pack_services.pack_create(by=directory.outsider, team=directory.cmht_north, title="Not theirs")
        assert not InformationPack.objects.filter(title="Not theirs").exists()

    @pytest.mark.parametrize(
        ("form", "field", "message"),
        [
            ({"title": ""}, "title", "Enter a title for the pack."),
            ({"title": "x" * 201}, "title", "200 characters or fewer"),
            ({"team": ""}, "team", "Choose the team the pack is for."),
            ({"introduction": "a\x00b"}, "introduction", ""),
        ],
    )
    def test_a_bad_pack_is_a_field_error_and_writes_nothing(self, login, directory, form, field, message):
        data = {"team": str(directory.cmht_north.pk), "title": "Pack", "introduction": "", **form}
        response = login(directory.keyworker_mh).post("/directory/packs/new/", data)
        assert response.status_code == 400
        assert any(message in error for error in response.context["form"].errors[field])
        assert not InformationPack.objects.exists()

    def test_an_entry_of_any_organisation_is_added_once(self, login, directory, pack):
        client = login(directory.keyworker_mh)
        url = f"/directory/{directory.women.pk}/add-to-pack/"
        assert b"Induction pack (North CMHT)" in client.get(url).content
        assert client.post(url, {"pack": str(pack.pk)}).status_code == 302
        again = client.post(url, {"pack": str(pack.pk)})
        assert again.status_code == 400
        assert again.context["form"].errors["pack"] == ["Women's Food Pantry is already in Induction pack."]
        assert [item.service for item in PackItem.objects.filter(pack=pack)] == [directory.women]

    def test_only_the_packs_organisation_adds_to_it(self, login, directory, pack):
        response = login(directory.keyworker_sm).post(
            f"/directory/{directory.north.pk}/add-to-pack/", {"pack": str(pack.pk)}
        )
        assert response.status_code == 400 and "pack" in response.context["form"].errors
        assert (
            b"has no information packs yet"
            in login(directory.keyworker_sm).get(f"/directory/{directory.north.pk}/add-to-pack/").content
        )
        for user in (directory.outsider, directory.keyworker_sm):
            client = login(user)
            assert client.get(f"/directory/packs/{pack.pk}/documents/new/").status_code == 404
            item = pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
            base = f"/directory/packs/{pack.pk}/items/{item.pk}"
            assert client.post(f"{base}/move/", {"direction": "up"}).status_code == 404
            assert client.post(f"{base}/remove/").status_code == 404
            item.delete()

    def test_a_keeper_orders_and_takes_out_items_audited(self, login, directory, pack, handout):
        first = pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
        second = pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.women)
        third = pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="Naloxone", content=handout
        )
        client = login(directory.linkworker_mh)  # another of the organisation's staff

        def order():
            return list(PackItem.objects.filter(pack=pack).order_by("position").values_list("pk", flat=True))

        base = f"/directory/packs/{pack.pk}/items"
        assert client.post(f"{base}/{third.pk}/move/", {"direction": "up"}).status_code == 302
        assert order() == [first.pk, third.pk, second.pk]
        client.post(f"{base}/{first.pk}/move/", {"direction": "up"})  # already first: nothing moves
        client.post(f"{base}/{first.pk}/move/", {"direction": "down"})
        assert order() == [third.pk, first.pk, second.pk]
        assert client.post(f"{base}/{first.pk}/move/", {"direction": "sideways"}).status_code == 302
        assert order() == [third.pk, first.pk, second.pk]
        assert client.post(f"{base}/{second.pk}/remove/").status_code == 302
        assert order() == [third.pk, first.pk]
        assert Document.objects.count() == 1  # a document taken out stays the organisation's
        actions = AuditEvent.objects.filter(actor=directory.linkworker_mh).values_list("action", flat=True)
        assert sorted(set(actions)) == ["directory.pack.item_move", "directory.pack.item_remove"]

    def test_a_pack_holds_a_limited_number_of_items(self, directory, pack, monkeypatch):
        monkeypatch.setattr(pack_services, "MAX_PACK_ITEMS", 1)
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
        with pytest.raises(ApplicationError, match="A pack holds up to 1"):
            pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.women)


class DocumentUploadTests:
    def _upload(self, client, pack, content: bytes, name: str = "handout.pdf", title: str = "Handout"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            f"/directory/packs/{pack.pk}/documents/new/",
            {"title": title, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        )

    def test_a_pdf_is_stored_by_its_id_and_added_to_the_end(self, login, directory, pack, handout, settings):
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
        response = self._upload(login(directory.keyworker_mh), pack, handout, name="Sam Testwell notes.pdf")
        assert response.status_code == 302
        document = Document.objects.get()
        assert document.file.name == f"directory/documents/{document.pk}.pdf"  # never the uploaded name
        assert (document.page_count, document.size, document.organisation) == (1, len(handout), directory.mh)
        assert [item.position for item in PackItem.objects.filter(pack=pack)] == [1, 2]
        assert PackItem.objects.get(position=2).document == document
        assert [path.name for path in _media_files(settings)] == [f"{document.pk}.pdf"]
        assert AuditEvent.objects.filter(action="directory.pack.document_add").count() == 1

    @pytest.mark.parametrize(
        ("content", "setting", "message"),
        [
            (b"Dear team, this is not a PDF.", {}, "The file must be a PDF. This file is not a PDF."),
            (b"%PDF-1.7\nnot really a pdf at all", {}, "The PDF could not be opened. It may be damaged."),
            (
                None,
                {"DIRECTORY_UPLOAD_MAX_BYTES": 1024 * 1024},
                "The file must be 1 MB or smaller.",
            ),
            (
                "blank",
                {"DIRECTORY_VIRUS_SCAN": "tests.directory.doubles.finds_a_virus"},
                "The file was refused by the virus check: Eicar-Test-Signature found.",
            ),
            (
                "blank",
                {"DIRECTORY_VIRUS_SCAN": "tests.directory.doubles.is_unreachable"},
                "could not be checked just now",
            ),
            ("many", {}, "The PDF must have 40 pages or fewer."),
            ("locked", {}, "The PDF is protected by a password."),
        ],
    )
    def test_a_bad_upload_is_refused_clearly_and_nothing_is_written(
        self, login, directory, pack, settings, content, setting, message
    ):
        for name, value in setting.items():
            setattr(settings, name, value)
        if content is None:
            content = blank_pdf() + b"%" * (1024 * 1024)
        elif content == "blank":
            content = blank_pdf()
        elif content == "many":
            content = blank_pdf(41)
        elif content == "locked":
            writer = PdfWriter(clone_from=io.BytesIO(blank_pdf()))
            writer.encrypt("secret")
            out = io.BytesIO()
            writer.write(out)
            content = out.getvalue()
        response = self._upload(login(directory.keyworker_mh), pack, content)
        assert response.status_code == 400
        errors = response.context["form"].errors["file"]
        assert any(message in error for error in errors), errors
        assert b"There is a problem" in response.content and b"Error: " in response.content
        assert not Document.objects.exists() and not PackItem.objects.exists()
        assert _media_files(settings) == []
        assert not AuditEvent.objects.filter(action="directory.pack.document_add").exists()

    def test_a_pdf_by_name_only_is_not_a_pdf(self, login, directory, pack):
        response = self._upload(
            login(directory.keyworker_mh), pack, b"MZ\x90\x00 an executable", name="leaflet.pdf"
        )
        assert response.status_code == 400 and "not a PDF" in response.context["form"].errors["file"][0]

    def test_rows_that_cannot_be_written_leave_no_file(self, directory, pack, handout, settings, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(pack_services, "audit_record", broken)
        with pytest.raises(RuntimeError):
            pack_services.pack_document_add(by=directory.keyworker_mh, pack=pack, title="X", content=handout)
        assert _media_files(settings) == [] and not Document.objects.exists()

    def test_a_missing_file_or_title_is_a_field_error(self, login, directory, pack):
        response = login(directory.keyworker_mh).post(
            f"/directory/packs/{pack.pk}/documents/new/", {"title": ""}
        )
        assert response.status_code == 400
        assert response.context["form"].errors == {
            "title": ["Enter a title for the document."],
            "file": ["Choose a PDF file to upload."],
        }

    def test_documents_are_served_to_signed_in_staff_only(self, client, login, directory, pack, handout):
        item = pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="H", content=handout
        )
        url = f"/directory/documents/{item.document_id}/"
        for user in (directory.keyworker_mh, directory.outsider, directory.pharmacist):
            response = login(user).get(url)
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == handout
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Disposition"] == 'inline; filename="document.pdf"'
        client.logout()
        assert client.get(url).status_code == 302
        for user in (directory.service_user_login, directory.carer):
            assert login(user).get(url).status_code == 404
        directory.outsider.staff_roles.update(end=directory.outsider.staff_roles.first().start)
        assert (
            login(directory.outsider).get(url).status_code == 404
        )  # no role in force: no longer staff of one

    def test_no_public_media_url_serves_it(self, client, login, directory, pack, handout):
        item = pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="H", content=handout
        )
        assert login(directory.keyworker_mh).get(f"/media/{item.document.file.name}").status_code == 404


class PackPrintTests:
    def test_the_pack_pdf_holds_its_cover_entries_and_documents_in_order(
        self, login, directory, pack, handout
    ):
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.women)
        pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="Naloxone", content=handout
        )
        pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="Blank", content=blank_pdf(2)
        )
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
        response = login(directory.outsider).get(f"/directory/packs/{pack.pk}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        pages = [page.extract_text() or "" for page in reader.pages]
        assert len(pages) == 1 + 1 + 1 + 2 + 1  # cover, leaflet, handout, two blank pages, leaflet
        assert "Induction pack" in pages[0] and "Start here." in pages[0]
        assert "Women's Food Pantry" in pages[0] and "Naloxone" in pages[0]  # its contents
        assert "Women's Food Pantry" in pages[1]
        assert "Naloxone handout" in pages[2]
        assert pages[3].strip() == "" and pages[4].strip() == ""
        assert "North Housing Advice" in pages[5]
        # A bookmark for each, in order (a nested list holds a part's own headings)
        marks = [item for item in reader.outline if not isinstance(item, list)]
        titles = [item.title for item in marks]
        assert titles == [
            "Induction pack",
            "Women's Food Pantry",
            "Naloxone",
            "Blank",
            "North Housing Advice",
        ]
        assert [reader.get_destination_page_number(item) for item in marks] == [0, 1, 2, 3, 5]

    def test_an_empty_pack_is_its_cover(self, login, directory, pack):
        response = login(directory.keyworker_mh).get(f"/directory/packs/{pack.pk}/pdf/")
        assert text_of(response.content)[0].count("Nothing yet.") == 1

    def test_people_carers_and_nobody_signed_in_open_no_pack(self, client, login, directory, pack):
        urls = ["/directory/packs/", f"/directory/packs/{pack.pk}/", f"/directory/packs/{pack.pk}/pdf/"]
        for url in urls:
            assert client.get(url).status_code == 302
            for user in (directory.service_user_login, directory.carer):
                assert login(user).get(url).status_code == 404
            client.logout()


class PackPagesTests:
    def test_the_list_is_searchable_and_paginated(self, login, directory, pack):
        for index in range(26):
            pack_services.pack_create(
                by=directory.outsider, team=directory.charity_team, title=f"Peer pack {index:02}"
            )
        client = login(directory.keyworker_mh)
        response = client.get("/directory/packs/")
        assert response.context["page"].paginator.count == 27
        assert (
            len(response.context["page"].object_list) == 25
            and b"Showing 1 to 25 of 27 packs" in response.content
        )
        found = client.get("/directory/packs/?q=induction+north")  # title and team
        assert [p.title for p in found.context["page"].object_list] == ["Induction pack"]
        assert (
            client.get("/directory/packs/?q=peer&page=2").context["page"].object_list[0].title
            == "Peer pack 25"
        )
        assert client.get("/directory/packs/?q=" + "x" * 101).status_code == 400

    def test_the_list_pins_its_queries(self, login, directory, pack, django_assert_num_queries):
        client = login(directory.keyworker_mh)
        client.get("/directory/packs/")
        # session, user, roles (reader check), count, page with teams and item counts, the
        # "make a pack" check; then the header's navigation
        with CaptureQueriesContext(connection) as first:
            client.get("/directory/packs/")
        for index in range(6):
            more = pack_services.pack_create(
                by=directory.outsider, team=directory.charity_team, title=f"P{index}"
            )
            pack_services.pack_entry_add(by=directory.outsider, pack=more, service=directory.north)
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get("/directory/packs/").context["page"].paginator.count == 7

    def test_the_pack_page_pins_its_queries_and_shows_keepers_their_buttons(
        self, login, directory, pack, handout, django_assert_num_queries
    ):
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.north)
        client = login(directory.keyworker_mh)
        url = f"/directory/packs/{pack.pk}/"
        client.get(url)
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        pack_services.pack_entry_add(by=directory.keyworker_mh, pack=pack, service=directory.women)
        pack_services.pack_document_add(
            by=directory.keyworker_mh, pack=pack, title="Naloxone", content=handout
        )
        with django_assert_num_queries(len(first.captured_queries)):
            response = client.get(url)
        assert response.content.count(b"Take out") == 3 and b"Upload a document (PDF)" in response.content
        other = login(directory.outsider).get(url)
        assert other.status_code == 200 and b"Take out" not in other.content
        assert b"Naloxone" in other.content and b"Print the pack (PDF)" in other.content

    def test_the_entry_page_offers_the_leaflet_and_a_pack(self, login, directory):
        page = login(directory.keyworker_mh).get(f"/directory/{directory.north.pk}/").content
        assert f"/directory/{directory.north.pk}/leaflet/".encode() in page
        assert f"/directory/{directory.north.pk}/add-to-pack/".encode() in page
