"""The person's copy: rendered once per version in a task, stored, served; text read back with pypdf."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from careplans import services, tasks
from careplans.models import PlanVersion

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.fixture
def version(world):
    world.mh.phone = "01632 960000"
    world.mh.out_of_hours_phone = "0800 111 2222"
    world.mh.save()
    shared_plan(world)
    return publish(world)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


class PdfTests:
    def test_it_renders_once_and_stores_the_file(self, world, version):
        assert not version.pdf
        assert tasks.careplan_version_render_pdf(str(version.pk)) is True
        stored = PlanVersion.objects.get(pk=version.pk)
        assert stored.pdf.name == f"careplans/{version.pk}.pdf" and stored.pdf_rendered_at
        # A second run (a retry, a second worker, the sweep) changes nothing.
        assert tasks.careplan_version_render_pdf(str(version.pk)) is False
        assert PlanVersion.objects.get(pk=version.pk).pdf_rendered_at == stored.pdf_rendered_at

    def test_it_holds_the_persons_copy_in_real_text(self, world, version):
        services.version_render_pdf(version.pk)
        stored = PlanVersion.objects.get(pk=version.pk)
        content = stored.pdf.read()
        text = _text(content)
        assert "Your care plan" in text
        assert "Version 1, published on" in text
        assert "If things get difficult: your crisis plan" in text
        assert "Walking the dog" in text and "Crisis line 0800 000 1234" in text
        assert world.mh.name in text and world.sm.name in text
        assert "01632 960000" in text and "0800 111 2222" in text
        assert "Seeing my daughter every weekend." in text
        assert "Drinking alone again at weekends" in text  # risk history from both organisations
        # The crisis plan comes before everything else.
        assert text.index("your crisis plan") < text.index("What matters to you")
        assert "In your words" in text and "In their words" not in text
        # "key worker" is explained, as on the person's pages.
        assert f"key worker {world.keyworker_mh.display_name}" in text
        assert "Your key worker is the worker who arranges your care at that team" in text
        reader = PdfReader(io.BytesIO(content))
        catalog = reader.trailer["/Root"]
        assert "/StructTreeRoot" in catalog  # tagged
        assert catalog["/MarkInfo"]["/Marked"]
        assert "/Lang" in catalog

    def test_it_says_being_prepared_until_rendered_and_the_sweep_requeues(
        self, world, version, client, monkeypatch
    ):
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_care_plan:pdf"))
        assert response.status_code == 202 and "being prepared" in response.content.decode()
        queued = []
        monkeypatch.setattr(tasks.careplan_version_render_pdf, "delay", lambda pk: queued.append(pk))
        assert tasks.careplans_render_missing_pdfs() == 0  # just published: its own task has it
        PlanVersion.objects.filter(pk=version.pk).update(
            published_at=timezone.now() - dt.timedelta(minutes=5)
        )
        assert tasks.careplans_render_missing_pdfs() == 1
        assert queued == [str(version.pk)]
        tasks.careplan_version_render_pdf(queued[0])
        assert tasks.careplans_render_missing_pdfs() == 0
        response = client.get(reverse("my_care_plan:pdf"))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "Walking the dog" in _text(_body(response))
        assert "care-plan-version-1.pdf" in response["Content-Disposition"]

    def test_it_queues_the_render_when_published(
        self, world, django_capture_on_commit_callbacks, monkeypatch
    ):
        shared_plan(world)
        queued = []
        monkeypatch.setattr(tasks.careplan_version_render_pdf, "delay", lambda pk: queued.append(pk))
        with django_capture_on_commit_callbacks(execute=True):
            version = publish(world)
        assert queued == [str(version.pk)]

    def test_it_survives_a_broker_that_is_down(self, world, django_capture_on_commit_callbacks, monkeypatch):
        shared_plan(world)

        def down(pk):
            raise ConnectionError("broker down")

        monkeypatch.setattr(tasks.careplan_version_render_pdf, "delay", down)
        with django_capture_on_commit_callbacks(execute=True):
            version = publish(world)
        assert PlanVersion.objects.filter(pk=version.pk, pdf="").exists()

    @pytest.mark.parametrize(
        "role,expected",
        [
            ("keyworker_mh", 200),
            ("manager_mh", 200),
            ("outsider", 404),
            ("pharmacist", 404),
            ("orgadmin_mh", 404),
            ("service_user_login", 404),
            ("carer", 404),
        ],
    )
    def test_it_serves_the_stored_file_to_staff_who_see_the_whole_plan(
        self, world, version, client, role, expected
    ):
        from dualcare.people import services as people_services

        # With risk consent too, the trust's staff may see every entry, so the whole copy.
        people_services.consent_record(
            service_user=world.service_user, organisation=world.mh, scope="risk", by=world.keyworker_sm
        )
        services.version_render_pdf(version.pk)
        client.force_login(getattr(world, role))
        response = client.get(reverse("careplans:version_pdf", kwargs={"pk": version.pk}))
        assert response.status_code == expected

    def test_it_refuses_the_copy_to_staff_without_consent_to_all_of_it(self, world, version, client):
        # sm has care_plan consent but not risk: the person's copy includes the CMHT's risk history.
        services.version_render_pdf(version.pk)
        client.force_login(world.keyworker_sm)
        assert client.get(reverse("careplans:version_pdf", kwargs={"pk": version.pk})).status_code == 403


def test_asking_for_a_version_without_its_pdf_queues_the_render(world, version, client, monkeypatch):
    """An old version the sweep no longer looks at (older than a week) still gets its PDF when asked."""
    queued = []
    monkeypatch.setattr(tasks.careplan_version_render_pdf, "delay", lambda pk: queued.append(pk))
    PlanVersion.objects.filter(pk=version.pk).update(published_at=timezone.now() - dt.timedelta(days=30))
    assert tasks.careplans_render_missing_pdfs() == 0
    client.force_login(world.service_user_login)
    assert client.get(reverse("my_care_plan:pdf")).status_code == 202
    assert queued == [str(version.pk)]
