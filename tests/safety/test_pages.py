"""The risk history, flag pages, and flags on the record and the pharmacy's collections (issue 19):
who opens them, what they show, bad input as field errors, pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from dualcare.audit.models import AuditEvent
from dualcare.safety import services
from dualcare.safety.models import Domain, Level, RemovalRequest, SafetyFlag
from tests.contacts.helpers import collection, schedule

pytestmark = pytest.mark.django_db


def risk_url(world):
    return reverse("safety:risk", kwargs={"pk": world.service_user.pk})


class RiskPageTests:
    def test_it_shows_each_domain_across_organisations_with_a_change_marked(
        self, world, login, assess, share_risk
    ):
        share_risk(world.mh, by=world.keyworker_sm)
        assess(on=world.today - dt.timedelta(days=40), levels={Domain.OVERDOSE: Level.MEDIUM})
        assess(by=world.keyworker_sm, levels={Domain.OVERDOSE: Level.HIGH})
        response = login(world.keyworker_mh).get(risk_url(world))
        assert response.status_code == 200
        html = response.content.decode()
        assert world.sm.name in html and world.mh.name in html
        assert html.count('nhsuk-u-margin-top-1">Changed</strong>') == 1 and html.count("from Medium") == 1
        assert AuditEvent.objects.filter(action="safety.risk.view", actor=world.keyworker_mh).exists()

    def test_it_is_a_404_for_those_who_may_not_open_it(self, world, login, assess):
        assess()
        for user in (
            world.pharmacist,
            world.outsider,
            world.carer,
            world.service_user_login,
            world.orgadmin_mh,
        ):
            assert login(user).get(risk_url(world)).status_code == 404, user.username
        assert AuditEvent.objects.filter(action="safety.risk.view", outcome="denied").count() >= 3

    def test_another_organisation_without_consent_sees_none_of_it(self, world, login, assess):
        assess()
        html = login(world.keyworker_sm).get(risk_url(world)).content.decode()
        assert "Evidence for overdose" not in html
        assert "There is no risk assessment you may see yet." in html

    def test_a_bad_filter_is_a_field_error(self, world, login):
        response = login(world.keyworker_mh).get(risk_url(world), {"domain": "nonsense"})
        assert response.status_code == 400
        assert "Choose an area of risk from the list." in response.content.decode()

    def test_the_page_costs_the_same_whatever_the_history(
        self, world, login, assess, django_assert_num_queries
    ):
        client = login(world.keyworker_mh)
        assess()
        client.get(risk_url(world))
        # Counted once, then held with a longer history spread over more than one page.
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            assert client.get(risk_url(world)).status_code == 200
        for days in range(1, 14):
            assess(on=world.today - dt.timedelta(days=days * 10))
        with django_assert_num_queries(len(first.captured_queries)):
            response = client.get(risk_url(world), {"page": "2"})
        assert response.context["page"].paginator.count == 28

    def test_recording_an_assessment_through_the_form(self, world, login):
        client = login(world.keyworker_mh)
        url = reverse("safety:risk_new", kwargs={"pk": world.service_user.pk})
        assert client.get(url).status_code == 200
        day = world.today
        data = {
            "assessed_on_day": day.day,
            "assessed_on_month": day.month,
            "assessed_on_year": day.year,
            "overdose_level": "high",
            "overdose_evidence": "",
        }
        refused = client.post(url, data)
        assert refused.status_code == 400
        assert (
            "Enter the evidence for the level of overdose and drug-related death." in refused.content.decode()
        )
        data["overdose_evidence"] = "Released from prison"
        assert client.post(url, data).status_code == 302
        assert client.get(risk_url(world)).content.decode().count("Released from prison") == 1

    def test_the_form_needs_one_domain(self, world, login):
        url = reverse("safety:risk_new", kwargs={"pk": world.service_user.pk})
        day = world.today
        response = login(world.keyworker_mh).post(
            url, {"assessed_on_day": day.day, "assessed_on_month": day.month, "assessed_on_year": day.year}
        )
        assert response.status_code == 400
        assert "Choose a level for at least one area of risk." in response.content.decode()


class FlagPagesTests:
    def test_the_record_shows_active_flags_at_the_top(self, world, login, raise_flag):
        raise_flag()
        html = (
            login(world.keyworker_mh)
            .get(reverse("service_user_detail", args=[world.service_user.pk]))
            .content
        )
        assert "Overdose risk: recent release from prison" in html.decode()
        # The drug and alcohol service has no risk consent: no flag on its view of the record.
        html = (
            login(world.keyworker_sm)
            .get(reverse("service_user_detail", args=[world.service_user.pk]))
            .content
        )
        assert "recent release from prison" not in html.decode()

    def test_the_pharmacy_sees_a_shared_flag_on_todays_collections_and_its_people(
        self, world, login, raise_flag, share_risk
    ):
        collection(world, schedule(world), world.today)
        raise_flag()
        client = login(world.pharmacist)
        assert (
            "recent release from prison"
            not in client.get(reverse("contacts:pharmacy_today")).content.decode()
        )
        share_risk(world.pharmacy_org)
        assert "recent release from prison" in client.get(reverse("contacts:pharmacy_today")).content.decode()
        assert "recent release from prison" in client.get(reverse("pharmacy_list")).content.decode()

    def test_raising_reviewing_and_removing_with_a_second_person(self, world, login, raise_flag):
        client = login(world.keyworker_mh)
        url = reverse("safety:flag_new", kwargs={"pk": world.service_user.pk})
        review = world.today + dt.timedelta(days=14)
        refused = client.post(url, {"code": "overdose", "warning": "", "reason": "Released"})
        assert refused.status_code == 400 and "Enter the warning." in refused.content.decode()
        response = client.post(
            url,
            {
                "code": "overdose",
                "warning": "Overdose risk",
                "reason": "Released",
                "review_on_day": review.day,
                "review_on_month": review.month,
                "review_on_year": review.year,
            },
        )
        flag = SafetyFlag.objects.get()
        assert response.status_code == 302
        page = reverse("safety:flag", kwargs={"pk": flag.pk})
        assert "Ask to remove the flag" in client.get(page).content.decode()
        client.post(reverse("safety:flag_remove", kwargs={"pk": flag.pk}), {"reason": "Engaging"})
        assert RemovalRequest.objects.get().state == RemovalRequest.State.PENDING
        assert "Save the decision" not in client.get(page).content.decode()  # not the requester
        other = login(world.linkworker_mh)
        assert "Save the decision" in other.get(page).content.decode()
        other.post(reverse("safety:removal_decide", kwargs={"pk": flag.pk}), {"decision": "confirm"})
        assert SafetyFlag.objects.get().status == SafetyFlag.Status.REMOVED

    def test_a_flag_is_a_404_to_those_who_may_not_see_it(self, world, login, raise_flag):
        flag = raise_flag()
        page = reverse("safety:flag", kwargs={"pk": flag.pk})
        for user in (world.keyworker_sm, world.pharmacist, world.outsider):
            assert login(user).get(page).status_code == 404
        assert AuditEvent.objects.filter(action="safety.flag.view", outcome="denied").count() == 3

    def test_the_flags_list_costs_the_same_whatever_its_length(
        self, world, login, raise_flag, django_assert_num_queries
    ):
        client = login(world.keyworker_mh)
        url = reverse("safety:flags", kwargs={"pk": world.service_user.pk})
        raise_flag()
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            client.get(url)
        for _ in range(5):
            services.safety_flag_raise(
                service_user=world.service_user,
                by=world.keyworker_mh,
                code="other",
                warning="Do not visit alone",
                reason="Dog",
                review_on=world.today + dt.timedelta(days=5),
            )
        with django_assert_num_queries(len(first.captured_queries)):
            client.get(url)
