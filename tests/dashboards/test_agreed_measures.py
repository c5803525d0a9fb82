"""The measures an organisation agrees to be held to at the Shared Care meetings (issue 19 item
4): recorded by its managers (another organisation's page is a 404; other staff a 404 too, as the
dashboard), with clear field errors and nothing half-written, withdrawn as history, and shown in
the meeting pack and its PDF against the target with the locality's suppression."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dualcare.audit.models import AuditEvent
from dualcare.dashboards import pack, services
from dualcare.dashboards.models import AgreedMeasure, DashboardPdf
from dualcare.dashboards.selectors import period_for
from dualcare.exceptions import ApplicationError
from dualcare.safety.incidents import services as incidents
from dualcare.safety.incidents.models import Harm, Kind

pytestmark = pytest.mark.django_db

SERIOUS = "incidents.serious"
HARM_RATE = "incidents.with_harm_per_1000"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def url(world, organisation=None):
    return reverse("dashboards:organisation_agreed", args=[(organisation or world.mh).pk])


def agree(world, key=SERIOUS, target=Decimal("0"), by=None, organisation=None):
    return services.agreed_measure_add(
        organisation=organisation or world.mh,
        measure_key=key,
        target=target,
        agreed_on=world.today - dt.timedelta(days=30),
        note="Shared Care contract 2026 to 2027",
        by=by or world.manager_mh,
    )


def form(world, **overrides):
    day = world.today - dt.timedelta(days=3)
    data = {
        "measure_key": SERIOUS,
        "target": "0",
        "agreed_on_day": str(day.day),
        "agreed_on_month": str(day.month),
        "agreed_on_year": str(day.year),
        "note": "",
    }
    data.update(overrides)
    return data


class AgreedMeasureAccessTests:
    def test_only_the_organisations_managers_open_it(self, world, login):
        assert login(world.manager_mh).get(url(world)).status_code == 200
        assert login(world.manager_sm).get(url(world)).status_code == 404  # another organisation's
        for user in (
            world.keyworker_mh,
            world.pharmacist,
            world.outsider,
            world.service_user_login,
            world.carer,
        ):
            assert login(user).get(url(world)).status_code in (403, 404)

    def test_another_organisations_manager_cannot_agree_or_withdraw(self, world, login):
        agreed = agree(world)
        client = login(world.manager_sm)
        assert client.post(url(world), form(world, measure_key=HARM_RATE)).status_code == 404
        withdraw = reverse("dashboards:organisation_agreed_withdraw", args=[world.mh.pk, agreed.pk])
        assert client.post(withdraw).status_code == 404
        # Nor through their own organisation's page with this organisation's row.
        withdraw = reverse("dashboards:organisation_agreed_withdraw", args=[world.sm.pk, agreed.pk])
        assert client.post(withdraw).status_code == 404
        agreed.refresh_from_db()
        assert agreed.in_force and AgreedMeasure.objects.count() == 1


class AgreedMeasureWriteTests:
    def test_a_manager_agrees_a_measure_and_it_is_audited(self, world, login):
        response = login(world.manager_mh).post(url(world), form(world, target="0", note="Contract 2026"))
        assert response.status_code == 302
        agreed = AgreedMeasure.objects.get()
        assert (agreed.organisation, agreed.measure_key, agreed.target) == (world.mh, SERIOUS, Decimal("0"))
        assert AuditEvent.objects.filter(
            action="dashboard.agreed_measure_add", target_id=str(agreed.pk)
        ).exists()
        page = login(world.manager_mh).get(url(world)).content.decode()
        assert "Serious incidents" in page and "at most 0 incidents" in page

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"measure_key": ""}, "measure_key", "Choose the measure."),
            ({"measure_key": "nope.not_a_measure"}, "measure_key", "Choose a measure from the list."),
            ({"target": "lots"}, "target", "Enter the target as a number, for example 90."),
            ({"target": "1.234"}, "target", "no more than 2 decimal places"),
            ({"agreed_on_year": "2999"}, "agreed_on", ""),
            ({"note": "x" * 201}, "note", "200 characters or fewer"),
        ],
    )
    def test_bad_input_is_a_field_error_and_writes_nothing(self, world, login, overrides, field, message):
        response = login(world.manager_mh).post(url(world), form(world, **overrides))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field])
        assert AgreedMeasure.objects.count() == 0

    def test_a_percentage_target_must_be_a_percentage(self, world):
        key = next(k for k, d in services.measures.definitions().items() if d.is_proportion)
        with pytest.raises(ApplicationError) as refused:
            agree(world, key=key, target=Decimal("101"))
        assert refused.value.field == "target" and "0% to 100%" in refused.value.message
        assert agree(world, key=key, target=Decimal("90")).target == Decimal("90")

    def test_agreeing_the_same_measure_twice_is_refused_until_withdrawn(self, world, login):
        agreed = agree(world)
        response = login(world.manager_mh).post(url(world), form(world))
        assert response.status_code == 400
        assert "already agreed" in " ".join(response.context["form"].errors["measure_key"])
        withdraw = reverse("dashboards:organisation_agreed_withdraw", args=[world.mh.pk, agreed.pk])
        assert login(world.manager_mh).post(withdraw).status_code == 302
        agreed.refresh_from_db()
        assert not agreed.in_force and agreed.withdrawn_by == world.manager_mh
        assert login(world.manager_mh).post(url(world), form(world)).status_code == 302
        assert AgreedMeasure.objects.filter(withdrawn_at__isnull=True).count() == 1
        assert AgreedMeasure.objects.count() == 2  # the withdrawn one stays, as history
        with pytest.raises(ApplicationError):
            services.agreed_measure_withdraw(agreed=agreed, by=world.manager_mh)

    def test_the_page_pins_its_query_count(self, world, login, django_assert_num_queries):
        client = login(world.manager_mh)
        client.get(url(world))
        with django_assert_num_queries(AGREED_PAGE_QUERIES - 1):  # no withdrawn page to read
            client.get(url(world))
        services.agreed_measure_withdraw(agreed=agree(world, key=SERIOUS), by=world.manager_mh)
        agree(world, key=SERIOUS)
        with django_assert_num_queries(AGREED_PAGE_QUERIES):
            assert client.get(url(world)).status_code == 200
        for key in (SERIOUS, HARM_RATE):
            services.agreed_measure_withdraw(
                agreed=AgreedMeasure.objects.filter(measure_key=key, withdrawn_at__isnull=True).first()
                or agree(world, key=key),
                by=world.manager_mh,
            )
            agree(world, key=key)
        with django_assert_num_queries(AGREED_PAGE_QUERIES):
            assert client.get(url(world)).status_code == 200


def report(world, *, days, harm=Harm.MODERATE):
    return incidents.incident_report(
        by=world.keyworker_mh,
        service_user=world.service_user,
        kind=Kind.INCIDENT,
        harm=harm,
        title="Script collected twice",
        occurred_on=world.today - dt.timedelta(days=days),
        what_happened="Collected at two pharmacies.",
    )


class AgreedMeasuresInThePackTests:
    def test_the_pack_holds_each_organisation_to_its_own_measures(self, world):
        agree(world, key=SERIOUS, target=Decimal("0"))
        services.weekly_values_refresh()
        groups = {g.organisation.pk: g for g in pack.pack(period_for(13)).agreed}
        mh_rows = groups[world.mh.pk].rows
        assert [r.definition.key for r in mh_rows] == [SERIOUS]
        assert groups[world.sm.pk].rows == []  # the other organisation agreed nothing
        assert mh_rows[0].target_text == "at most 0 incidents"

    def test_weeks_on_target_count_only_the_weeks_shown(self, world):
        # Serious incidents count events, not people: never suppressed, so every week is shown.
        for days in (8, 15, 22):
            report(world, days=days)
        agree(world, key=SERIOUS, target=Decimal("0"))
        services.weekly_values_refresh()
        row = next(g for g in pack.pack(period_for(13)).agreed if g.organisation.pk == world.mh.pk).rows[0]
        assert row.weeks_shown > 0
        with_one = sum(1 for week in _weeks(world, SERIOUS) if week)
        assert with_one == 3
        assert row.weeks_met == row.weeks_shown - 3

    def test_a_withdrawn_measure_leaves_the_pack(self, world):
        agreed = agree(world)
        services.agreed_measure_withdraw(agreed=agreed, by=world.manager_mh)
        groups = {g.organisation.pk: g for g in pack.pack(period_for(13)).agreed}
        assert groups[world.mh.pk].rows == []

    def test_the_page_and_the_pdf_show_them(self, world, login):
        agree(world, key=SERIOUS, target=Decimal("0"))
        client = login(world.manager_mh)
        page = client.get(reverse("dashboards:pack")).content.decode()
        assert 'id="agreed"' in page and "at most 0 incidents" in page
        assert f"{world.sm.name} has not recorded its agreed measures" in page
        client.post(reverse("dashboards:pack_pdf"))
        document = DashboardPdf.objects.get(kind=DashboardPdf.Kind.PACK)
        assert services.pdf_render(document.pk) is True
        body = b"".join(client.get(reverse("dashboards:pdf_file", args=[document.pk])).streaming_content)
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())
        assert "Agreed measures" in text and "at most 0 incidents" in text


def _weeks(world, key):
    """The organisation's figure for each week of the pack's period, from the locality."""
    the_pack = pack.pack(period_for(13))
    index = [o.pk for o in the_pack.locality.organisations].index(world.mh.pk)
    measure = next(m for m in the_pack.locality.measures if m.definition.key == key)
    return [week.cells[index].value for week in measure.weeks if week.cells[index] is not None]


# The page: session and user, the organisations managed, the organisation, the measures in force,
# the withdrawn ones' count and page (no page when none), the header, the session's save: whatever
# the number of rows.
AGREED_PAGE_QUERIES = 12
