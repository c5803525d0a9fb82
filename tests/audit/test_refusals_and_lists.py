"""Refusals and lists in the audit log (issue 12, item 3): the details the sweep does not pin."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dualcare.audit.models import AuditEvent

DENIED = AuditEvent.Outcome.DENIED


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


class RefusalTests:
    def test_it_names_the_person_when_staff_open_a_carers_page_about_them(self, world, client):
        client.force_login(world.keyworker_mh)
        response = client.get(reverse("careplans:carer", args=[world.service_user.pk]))
        assert response.status_code == 404
        row = AuditEvent.objects.get(actor=world.keyworker_mh, outcome=DENIED)
        assert row.service_user == world.service_user and row.action == "page.refused"
        assert row.detail == {"route": "careplans:carer", "status": 404}
        assert row.organisation == world.mh

    def test_it_writes_a_row_naming_nobody_for_a_staff_page_a_service_user_opens(self, world, client):
        client.force_login(world.service_user_login)
        assert client.get(reverse("caseload")).status_code == 404
        row = AuditEvent.objects.get(actor=world.service_user_login, outcome=DENIED)
        assert row.service_user is None and row.detail["route"] == "caseload"

    def test_it_names_the_person_when_a_pharmacist_opens_their_appointment_form(self, world, client):
        client.force_login(world.pharmacist)
        url = reverse("contacts:appointment_create", args=[world.service_user.pk])
        assert client.get(url).status_code in (403, 404)
        row = AuditEvent.objects.get(actor=world.pharmacist, outcome=DENIED)
        assert row.service_user == world.service_user and row.organisation == world.pharmacy_org

    def test_it_audits_an_api_permission_refusal(self, world):
        api = APIClient()
        api.force_authenticate(world.carer)
        assert api.get("/api/v1/referrals/").status_code == 403
        row = AuditEvent.objects.get(actor=world.carer, outcome=DENIED)
        assert row.action == "api.refused" and row.detail == {"route": "referral-list", "status": 403}

    def test_it_does_not_write_twice_a_refusal_the_lookup_audited(self, world, client):
        client.force_login(world.outsider)
        assert client.get(reverse("service_user_detail", args=[world.mh_only.pk])).status_code == 404
        rows = AuditEvent.objects.filter(actor=world.outsider, outcome=DENIED)
        assert [(row.action, row.service_user_id) for row in rows] == [
            ("service_user.view", world.mh_only.pk)
        ]

    def test_it_writes_nothing_for_an_allowed_page_or_a_signed_out_visitor(self, world, client):
        assert client.get(reverse("caseload")).status_code == 302  # to sign in
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("referrals:inbox")).status_code == 200
        assert not AuditEvent.objects.filter(outcome=DENIED).exists()


class ListTests:
    def test_the_pharmacy_list_writes_a_row_per_person_not_one_naming_nobody(self, world, client):
        client.force_login(world.pharmacist)
        response = client.get(reverse("pharmacy_list"))
        assert response.status_code == 200 and world.service_user.family_name in response.text
        rows = list(AuditEvent.objects.filter(actor=world.pharmacist))
        assert [(row.action, row.service_user_id) for row in rows] == [
            ("pharmacy.list", world.service_user.pk)
        ]
        assert rows[0].organisation == world.pharmacy_org and rows[0].target_type == "people.serviceuser"

    def test_the_api_people_list_writes_one_row_per_person_on_the_page(self, world):
        api = APIClient()
        api.force_authenticate(world.keyworker_mh)
        body = api.get("/api/v1/service-users/").json()
        shown = {row["id"] for row in body["results"]}
        audited = AuditEvent.objects.filter(actor=world.keyworker_mh, action="service_user.list")
        assert {str(pk) for pk in audited.values_list("service_user_id", flat=True)} == shown
        assert len(shown) == 2  # Sam and Alex, of the North CMHT

    def test_a_care_plan_list_filtered_to_someone_hidden_is_a_denied_attempt(self, world):
        api = APIClient()
        api.force_authenticate(world.keyworker_mh)
        body = api.get("/api/v1/care-plans/", {"service_user": str(world.sm_only.pk)}).json()
        assert body["results"] == []
        row = AuditEvent.objects.get(actor=world.keyworker_mh, action="careplan.list")
        assert row.outcome == DENIED and row.service_user == world.sm_only
