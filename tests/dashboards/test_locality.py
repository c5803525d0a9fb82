"""The locality view: de-identified aggregates across every participating organisation, small
numbers suppressed (with complementary cells) in the page, the CSV and the PDF."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dualcare import access
from dualcare.dashboards import services
from dualcare.dashboards.models import DashboardPdf

from .conftest import MEETINGS, SHARE

pytestmark = pytest.mark.django_db


@pytest.fixture
def locality_data(world, fake, period_weeks):
    week = period_weeks[-1]
    # Last week: the trust's North CMHT counts 3 people (small), the drug and alcohol service 9,
    # the charity 12. Total 24.
    fake.set(SHARE.key, world.cmht_north, week, 67, 3)
    fake.set(SHARE.key, world.sm_team, week, 77, 9)
    fake.set(SHARE.key, world.charity_team, week, 50, 12)
    # The week before: everyone has 5 or more.
    fake.set(SHARE.key, world.cmht_north, period_weeks[-2], 60, 6)
    fake.set(SHARE.key, world.sm_team, period_weeks[-2], 70, 8)
    # Meetings count no people: never suppressed.
    fake.set(MEETINGS.key, world.cmht_north, week, 1, 1)
    world.last_week = week
    return world


class LocalityAccessTests:
    def test_managers_of_any_participating_organisation_see_it(self, locality_data, login):
        for user in (locality_data.manager_mh, locality_data.manager_sm):
            assert login(user).get(reverse("dashboards:locality")).status_code == 200

    def test_participating_means_a_team_that_works_with_service_users(self, world):
        names = {o.name for o in access.dashboards_participating_organisations()}
        assert world.mh.name in names and world.pharmacy_org.name in names
        world.charity_team.works_with_people = False
        world.charity_team.save(update_fields=["works_with_people"])
        names = {o.name for o in access.dashboards_participating_organisations()}
        assert world.charity.name not in names

    def test_other_staff_are_refused(self, locality_data, login):
        assert login(locality_data.keyworker_mh).get(reverse("dashboards:locality")).status_code == 403
        assert login(locality_data.outsider).get(reverse("dashboards:locality_csv")).status_code == 403


class SuppressionPageTests:
    def test_the_page_hides_small_numbers_and_a_complementary_cell(self, locality_data, login):
        client = login(locality_data.manager_sm)
        page = client.get(reverse("dashboards:locality") + "?section=referrals").content.decode()
        table = page[page.index("Referrals answered in time, by week and organisation") :]
        table = table[: table.index("</table>")]
        last = table[table.rindex("<tr") :]
        # Trust (3 people) hidden; the next smallest, the drug and alcohol service (9), hidden too;
        # the charity (12) and the total (24) shown.
        assert last.count("fewer than 5") == 2
        assert "(of 12)" in last and "(of 24)" in last
        assert "(of 3)" not in last and "(of 9)" not in last
        # A measure of meetings counts no people: shown as it is.
        assert (
            "(of 1)" in client.get(reverse("dashboards:locality") + "?section=link-workers").content.decode()
        )

    def test_the_page_never_names_people_or_links_to_them(self, locality_data, login):
        page = login(locality_data.manager_sm).get(reverse("dashboards:locality")).content.decode()
        for name in ("Sam", "Testwell", "Sampleton", "Mockridge"):
            assert name not in page
        assert "/people/" not in page and "/dashboards/teams/" not in page

    def test_the_csv_suppresses_the_same_cells(self, locality_data, login):
        response = login(locality_data.manager_mh).get(reverse("dashboards:locality_csv"))
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        last = {
            r["organisation"]: r
            for r in rows
            if r["measure_key"] == SHARE.key and r["week_beginning"] == locality_data.last_week.isoformat()
        }
        assert last[locality_data.mh.name]["value"] == "fewer than 5"
        assert last[locality_data.mh.name]["n"] == "fewer than 5"
        assert last[locality_data.sm.name]["n"] == "fewer than 5"
        assert last[locality_data.charity.name]["n"] == "12"
        assert last["All participating organisations"]["n"] == "24"
        assert not any(r["n"] in {"3", "9"} for r in rows if r["measure_key"] == SHARE.key)

    def test_the_csv_cannot_carry_a_formula_in_a_name(self, locality_data, login):
        locality_data.charity.name = "=HYPERLINK(1)"
        locality_data.charity.save(update_fields=["name"])
        response = login(locality_data.manager_mh).get(reverse("dashboards:locality_csv"))
        names = {r["organisation"] for r in csv.DictReader(io.StringIO(response.content.decode()))}
        assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names

    def test_the_pdf_suppresses_the_same_cells(self, locality_data, login):
        client = login(locality_data.manager_mh)
        response = client.post(reverse("dashboards:locality_pdf"))
        document = DashboardPdf.objects.get()
        assert response["Location"] == reverse("dashboards:pdf", args=[document.pk])
        assert services.pdf_render(document.pk)
        download = client.get(reverse("dashboards:pdf_file", args=[document.pk]))
        assert download["Content-Type"] == "application/pdf"
        content = b"".join(download.streaming_content)
        text = " ".join(
            " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()
        )
        assert "Locality dashboard" in text
        assert "fewer than 5" in text
        assert "(of 12)" in text and "(of 24)" in text
        assert "(of 3)" not in text and "(of 9)" not in text
