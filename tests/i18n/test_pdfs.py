"""The person's copy of their care plan in their language, and the easy-read copy (issue 20
item 6), read back with pypdf."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from careplans import services
from careplans.pdf import easy_read_lines
from dualcare.audit.models import AuditEvent
from dualcare.people.models import User
from tests.careplans.helpers import publish, shared_plan

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _lines(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [line.strip() for page in reader.pages for line in (page.extract_text() or "").splitlines()]


def _font_sizes(content: bytes) -> set[float]:
    sizes = set()

    def visitor(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.add(round(font_size * tm[0], 1))

    for page in PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visitor)
    return sizes


@pytest.fixture
def version(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world.mh.out_of_hours_phone = "0800 111 2222"
    world.mh.save()
    shared_plan(world)
    return publish(world)


def _welsh(world):
    User.objects.filter(pk=world.service_user_login.pk).update(language="cy")


class PersonsLanguagePdfTests:
    def test_the_stored_copy_is_english_and_the_welsh_persons_download_is_welsh(self, world, version, client):
        services.version_render_pdf(version.pk)
        version.refresh_from_db()
        stored = _text(version.pdf.open("rb").read())
        assert "Your care plan" in stored and "Eich cynllun gofal" not in stored
        _welsh(world)
        client.force_login(User.objects.get(pk=world.service_user_login.pk))
        response = client.get(reverse("my_care_plan:pdf"))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = _text(response.content)
        assert "Eich cynllun gofal" in text
        assert "Os bydd pethau’n mynd yn anodd: eich cynllun argyfwng" in text
        # What staff wrote stays in their words; the labels around it are Welsh.
        assert "Seeing my daughter every weekend." in text
        assert "Beth sy’n bwysig i chi" in text and "What matters to you" not in text
        assert "Ar y gweill" in text  # the action's status, a choice kept in English in the snapshot

    def test_an_english_persons_download_is_the_stored_copy(self, world, version, client):
        services.version_render_pdf(version.pk)
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_care_plan:pdf"))
        assert "Your care plan" in _text(b"".join(response.streaming_content))


class EasyReadPdfTests:
    def test_it_is_short_lines_in_large_type(self, world, version, client):
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_care_plan:easy_read_pdf"))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert 'filename="care-plan-easy-read-version-1.pdf"' in response["Content-Disposition"]
        lines = [line for line in _lines(response.content) if line]
        assert "This is your care plan." in lines
        assert "In an emergency, call 999." in lines
        # One idea a line: the crisis plan's "Walking the dog; calling my mum." is two lines.
        assert "Walking the dog" in lines and "calling my mum." in lines
        assert "Who will do it: A worker from your care team." in _text(response.content)
        # Large type: about 40 characters to a line of an A4 page.
        assert max(len(line) for line in lines) <= 50
        assert min(_font_sizes(response.content)) >= 14  # large type: 20pt text, 14pt page numbers
        assert AuditEvent.objects.filter(
            actor=world.service_user_login, action="careplan.pdf_own", service_user=world.service_user
        ).exists()

    def test_it_is_in_the_persons_language(self, world, version, client):
        _welsh(world)
        client.force_login(User.objects.get(pk=world.service_user_login.pk))
        lines = _lines(client.get(reverse("my_care_plan:easy_read_pdf")).content)
        assert "Dyma eich cynllun gofal." in lines
        assert "Mewn argyfwng, ffoniwch 999." in lines

    def test_nobody_else_gets_it(self, world, version, client):
        client.force_login(world.carer)
        assert client.get(reverse("my_care_plan:easy_read_pdf")).status_code == 404
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("my_care_plan:easy_read_pdf")).status_code == 404

    def test_a_person_without_a_published_plan_gets_a_404(self, world, client):
        client.force_login(world.service_user_login)
        assert client.get(reverse("my_care_plan:easy_read_pdf")).status_code == 404


class EasyReadLinesTests:
    def test_it_puts_one_sentence_a_line(self):
        assert easy_read_lines("Not sleeping. Stopping my medication.") == [
            "Not sleeping.",
            "Stopping my medication.",
        ]

    def test_it_breaks_a_long_sentence_at_its_commas_and_ands(self):
        text = "Weekly key-work session on cutting down drinking, with a plan for weekends and a diary of it"
        lines = easy_read_lines(text)
        assert lines == [
            "Weekly key-work session on cutting down drinking",
            "with a plan for weekends",
            "a diary of it",
        ]
