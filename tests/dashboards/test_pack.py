"""The Shared Care meeting pack (issue 19 items 4 and 9): for managers of participating
organisations; incidents by organisation and level of harm with the locality's small-number
suppression; lessons and open actions without names; a constant number of queries; and the PDF,
read back."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dualcare.dashboards import pack, services
from dualcare.dashboards.models import DashboardPdf
from dualcare.dashboards.selectors import SUPPRESSED, period_for
from dualcare.safety.incidents import services as incidents
from dualcare.safety.incidents.models import Harm, Kind

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:pack")


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def report(
    world, *, by=None, person=None, kind=Kind.INCIDENT, harm=Harm.LOW, title="Script collected twice", days=10
):
    by = by or world.keyworker_mh
    return incidents.incident_report(
        by=by,
        service_user=person if person is not None else world.service_user,
        kind=kind,
        harm=harm,
        title=title,
        occurred_on=world.today - dt.timedelta(days=days),  # in the period: weeks that have ended
        what_happened="Collected at two pharmacies.",
    )


def row(the_pack, label):
    return next(r for r in the_pack.incident_rows if r.label == label)


class PackAccessTests:
    def test_managers_open_it_and_others_are_refused(self, world, login):
        assert login(world.manager_mh).get(URL).status_code == 200
        for user in (world.keyworker_mh, world.pharmacist, world.outsider):
            assert login(user).get(URL).status_code == 403
        for user in (world.service_user_login, world.carer):
            assert login(user).get(URL).status_code in (403, 404)


class PackSuppressionTests:
    def test_small_counts_are_hidden_with_a_complementary_cell(self, world):
        for days in (10, 11):
            report(world, days=days)  # two low-harm incidents at the trust
        for _ in range(6):
            report(world, by=world.keyworker_sm, person=world.sm_only, days=12)
        low = row(pack.pack(period_for(13)), "Incidents: low harm")
        by_org = dict(zip([o.name for o in pack.pack(period_for(13)).organisations], low.cells, strict=True))
        assert by_org[world.mh.name].suppressed  # 2: fewer than 5
        assert by_org[world.sm.name].suppressed  # complementary: else 8 - 6 gives the trust's 2
        assert low.total.value == 8 and not low.total.suppressed

    def test_five_or_more_are_shown(self, world):
        for days in range(5):
            report(world, days=days + 10)
        low = row(pack.pack(period_for(13)), "Incidents: low harm")
        names = [o.name for o in pack.pack(period_for(13)).organisations]
        assert low.cells[names.index(world.mh.name)].value == 5

    def test_the_page_names_nobody_and_says_fewer_than_5(self, world, login):
        incident = report(world, title="Sam Testwell at two pharmacies")
        incidents.incident_action_add(
            incident=incident,
            by=world.keyworker_mh,
            text="Tell every pharmacy of the script",
            owner_organisation=world.mh,
            due_date=world.today,
        )
        incidents.incident_lessons_record(
            incident=incident, by=world.manager_mh, lessons_learned="Share the dispensing pharmacy at once."
        )
        page = login(world.manager_mh).get(URL).content.decode()
        assert SUPPRESSED in page
        assert (
            "Share the dispensing pharmacy at once." in page and "Tell every pharmacy of the script" in page
        )
        assert "Testwell" not in page and "Sam " not in page

    def test_it_pins_the_query_count_whatever_the_incidents(self, world, login, django_assert_num_queries):
        client = login(world.manager_mh)
        report(world)
        services.weekly_values_refresh()  # the beat has stored the weeks, as in production
        client.get(URL)
        with django_assert_num_queries(PACK_QUERIES):
            client.get(URL)
        for days in range(6):
            incident = report(world, days=days + 10)
            incidents.incident_lessons_record(
                incident=incident, by=world.manager_mh, lessons_learned=f"Lesson {days}"
            )
        with django_assert_num_queries(PACK_QUERIES):
            assert client.get(URL).status_code == 200

    def test_a_bad_period_is_a_field_error(self, world, login):
        response = login(world.manager_mh).get(URL, {"weeks": "7"})
        assert response.status_code == 400 and "<title>Error: " in response.content.decode()


class PackPdfTests:
    def test_the_pdf_carries_the_pack(self, world, login):
        incident = report(world)
        incidents.incident_lessons_record(
            incident=incident, by=world.manager_mh, lessons_learned="Share the dispensing pharmacy at once."
        )
        client = login(world.manager_mh)
        response = client.post(reverse("dashboards:pack_pdf"))
        document = DashboardPdf.objects.get(kind=DashboardPdf.Kind.PACK)
        assert response.status_code == 302 and response.url == reverse("dashboards:pdf", args=[document.pk])
        assert services.pdf_render(document.pk) is True  # what the worker does after commit
        download = client.get(reverse("dashboards:pdf_file", args=[document.pk]))
        assert download.status_code == 200
        body = b"".join(download.streaming_content)
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())
        assert "Shared Care meeting pack" in text and "Share the dispensing pharmacy at once." in text
        assert SUPPRESSED in text and "Testwell" not in text
        assert "Incidents with harm per 1,000 people" in text


# The pack: session and user, the organisations managed (locality_only, and may see the locality:
# 2), the participating organisations, the locality's teams, the incidents by organisation, kind and
# harm, the lessons (and their count when a page is full), the open actions, the locality's stored
# weeks and figures (or the measures worked out for missing weeks), the agreed measures, the
# months of incidents with harm and of caseload, the audit row, the header, the session's save.
# The count is pinned, whatever the number of incidents.
PACK_QUERIES = 22
