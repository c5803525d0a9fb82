"""Dashboard PDFs: a chart that cannot be drawn fails the render loudly (recorded, shown, retried),
and a rendered PDF still carries every measure with its chart."""

import io
import re

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.urls import reverse
from pypdf import PdfReader

from dualcare.audit.models import AuditEvent
from dualcare.dashboards import pdf, selectors, services, tasks
from dualcare.dashboards.models import DashboardPdf
from dualcare.dashboards.selectors import period_for

from .conftest import CASELOAD, MEETINGS, SHARE

pytestmark = pytest.mark.django_db

# The PDF page of a manager, whatever its state: session, user, the organisations they manage
# (manager_only), the document with its organisation and team, the layout's roles and unread
# alerts, and the session's idle timeout written back (savepoint, update, release).
PDF_PAGE = 9


def ask(world, kind="team"):
    return services.pdf_request(
        kind=kind,
        organisation=world.mh,
        team=world.cmht_north if kind == "team" else None,
        period=period_for(),
        by=world.manager_mh,
    )


def pdf_text(document) -> str:
    document.refresh_from_db()
    with document.pdf.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def chart_drawing_fails(monkeypatch):
    """WeasyPrint's SVG drawing raises, as it did when the worker's soft time limit struck mid-chart
    (WeasyPrint logged "Failed to render SVG image None" and carried on)."""
    from weasyprint.svg import SVG

    def fail(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(SVG, "draw", fail)


class ChartFailureTests:
    def test_a_chart_that_cannot_be_drawn_fails_the_render_and_nothing_is_stored(
        self, shifted, chart_drawing_fails
    ):
        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        document.refresh_from_db()
        assert document.state == DashboardPdf.State.FAILED and not document.pdf
        assert "took longer than the time a PDF is given" in document.failure
        assert document.failed_at is not None
        assert AuditEvent.objects.filter(action="dashboard.pdf_fail", target_id=str(document.pk)).count() == 1
        # A second run (the sweep, a redelivery) leaves the failure as it is.
        assert services.pdf_render(document.pk) is False

    def test_a_chart_that_will_not_load_fails_the_render_too(self, shifted, monkeypatch):
        real = selectors.measure_chart

        def broken(*args, **kwargs):
            chart = real(*args, **kwargs)
            if chart.svg:
                chart.svg = "<svg xmlns='http://www.w3.org/2000/svg'><g>"  # not even XML
            return chart

        monkeypatch.setattr(selectors, "measure_chart", broken)
        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        document.refresh_from_db()
        assert document.state == DashboardPdf.State.FAILED
        assert document.failure.startswith("A chart could not be drawn")

    def test_a_pdf_whose_renders_never_finished_is_given_up_not_queued_for_ever(self, shifted, login):
        document = ask(shifted)
        # Three workers started it and were killed (the hard time limit) before recording anything.
        DashboardPdf.objects.filter(pk=document.pk).update(attempts=services.PDF_ATTEMPTS)
        assert services.pdf_render(document.pk) is False
        document.refresh_from_db()
        assert document.state == DashboardPdf.State.FAILED and not document.pdf
        assert document.failure == "It was started 3 times and never finished."
        services.pdf_retry(document=document, by=shifted.manager_mh)
        assert DashboardPdf.objects.get(pk=document.pk).attempts == 0
        assert services.pdf_render(document.pk) is True

    def test_the_task_fails_too(self, shifted, chart_drawing_fails):
        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            tasks.dashboard_pdf_render.run(str(document.pk))
        assert DashboardPdf.objects.get(pk=document.pk).state == DashboardPdf.State.FAILED

    def test_the_page_says_it_failed_and_offers_to_try_again(
        self, shifted, login, chart_drawing_fails, django_assert_num_queries
    ):
        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        client = login(shifted.manager_mh)
        with django_assert_num_queries(PDF_PAGE):
            page = client.get(reverse("dashboards:pdf", args=[document.pk])).content.decode()
        assert "Your PDF could not be made" in page
        assert "It took longer than the time a PDF is given" in page
        assert reverse("dashboards:pdf_retry", args=[document.pk]) in page and "Try again" in page
        assert "Download the PDF" not in page
        services.pdf_retry(document=document, by=shifted.manager_mh)
        with django_assert_num_queries(PDF_PAGE):
            page = client.get(reverse("dashboards:pdf", args=[document.pk])).content.decode()
        assert "Your PDF is being prepared" in page
        file_url = reverse("dashboards:pdf_file", args=[document.pk])
        assert client.get(file_url)["Location"] == reverse("dashboards:pdf", args=[document.pk])

    def test_the_sweep_leaves_a_failed_pdf_for_its_manager_to_try_again(
        self, shifted, chart_drawing_fails, queued_pdfs
    ):
        import datetime as dt

        from django.utils import timezone

        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        long_ago = timezone.now() - dt.timedelta(minutes=10)
        DashboardPdf.objects.filter(pk=document.pk).update(created_at=long_ago, updated_at=long_ago)
        queued_pdfs.clear()
        assert services.pdfs_sweep() == {"queued": 0, "deleted": 0}


class RetryTests:
    def test_trying_again_renders_the_pdf_with_every_measure_and_its_chart(
        self, shifted, login, queued_pdfs, monkeypatch, django_capture_on_commit_callbacks
    ):
        from weasyprint.svg import SVG

        real_draw = SVG.draw
        monkeypatch.setattr(SVG, "draw", lambda *a, **k: (_ for _ in ()).throw(SoftTimeLimitExceeded()))
        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        monkeypatch.setattr(SVG, "draw", real_draw)  # whatever failed has passed

        client = login(shifted.manager_mh)
        queued_pdfs.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("dashboards:pdf_retry", args=[document.pk]))
        assert response["Location"] == reverse("dashboards:pdf", args=[document.pk])
        assert queued_pdfs == [document.pk]
        document.refresh_from_db()
        assert document.state == DashboardPdf.State.PENDING and document.failure == ""
        retried = AuditEvent.objects.get(action="dashboard.pdf_retry")
        assert retried.actor == shifted.manager_mh and retried.target_id == str(document.pk)
        assert "Your PDF is being prepared" in client.get(response["Location"]).content.decode()

        assert services.pdf_render(document.pk) is True
        text = pdf_text(document)
        for measure in (SHARE, CASELOAD):  # the measures with data: a chart each
            assert f"{measure.title}, by week" in text
        assert MEETINGS.title in text  # no data: its heading and "No data for this period."
        # Drawn by the charts, not written by the template: the charts are there.
        assert text.count("Upper limit") >= 1 and text.count("Median") >= 1
        # One key for every chart, drawn once at the start, not a legend under each chart.
        assert text.count("Near the limits") == 1 and text.count("Special cause: concern") == 1
        assert "[improvement: outside the limits, shift]" in text  # the weeks' figures name it
        assert not re.search(r"\b(Sam|Testwell)\b", text)
        assert "Your PDF is ready" in client.get(response["Location"]).content.decode()

    def test_a_pdf_that_has_not_failed_is_not_tried_again(self, shifted, login, queued_pdfs):
        document = ask(shifted)
        queued_pdfs.clear()
        response = login(shifted.manager_mh).post(reverse("dashboards:pdf_retry", args=[document.pk]))
        assert response.status_code == 302
        assert queued_pdfs == [] and not AuditEvent.objects.filter(action="dashboard.pdf_retry").exists()
        assert DashboardPdf.objects.get(pk=document.pk).state == DashboardPdf.State.PENDING

    def test_only_the_manager_who_asked_may_try_again(self, shifted, login, chart_drawing_fails):
        from tests.factories import staff

        document = ask(shifted)
        with pytest.raises(pdf.ChartRenderError):
            services.pdf_render(document.pk)
        other = staff("manager.mh.two", shifted.cmht_north, "team_manager")
        url = reverse("dashboards:pdf_retry", args=[document.pk])
        # A dashboard (and its PDF) is a 404 to everyone who does not manage it, whatever their role.
        for user in (other, shifted.manager_sm, shifted.keyworker_mh):
            assert login(user).post(url).status_code == 404
        assert login(shifted.manager_mh).get(url).status_code == 405
        assert DashboardPdf.objects.get(pk=document.pk).state == DashboardPdf.State.FAILED
