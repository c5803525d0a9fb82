"""A referral arriving as a FHIR ServiceRequest (issue 21, item 2): posted with the sending staff
member's token, it becomes a sent referral through the referrals services; a bad resource is an
OperationOutcome naming the element at fault, and nothing is written."""

import pytest

from dualcare.audit.models import AuditEvent
from referrals.fhir import CONSENT_EXTENSION, TEAM_SYSTEM
from referrals.models import Referral
from tests.fhir.helpers import valid
from tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


def _request(w, **changes) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "urgent",
        "subject": {"reference": f"Patient/{w.sm_only.pk}"},
        "performer": [{"identifier": {"system": TEAM_SYSTEM, "value": str(w.cmht_north.pk)}}],
        "reasonCode": [{"text": "Low mood and not sleeping since losing housing."}],
        "note": [{"text": "Someone to talk to about my mood."}],
        "extension": [{"url": CONSENT_EXTENSION, "valueBoolean": True}],
    }
    resource.update(changes)
    return {key: value for key, value in resource.items() if value is not None}


def _post(api, resource, *, status: int) -> dict:
    response = api.post("/fhir/ServiceRequest", resource, format="json")
    assert response.status_code == status, response.content[:600]
    return valid(response.json())


class InboundServiceRequestTests:
    def test_it_sends_a_referral_from_the_senders_team(self, api, w):
        response = api.post(
            "/api/v1/auth/token/", {"username": "keyworker.sm", "password": w.password}, format="json"
        )
        api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        created = _post(api, _request(w), status=201)
        referral = Referral.objects.get()
        assert (referral.state, referral.from_team, referral.to_team) == ("sent", w.sm_team, w.cmht_north)
        assert (referral.urgency, referral.person_wants) == ("urgent", "Someone to talk to about my mood.")
        assert referral.consent_confirmed and referral.acknowledge_due_at is not None
        assert created["id"] == str(referral.pk) and created["status"] == "active"
        assert AuditEvent.objects.filter(actor=w.keyworker_sm, service_user=w.sm_only).exists()
        # The receiving team reads it as it reads any referral sent to it.
        api.credentials()
        api.force_authenticate(w.keyworker_mh)
        assert api.get(f"/fhir/ServiceRequest/{referral.pk}").status_code == 200

    @pytest.mark.parametrize(
        ("changes", "element", "status"),
        [
            ({"status": "bogus"}, "ServiceRequest.status", 400),  # not R4: fhir.resources says so
            ({"intent": None}, "ServiceRequest.intent", 400),
            ({"status": "draft"}, "ServiceRequest.status", 400),
            ({"subject": {"reference": "Patient/not-an-id"}}, "ServiceRequest.subject", 400),
            ({"performer": None}, "ServiceRequest.performer", 400),
            ({"performer": [{"reference": "Organization/x"}]}, "ServiceRequest.performer", 400),
            ({"priority": None}, "ServiceRequest.priority", 400),
            ({"reasonCode": None}, "ServiceRequest.reasonCode", 400),
            ({"extension": None}, "ServiceRequest.extension", 400),
            ({"resourceType": "Patient"}, "resourceType", 400),
        ],
    )
    def test_a_bad_resource_is_an_operation_outcome_and_writes_nothing(
        self, api, w, changes, element, status
    ):
        api.force_authenticate(w.keyworker_sm)
        outcome = _post(api, _request(w, **changes), status=status)
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["expression"] == [element], outcome
        assert not Referral.objects.exists()

    def test_a_person_the_sender_does_not_work_with_is_refused_like_one_that_does_not_exist(self, api, w):
        api.force_authenticate(w.keyworker_sm)
        hidden = _post(api, _request(w, subject={"reference": f"Patient/{w.mh_only.pk}"}), status=400)
        assert hidden["issue"][0]["expression"] == ["ServiceRequest.subject"]
        missing = _post(api, _request(w, subject={"reference": f"Patient/{w.cmht_north.pk}"}), status=400)
        assert hidden == missing and not Referral.objects.exists()

    def test_a_second_open_referral_to_the_same_team_is_refused_at_its_performer(self, api, w):
        api.force_authenticate(w.keyworker_sm)
        _post(api, _request(w), status=201)
        outcome = _post(api, _request(w), status=400)
        assert outcome["issue"][0]["expression"] == ["ServiceRequest.performer"]
        assert "already" in outcome["issue"][0]["diagnostics"]
        assert Referral.objects.count() == 1

    def test_the_body_must_be_json(self, api, w):
        api.force_authenticate(w.keyworker_sm)
        response = api.post("/fhir/ServiceRequest", "{not json", content_type="application/fhir+json")
        assert response.status_code == 400 and response.json()["issue"][0]["code"] == "structure"
        assert api.post("/fhir/Patient", {"resourceType": "Patient"}, format="json").status_code == 405
