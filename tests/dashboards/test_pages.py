"""Team and organisation dashboards: who may see them, what they show, forms, CSV and PDF."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dualcare.audit.models import AuditEvent
from dualcare.dashboards import services
from dualcare.dashboards.models import Annotation, Baseline, DashboardPdf
from dualcare.dashboards.selectors import period_for
from tests.factories import staff

from .conftest import CASELOAD, MEETINGS, SHARE

pytestmark = pytest.mark.django_db


def team_url(world, name="team", *args):
    return reverse(f"dashboards:{name}", args=[world.cmht_north.pk, *args])


class AccessTests:
    def test_it_shows_a_manager_the_dashboards_of_their_own_organisation(self, shifted, login):
        client = login(shifted.manager_mh)
        assert client.get(reverse("dashboards:index")).status_code == 200
        assert client.get(team_url(shifted)).status_code == 200
        assert client.get(reverse("dashboards:organisation", args=[shifted.mh.pk])).status_code == 200
        assert client.get(team_url(shifted, "team_measure", SHARE.key)).status_code == 200

    @pytest.mark.parametrize(
        "name,args",
        [
            ("team", ()),
            ("team_csv", ()),
            ("team_measure", (SHARE.key,)),
            ("team_measure_csv", (SHARE.key,)),
        ],
    )
    def test_it_hides_another_organisations_dashboards(self, shifted, login, name, args):
        client = login(shifted.manager_sm)
        assert client.get(team_url(shifted, name, *args)).status_code == 404
        assert client.get(reverse("dashboards:organisation", args=[shifted.mh.pk])).status_code == 404

    def test_it_refuses_staff_who_are_not_managers(self, shifted, login):
        for user in (shifted.keyworker_mh, shifted.linkworker_mh, shifted.orgadmin_mh, shifted.pharmacist):
            client = login(user)
            assert client.get(reverse("dashboards:index")).status_code == 403
            assert client.get(reverse("dashboards:locality")).status_code == 403

    @pytest.mark.parametrize(
        "who", ["manager_sm", "keyworker_sm", "keyworker_mh", "linkworker_mh", "orgadmin_mh", "pharmacist"]
    )
    def test_a_dashboard_one_does_not_manage_is_a_404_for_every_staff_role(self, shifted, login, who):
        client = login(getattr(shifted, who))
        for url in (
            team_url(shifted),
            team_url(shifted, "team_csv"),
            team_url(shifted, "team_measure", SHARE.key),
            reverse("dashboards:organisation", args=[shifted.mh.pk]),
        ):
            assert client.get(url).status_code == 404, url
        assert client.get(reverse("api-dashboard-organisation", args=[shifted.mh.pk])).status_code == 404

    def test_it_knows_nothing_of_dashboards_for_service_users_and_carers(self, shifted, login):
        for user in (shifted.service_user_login, shifted.carer):
            client = login(user)
            assert client.get(reverse("dashboards:index")).status_code == 404
            assert client.get(team_url(shifted)).status_code == 404
            assert client.get(reverse("dashboards:locality")).status_code == 404

    def test_it_sends_someone_not_signed_in_to_sign_in(self, shifted, client):
        response = client.get(team_url(shifted))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_it_is_a_404_for_an_unknown_dashboard_or_measure(self, shifted, login):
        client = login(shifted.manager_mh)
        assert client.get(reverse("dashboards:team", args=[shifted.mh.pk])).status_code == 404
        assert client.get(team_url(shifted, "team_measure", "fake.nothing")).status_code == 404

    def test_a_manager_whose_role_has_ended_is_refused(self, shifted, login):
        role = shifted.manager_mh.staff_roles.get()
        role.end = timezone.localdate()
        role.save(update_fields=["end"])
        assert login(shifted.manager_mh).get(team_url(shifted)).status_code == 404  # manages it no more
        assert login(shifted.manager_mh).get(reverse("dashboards:index")).status_code == 403

    def test_the_header_links_managers_to_their_dashboards(self, shifted, login):
        page = login(shifted.manager_mh).get(reverse("caseload")).content.decode()
        assert reverse("dashboards:index") in page
        page = login(shifted.keyworker_mh).get(reverse("caseload")).content.decode()
        assert reverse("dashboards:index") not in page


class DashboardPageTests:
    def test_it_shows_the_special_cause_in_words_icon_and_chart(self, shifted, login):
        page = login(shifted.manager_mh).get(team_url(shifted)).content.decode()
        assert "North CMHT" in page
        # Grouped by capability, in the order managers read them.
        assert page.index(">Caseload by quadrant</h2>") < page.index(">Referrals</h2>")
        assert "Special cause: improvement" in page
        change = shifted.change_week
        assert f"12 weeks in a row above the average since {change.day} {change:%b %Y}" in page
        assert "<svg" in page and 'role="img"' in page
        # 10 weeks of caseload: a run chart, said so.
        assert "A run chart, while fewer than 15 weeks have data." in page
        page = login(shifted.manager_mh).get(team_url(shifted) + "?section=referrals").content.decode()
        assert "Limits calculated from every week shown." in page
        # The data table alternative is there, with what each value is worked out from.
        assert "Data table, latest 6 weeks" in page and "Worked out from" in page

    def test_it_draws_one_sections_charts_and_says_every_measures_status(self, shifted, login, period_weeks):
        client = login(shifted.manager_mh)
        page = client.get(team_url(shifted)).content.decode()
        # The first section drawn; the referrals' status and summary in words, with a link to their charts.
        caseload = page[page.index('id="measure-fake-caseload"') : page.index(">Referrals</h2>")]
        assert "<svg" in caseload and "Data table" in caseload
        referrals = page[page.index(">Referrals</h2>") :]
        referrals = referrals[: referrals.index("</ul>")]
        assert "Special cause: improvement" in referrals and "12 weeks in a row above" in referrals
        assert 'role="img"' not in referrals and "Data table" not in referrals
        assert f'{team_url(shifted)}?section=referrals#referrals"' in referrals
        page = client.get(team_url(shifted) + "?weeks=13&section=referrals").content.decode()
        share = page[page.index('id="measure-fake-in-time"') :]
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in share[: share.index("</section>")]
        # The table shows the latest 6 weeks; every week is on the measure's page.
        table = share[share.index("<table") : share.index("</table>")]
        assert table.count('scope="row"') == 6
        assert f"{period_weeks[-1].day} {period_weeks[-1]:%b %Y}" in table
        assert f'{team_url(shifted)}?weeks=13&amp;section=caseload-by-quadrant#caseload-by-quadrant"' in page
        measure = client.get(team_url(shifted, "team_measure", SHARE.key)).content.decode()
        assert measure.count('scope="row"') >= 12
        assert f'{team_url(shifted)}?section=referrals#measure-fake-in-time"' in measure

    def test_a_dashboard_worked_out_before_is_worked_out_again_when_anything_it_shows_changes(
        self, shifted, login, fake, period_weeks
    ):
        client = login(shifted.manager_mh)
        url = team_url(shifted) + "?section=referrals"
        first = client.get(url).content.decode()
        assert client.get(url).content.decode().count("Daily huddle") == first.count("Daily huddle") == 0
        services.annotation_add(
            organisation=shifted.mh,
            team=shifted.cmht_north,
            measure_key=SHARE.key,
            date=shifted.change_week,
            text="Daily huddle",
            by=shifted.manager_mh,
        )
        assert "Daily huddle" in client.get(url).content.decode()
        services.baseline_set(
            organisation=shifted.mh,
            team=shifted.cmht_north,
            measure_key=SHARE.key,
            first_week=period_weeks[-32],
            last_week=period_weeks[-13],
            reason="Before the huddle",
            by=shifted.manager_mh,
        )
        assert "reason: Before the huddle" in client.get(url).content.decode()
        # A figure changed in the records, and stored by the beat.
        fake.set(SHARE.key, shifted.cmht_north, period_weeks[-1], 12.5, n=8)
        services.weekly_values_refresh()
        assert "12.50%" in client.get(url).content.decode()  # the latest week in the data table

    def test_an_unknown_section_is_a_404(self, shifted, login):
        client = login(shifted.manager_mh)
        assert client.get(team_url(shifted) + "?section=nonsense").status_code == 404
        assert client.get(team_url(shifted) + "?section=").status_code == 404

    def test_a_measure_with_no_data_says_so(self, shifted, login):
        page = login(shifted.manager_mh).get(team_url(shifted)).content.decode()
        assert MEETINGS.title in page and "No data for this period." in page

    def test_the_organisation_dashboard_adds_up_its_teams(self, shifted, login, fake, period_weeks):
        fake.set(SHARE.key, shifted.cmht_south, period_weeks[-1], 50, 10)
        fake.set(SHARE.key, shifted.sm_team, period_weeks[-1], 10, 10)  # another organisation
        response = login(shifted.manager_mh).get(reverse("dashboards:organisation", args=[shifted.mh.pk]))
        assert response.status_code == 200
        team_ids, *_ = fake.calls[-1]
        assert set(team_ids) == {shifted.cmht_north.pk, shifted.cmht_south.pk, shifted.mh_admin_team.pk}
        url = reverse("dashboards:organisation_csv", args=[shifted.mh.pk])
        rows = list(csv.DictReader(io.StringIO(login(shifted.manager_mh).get(url).content.decode())))
        last = [
            r for r in rows if r["measure_key"] == SHARE.key and r["week_beginning"] == str(period_weeks[-1])
        ]
        assert float(last[0]["value"]) == pytest.approx((91 * 10 + 50 * 10) / 20)
        assert last[0]["n"] == "20"

    def test_it_offers_other_periods_and_says_a_bad_one_is_not_offered(self, shifted, login):
        client = login(shifted.manager_mh)
        page = client.get(team_url(shifted) + "?weeks=13").content.decode()
        assert period_for(13).first.strftime("%-d %B %Y") in page
        assert "Error:" not in page and '<option value="13" selected>' in page
        message = "Choose a period from the list: the last 13, 26, 52 or 104 weeks."
        for bad in ("abc", "7"):
            response = client.get(team_url(shifted) + f"?weeks={bad}")
            page = response.content.decode()
            assert response.status_code == 200
            assert "<title>Error: Dashboard" in page
            assert f'<a href="#period-weeks">{message}</a>' in page and 'id="period-weeks-error"' in page
            assert period_for(52).first.strftime("%-d %B %Y") in page  # the default period is drawn
        page = client.get(reverse("dashboards:locality") + "?weeks=abc").content.decode()
        assert "<title>Error: Locality dashboard" in page and message in page

    def test_a_download_refuses_a_period_that_is_not_offered(self, shifted, login):
        client = login(shifted.manager_mh)
        response = client.get(team_url(shifted, "team_csv") + "?weeks=abc")
        assert response.status_code == 400
        assert (
            response.content.decode()
            == "weeks: Choose a period from the list: the last 13, 26, 52 or 104 weeks."
        )
        assert client.get(reverse("dashboards:locality_csv") + "?weeks=5").status_code == 400
        assert client.post(team_url(shifted, "team_pdf") + "?weeks=abc").status_code == 400
        assert client.get(team_url(shifted, "team_csv") + "?weeks=26").status_code == 200


class AnnotationTests:
    def test_a_manager_marks_a_change_and_it_shows_on_the_chart(self, shifted, login):
        client = login(shifted.manager_mh)
        day = shifted.change_week + dt.timedelta(days=2)
        response = client.post(
            team_url(shifted, "team_annotate"),
            {
                "date_day": day.day,
                "date_month": day.month,
                "date_year": day.year,
                "text": "Daily referral huddle started",
                "measure_key": SHARE.key,
            },
        )
        assert response.status_code == 302
        note = Annotation.objects.get()
        assert (note.team, note.organisation, note.measure_key) == (shifted.cmht_north, shifted.mh, SHARE.key)
        assert AuditEvent.objects.filter(action="dashboard.annotation_add", target_id=str(note.pk)).exists()
        page = client.get(team_url(shifted) + "?section=referrals").content.decode()
        section = page[page.index('id="measure-fake-in-time"') :]
        chart = section[section.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760') :]
        assert "Daily referral huddle started" in chart[: chart.index("</svg>")]
        # Only on the measure it was marked for.
        page = client.get(team_url(shifted)).content.decode()
        caseload = page[page.index('id="measure-fake-caseload"') :]
        assert "Daily referral huddle started" not in caseload[: caseload.index("</section>")]

    def test_it_refuses_a_change_without_words_or_in_the_future(self, shifted, login):
        client = login(shifted.manager_mh)
        future = timezone.localdate() + dt.timedelta(days=3)
        response = client.post(
            team_url(shifted, "team_annotate"),
            {"date_day": future.day, "date_month": future.month, "date_year": future.year, "text": "  "},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "There is a problem" in page and 'href="#note-text"' in page
        assert "Enter what changed" in page
        response = client.post(
            team_url(shifted, "team_annotate"),
            {"date_day": future.day, "date_month": future.month, "date_year": future.year, "text": "x"},
        )
        assert "The date of the change must be today or in the past." in response.content.decode()
        response = client.post(
            team_url(shifted, "team_annotate"),
            {"date_day": "31", "date_month": "2", "date_year": "2026", "text": "x"},
        )
        assert "must be a real date" in response.content.decode()
        assert 'href="#note-date_0"' in response.content.decode()
        assert not Annotation.objects.exists()

    def test_an_organisation_wide_change_shows_on_its_teams(self, shifted, login):
        services.annotation_add(
            organisation=shifted.mh,
            date=shifted.change_week,
            text="New triage for the trust",
            by=shifted.manager_mh,
        )
        services.annotation_add(
            organisation=shifted.mh,
            team=shifted.cmht_south,
            date=shifted.change_week,
            text="South only",
            by=shifted.manager_mh,
        )
        page = login(shifted.manager_mh).get(team_url(shifted)).content.decode()
        assert "New triage for the trust" in page and "South only" not in page

    def test_a_manager_cannot_annotate_another_organisation(self, shifted, login):
        response = login(shifted.manager_sm).post(
            team_url(shifted, "team_annotate"),
            {"date_day": 1, "date_month": 6, "date_year": 2026, "text": "x"},
        )
        assert response.status_code == 404 and not Annotation.objects.exists()


class BaselineTests:
    def test_a_manager_recalculates_the_limits_and_it_is_recorded_and_shown(
        self, shifted, login, period_weeks
    ):
        client = login(shifted.manager_mh)
        first, last = period_weeks[-32], period_weeks[-13]
        response = client.post(
            team_url(shifted, "team_baseline", SHARE.key),
            {"first_week": first.isoformat(), "last_week": last.isoformat(), "reason": "Before the huddle"},
        )
        assert response.status_code == 302
        baseline = Baseline.objects.get()
        assert (baseline.first_week, baseline.last_week) == (first, last)
        page = client.get(team_url(shifted, "team_measure", SHARE.key)).content.decode()
        ends = last + dt.timedelta(days=6)
        assert (
            f"Limits calculated from {first.day} {first:%b %Y} to {ends.day} {ends:%b %Y}, set by "
            f"{shifted.manager_mh.display_name}"
        ) in page
        assert "reason: Before the huddle" in page
        # With limits from the 20 weeks before, the last week is far above the upper limit.
        last_week = period_weeks[-1]
        assert f"the week of {last_week.day} {last_week:%b %Y} is above the upper limit" in page

        response = client.post(team_url(shifted, "team_baseline_reset", SHARE.key), {"reason": ""})
        assert response.status_code == 302
        assert Baseline.objects.count() == 2
        page = client.get(team_url(shifted, "team_measure", SHARE.key)).content.decode()
        assert "Limits calculated from every week shown, set by" in page and "Reset to all points" in page

    def test_it_refuses_a_baseline_out_of_order_or_without_a_reason(self, shifted, login, period_weeks):
        client = login(shifted.manager_mh)
        response = client.post(
            team_url(shifted, "team_baseline", SHARE.key),
            {
                "first_week": period_weeks[-5].isoformat(),
                "last_week": period_weeks[-9].isoformat(),
                "reason": "x",
            },
        )
        assert response.status_code == 400
        assert "The last week must be after the first week" in response.content.decode()
        response = client.post(
            team_url(shifted, "team_baseline", SHARE.key),
            {"first_week": period_weeks[-20].isoformat(), "last_week": period_weeks[-9].isoformat()},
        )
        assert "Enter why the limits are recalculated." in response.content.decode()
        response = client.post(
            team_url(shifted, "team_baseline", SHARE.key),
            {"first_week": "2001-01-01", "last_week": period_weeks[-9].isoformat(), "reason": "x"},
        )
        assert "Choose a week from the list." in response.content.decode()
        assert not Baseline.objects.exists()


class DownloadTests:
    def test_the_csv_has_every_week_with_its_limits_and_special_causes(self, shifted, login, period_weeks):
        response = login(shifted.manager_mh).get(team_url(shifted, "team_csv"))
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        share = [r for r in rows if r["measure_key"] == SHARE.key]
        assert len(share) == 32
        assert {r["chart"] for r in share} == {"xmr"}
        last = share[-1]
        assert last["week_beginning"] == period_weeks[-1].isoformat()
        assert last["special_cause"] == "yes" and last["variation"] == "improvement"
        assert "Shift" in last["rules"]
        assert (
            float(last["lower_process_limit"])
            < float(last["centre_line"])
            < float(last["upper_process_limit"])
        )
        caseload = [r for r in rows if r["measure_key"] == CASELOAD.key]
        assert len(caseload) == 10 and {r["chart"] for r in caseload} == {"run"}
        assert caseload[0]["upper_process_limit"] == ""

    def test_each_measure_has_its_own_csv(self, shifted, login):
        response = login(shifted.manager_mh).get(team_url(shifted, "team_measure_csv", CASELOAD.key))
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert {r["measure_key"] for r in rows} == {CASELOAD.key} and len(rows) == 10

    def test_the_pdf_is_rendered_by_a_worker_with_the_charts_tables_and_changes(
        self, shifted, login, queued_pdfs, django_capture_on_commit_callbacks
    ):
        services.annotation_add(
            organisation=shifted.mh,
            team=shifted.cmht_north,
            measure_key=SHARE.key,
            date=shifted.change_week,
            text="Daily referral huddle started",
            by=shifted.manager_mh,
        )
        client = login(shifted.manager_mh)
        assert client.get(team_url(shifted, "team_pdf")).status_code == 405
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(team_url(shifted, "team_pdf") + "?weeks=26")
        document = DashboardPdf.objects.get()
        assert response["Location"] == reverse("dashboards:pdf", args=[document.pk])
        assert queued_pdfs == [document.pk]
        assert (document.weeks, document.first_week) == (26, period_for(26).first)
        page = client.get(response["Location"]).content.decode()
        assert "Your PDF is being prepared" in page and "Check again" in page
        file_url = reverse("dashboards:pdf_file", args=[document.pk])
        assert client.get(file_url)["Location"] == response["Location"]

        assert services.pdf_render(document.pk) is True
        assert services.pdf_render(document.pk) is False  # a second run stores nothing more
        page = client.get(response["Location"]).content.decode()
        assert "Your PDF is ready" in page and file_url in page
        download = client.get(file_url)
        assert download["Content-Type"] == "application/pdf"
        assert "attachment" in download["Content-Disposition"]
        content = b"".join(download.streaming_content)
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        flat = " ".join(text.split())
        assert "Dashboard: North CMHT" in flat
        assert "Special cause: improvement" in flat
        assert "Referrals answered in time, by week" in flat
        assert "Daily referral huddle started" in flat
        # Nobody is named (as words: "Same" or "Sample" may well appear in a summary).
        assert not re.search(r"\b(Sam|Testwell)\b", flat)

    def test_a_pdf_is_only_for_the_manager_who_asked_while_they_may_see_the_dashboard(self, shifted, login):
        document = services.pdf_request(
            kind="team",
            organisation=shifted.mh,
            team=shifted.cmht_north,
            period=period_for(),
            by=shifted.manager_mh,
        )
        services.pdf_render(document.pk)
        other = staff("manager.mh.two", shifted.cmht_north, "team_manager")
        for user in (other, shifted.manager_sm):
            assert login(user).get(reverse("dashboards:pdf", args=[document.pk])).status_code == 404
            assert login(user).get(reverse("dashboards:pdf_file", args=[document.pk])).status_code == 404
        role = shifted.manager_mh.staff_roles.get()
        role.end = timezone.localdate()
        role.save(update_fields=["end"])
        assert (
            login(shifted.manager_mh).get(reverse("dashboards:pdf_file", args=[document.pk])).status_code
            == 404
        )


class PdfSweepTests:
    def test_it_queues_waiting_pdfs_again_and_deletes_day_old_ones(self, shifted, queued_pdfs):
        def ask():
            return services.pdf_request(
                kind="organisation", organisation=shifted.mh, period=period_for(13), by=shifted.manager_mh
            )

        fresh, waiting, old = ask(), ask(), ask()
        services.pdf_render(old.pk)
        now = timezone.now()
        five_minutes_ago = now - dt.timedelta(minutes=5)  # asked for, and untouched, 5 minutes ago
        DashboardPdf.objects.filter(pk=waiting.pk).update(
            created_at=five_minutes_ago, updated_at=five_minutes_ago
        )
        DashboardPdf.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=2))
        name = DashboardPdf.objects.get(pk=old.pk).pdf.name
        assert default_storage.exists(name)
        queued_pdfs.clear()
        assert services.pdfs_sweep() == {"queued": 1, "deleted": 1}
        assert queued_pdfs == [waiting.pk]
        assert not default_storage.exists(name)
        assert set(DashboardPdf.objects.values_list("pk", flat=True)) == {fresh.pk, waiting.pk}
