"""Incidents with harm per 1,000 people on the caseload, month by month (issue 19 item 5): the
calendar months' counts over the caseload of each month, suppression of a small caseload, a run
chart then an XmR chart, two queries whatever the rows, and the pack's page and PDF showing it."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dualcare.dashboards import services as dashboard_services
from dualcare.dashboards.models import DashboardPdf
from dualcare.people.models import Involvement
from dualcare.safety.incidents import monthly
from dualcare.safety.incidents import services as incidents
from dualcare.safety.incidents.models import Harm, Kind
from tests.factories import person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture
def caseload(world):
    """North CMHT (where keyworker.mh reports) with 8 people on its caseload since 2024."""
    for n in range(6):
        person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"Case{n}", family_name="Example")
    Involvement.objects.filter(team=world.cmht_north).update(start=dt.date(2024, 1, 1), end=None)
    assert Involvement.objects.filter(team=world.cmht_north).count() == 8
    return world.cmht_north


def report(world, day, harm=Harm.LOW, kind=Kind.INCIDENT):
    return incidents.incident_report(
        by=world.keyworker_mh,
        service_user=world.service_user,
        kind=kind,
        harm=harm,
        title="Script collected twice",
        occurred_on=day,
        what_happened="Collected at two pharmacies.",
    )


def test_the_months_end_with_the_last_complete_one():
    months = monthly.months_ending(TODAY, 3)
    assert months == [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
    assert monthly.months_ending(dt.date(2026, 1, 1), 1) == [dt.date(2025, 12, 1)]


def test_a_month_counts_its_incidents_with_harm_over_its_caseload(world, caseload):
    team = caseload
    open_in_november = 8
    for day in (dt.date(2026, 11, 3), dt.date(2026, 11, 20)):
        report(world, day)
    report(world, dt.date(2026, 11, 21), harm=Harm.NONE)  # no harm: not counted
    report(world, dt.date(2026, 10, 31))  # October's
    rows = {row.month: row for row in monthly.monthly_harm([team.pk], today=TODAY, count=2)}
    november = rows[dt.date(2026, 11, 1)]
    assert november.with_harm == 2 and november.caseload == open_in_november
    assert november.rate == round(1000 * 2 / open_in_november, 2)
    assert rows[dt.date(2026, 10, 1)].with_harm == 1


def test_an_involvement_ending_on_the_first_is_not_on_that_months_caseload(world, caseload):
    team = caseload
    before = {r.month: r.caseload for r in monthly.monthly_harm([team.pk], today=TODAY, count=2)}
    involvement = Involvement.objects.filter(team=team, end__isnull=True).first()
    Involvement.objects.filter(pk=involvement.pk).update(end=dt.date(2026, 11, 1))
    after = {r.month: r.caseload for r in monthly.monthly_harm([team.pk], today=TODAY, count=2)}
    assert after[dt.date(2026, 11, 1)] == before[dt.date(2026, 11, 1)] - 1
    assert after[dt.date(2026, 10, 1)] == before[dt.date(2026, 10, 1)]  # still on it in October
    Involvement.objects.filter(pk=involvement.pk).update(end=dt.date(2026, 11, 2))
    again = {r.month: r.caseload for r in monthly.monthly_harm([team.pk], today=TODAY, count=2)}
    assert again[dt.date(2026, 11, 1)] == before[dt.date(2026, 11, 1)]  # on it for the 1st


def test_a_small_caseload_is_suppressed(world):
    team = world.cmht_north  # Sam and Alex only
    Involvement.objects.filter(team=team).update(start=dt.date(2024, 1, 1), end=None)
    report(world, dt.date(2026, 11, 3))
    row = {r.month: r for r in monthly.monthly_harm([team.pk], today=TODAY, count=1)}[dt.date(2026, 11, 1)]
    assert row.suppressed and row.rate is None
    assert monthly.monthly_harm_chart([team.pk], today=TODAY, count=1).svg == ""


def test_a_run_chart_then_a_control_chart(world, caseload):
    team = caseload
    assert monthly.monthly_harm_chart([team.pk], today=TODAY, count=6).analysis.kind == "run"
    chart = monthly.monthly_harm_chart([team.pk], today=TODAY, count=24)
    assert chart.analysis.kind == "xmr" and "<svg" in str(chart.svg)
    assert "Control chart (XmR) of 24 points" in chart.summary
    assert [row["label"] for row in chart.table][-1] == "November 2026"


def test_two_queries_whatever_the_rows(world, caseload, django_assert_num_queries):
    with django_assert_num_queries(2):
        monthly.monthly_harm([caseload.pk], today=TODAY)
    for month in range(1, 12):
        report(world, dt.date(2026, month, 10))
    with django_assert_num_queries(2):
        rows = monthly.monthly_harm([caseload.pk], today=TODAY)
    assert sum(row.with_harm for row in rows) == 11


def test_the_pack_shows_it_on_the_page_and_in_the_pdf(world, caseload, login):
    report(world, world.today.replace(day=1) - dt.timedelta(days=5))
    client = login(world.manager_mh)
    page = client.get(reverse("dashboards:pack")).content.decode()
    assert 'id="harm-by-month"' in page and "Incidents with harm and the caseload, month by month" in page
    client.post(reverse("dashboards:pack_pdf"))
    document = DashboardPdf.objects.get(kind=DashboardPdf.Kind.PACK)
    assert dashboard_services.pdf_render(document.pk) is True
    body = b"".join(client.get(reverse("dashboards:pdf_file", args=[document.pk])).streaming_content)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())
    assert "month by month" in text and "People on the caseload" in text


def test_the_dashboards_incidents_section_shows_it_for_its_scope(
    world, caseload, login, django_assert_num_queries
):
    report(world, monthly.months_ending(world.today, 1)[0] + dt.timedelta(days=3))
    client = login(world.manager_mh)
    team_url = reverse("dashboards:team", args=[caseload.pk])
    page = client.get(team_url, {"section": "incidents"}).content.decode()
    assert 'id="harm-by-month"' in page and f"{caseload.name}, the last" in page
    other = client.get(team_url, {"section": "referrals"}).content.decode()
    assert 'id="harm-by-month"' not in other  # only under the incidents' charts
    organisation = client.get(
        reverse("dashboards:organisation", args=[world.mh.pk]), {"section": "incidents"}
    )
    assert 'id="harm-by-month"' in organisation.content.decode()
    dashboard_services.weekly_values_refresh()  # the beat has stored the weeks, as in production
    client.get(team_url, {"section": "incidents"})
    with django_assert_num_queries(INCIDENTS_SECTION_QUERIES):
        client.get(team_url, {"section": "incidents"})
    for month in range(1, 12):
        report(world, dt.date(2026, month, 10))
    with django_assert_num_queries(INCIDENTS_SECTION_QUERIES):
        assert client.get(team_url, {"section": "incidents"}).status_code == 200


# A team's dashboard with its weeks stored (as tests/dashboards pin it: the memo's keys, the
# header, the session) and the monthly series' two queries: pinned, whatever the incidents.
INCIDENTS_SECTION_QUERIES = 14
