"""In a real browser, on a phone-sized screen: linkworker.mh (the chair) opens the meeting,
reviews the agenda with a notified case, records attendance and minutes, adds an action and
finalises; keyworker.sm, who sent apologies, receives the notes. axe-core on each page."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from linkworkers import pdf, services
from linkworkers.models import Attendance, Meeting
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

from .conftest import CASE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


class LinkMeetingJourneyTests:
    def test_the_chair_runs_the_meeting_and_the_absent_get_the_notes(self, page, lw):
        services.case_notify(meeting=lw.meeting, service_user=lw.service_user, by=lw.keyworker_mh, **CASE)
        # The meeting is under way now.
        Meeting.objects.filter(pk=lw.meeting.pk).update(
            starts_at=timezone.now() - dt.timedelta(minutes=10),
            ends_at=timezone.now() + dt.timedelta(minutes=80),
        )
        sign_in(page, "linkworker.mh", lw.password)
        page.goto("/link-workers/")
        assert "not the caseholder for every person" in page.inner_text("main")
        assert_accessible(page, "the link-worker register")
        page.goto("/link-workers/meetings/")
        assert_accessible(page, "the link meetings")
        with page.expect_navigation():
            page.get_by_role("link", name="Locality link meeting").first.click()
        main = page.inner_text("main")
        assert "Who should lead the joint assessment?" in main and "Sam Testwell" in main
        assert "Learning and training" in main
        assert_accessible(page, "the meeting with its agenda")

        page.select_option(f"#status-{lw.north_appt.pk}", "present")
        with page.expect_navigation():
            page.get_by_role("button", name=f"Save attendance of {lw.linkworker_mh.display_name}").click()
        page.select_option(f"#status-{lw.sm_appt.pk}", "apologies")
        with page.expect_navigation():
            page.get_by_role("button", name=f"Save attendance of {lw.keyworker_sm.display_name}").click()
        assert Attendance.objects.get(meeting=lw.meeting, user=lw.keyworker_sm).status == "apologies"

        with page.expect_navigation():
            page.get_by_role("link", name="Minutes and decisions for Case discussion (North CMHT)").click()
        assert_accessible(page, "the minutes of a case discussion")
        page.fill("#minutes", "Joint assessment agreed at the CMHT with the drug service present.")
        page.fill("#decisions", "The CMHT leads; the drug service joins the assessment.")
        with page.expect_navigation():
            page.get_by_role("button", name="Save item").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Finalise the minutes and send the notes").click()
        assert "Minutes finalised" in page.inner_text("main")
        assert_accessible(page, "the finalised meeting")

        mail.outbox.clear()
        services.dispatches_sweep(older_than=dt.timedelta(seconds=-5))
        notes = [m for m in mail.outbox if m.subject.startswith("Notes") and m.to == [lw.keyworker_sm.email]]
        assert len(notes) == 1
        assert notes[0].attachments == []  # the notes stay in DualCare: the email links to them
        content = pdf.notes_pdf(Meeting.objects.get(pk=lw.meeting.pk), viewer=lw.keyworker_sm)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        assert "Joint assessment agreed at the CMHT" in text
