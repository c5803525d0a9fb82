"""HoNOS and TOP arriving as FHIR QuestionnaireResponses (issue 21, item 2): posted with the
recording member of staff's token, each is recorded through the outcomes services (their ranges:
HoNOS 0-4 or 9, TOP as CLINICAL.md), or refused with an OperationOutcome naming the item at fault,
and nothing is written."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from outcomes.fhir import CANONICAL, ITEM8_SYSTEM, STAGE_SYSTEM
from outcomes.models import HonosRating, TopForm
from tests.fhir.helpers import valid
from tests.outcomes.helpers import days_ago
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _answers(resource: dict) -> dict:
    return {
        item["linkId"]: next(iter(item["answer"][0].values())) if item.get("answer") else None
        for item in resource["item"]
    }


def _honos(w, **changes) -> dict:
    items = [{"linkId": str(n), "answer": [{"valueInteger": value}]} for n, value in enumerate([1] * 12, 1)]
    items.append(
        {"linkId": "stage", "answer": [{"valueCoding": {"system": STAGE_SYSTEM["honos"], "code": "review"}}]}
    )
    items.append({"linkId": "8-type", "answer": [{"valueCoding": {"system": ITEM8_SYSTEM, "code": "D"}}]})
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": CANONICAL + "honos",
        "status": "completed",
        "subject": {"reference": f"Patient/{w.mh_only.pk}"},
        "authored": days_ago(1).isoformat(),
        "item": items,
    }
    resource.update(changes)
    return resource


def _top(w, **answers) -> dict:
    values = {"stage": {"valueCoding": {"system": STAGE_SYSTEM["top"], "code": "start"}}}
    values.update({"alcohol_days": {"valueInteger": 12}, "alcohol_units_per_day": {"valueDecimal": 8.5}})
    values.update({"eviction_risk": {"valueBoolean": True}, "psychological_health": {"valueInteger": 11}})
    values.update(answers)
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": CANONICAL + "top",
        "status": "completed",
        "subject": {"reference": f"Patient/{w.sm_only.pk}"},
        "authored": days_ago(2).isoformat(),
        "item": [{"linkId": key, "answer": [value]} for key, value in values.items() if value is not None],
    }


def _with_item(resource: dict, link_id: str, answer) -> dict:
    items = [item for item in resource["item"] if item["linkId"] != link_id]
    return {**resource, "item": [*items, {"linkId": link_id, "answer": [answer]}]}


@pytest.fixture
def w(db):
    return build_world()


def _post(api, resource, *, status: int) -> dict:
    response = api.post("/fhir/QuestionnaireResponse", resource, format="json")
    assert response.status_code == status, response.content[:600]
    return valid(response.json())


class InboundTests:
    def test_a_honos_with_the_senders_token_is_recorded_by_their_team(self, api, w):
        response = api.post(
            "/api/v1/auth/token/", {"username": "keyworker.mh", "password": w.password}, format="json"
        )
        api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        created = _post(api, _honos(w), status=201)
        rating = HonosRating.objects.get()
        assert (rating.service_user, rating.team, rating.stage) == (w.mh_only, w.cmht_north, "review")
        assert rating.items == [1] * 12 and rating.item8_type == "D" and rating.rated_on == days_ago(1)
        assert created["id"] == str(rating.pk) and _answers(created)["3"] == 1
        assert AuditEvent.objects.filter(action="outcomes.honos.record", service_user=w.mh_only).count() == 1

    def test_a_top_keeps_not_answered_apart_from_zero(self, api, w):
        api.force_authenticate(w.keyworker_sm)
        _post(api, _top(w, opiates_days={"valueInteger": 0}), status=201)
        form = TopForm.objects.get()
        assert (form.alcohol_days, str(form.alcohol_units_per_day), form.eviction_risk) == (12, "8.50", True)
        assert form.opiates_days == 0 and form.crack_days is None and form.team == w.sm_team

    @pytest.mark.parametrize(
        ("link_id", "answer", "expression"),
        [
            ("5", {"valueInteger": 5}, "QuestionnaireResponse.item.where(linkId='5')"),  # 0-4 or 9
            ("7", {"valueInteger": -1}, "QuestionnaireResponse.item.where(linkId='7')"),
            ("2", {"valueString": "2"}, "QuestionnaireResponse.item.where(linkId='2')"),
            (
                "8-type",
                {"valueCoding": {"system": ITEM8_SYSTEM, "code": "Z"}},
                "QuestionnaireResponse.item.where(linkId='8-type')",
            ),
            (
                "stage",
                {"valueCoding": {"system": "http://x", "code": "review"}},
                "QuestionnaireResponse.item.where(linkId='stage')",
            ),
            ("13", {"valueInteger": 1}, "QuestionnaireResponse.item.where(linkId='13')"),
        ],
    )
    def test_a_bad_honos_item_is_named_and_nothing_is_written(self, api, w, link_id, answer, expression):
        api.force_authenticate(w.keyworker_mh)
        outcome = _post(api, _with_item(_honos(w), link_id, answer), status=400)
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["expression"] == [expression], outcome
        assert (
            not HonosRating.objects.exists()
            and not AuditEvent.objects.filter(action__startswith="outcomes.").exists()
        )

    def test_a_missing_honos_item_is_named(self, api, w):
        api.force_authenticate(w.keyworker_mh)
        resource = _honos(w)
        resource["item"] = [item for item in resource["item"] if item["linkId"] != "11"]
        outcome = _post(api, resource, status=400)
        assert outcome["issue"][0]["expression"] == ["QuestionnaireResponse.item.where(linkId='11')"]

    @pytest.mark.parametrize(
        ("link_id", "answer"),
        [
            ("alcohol_days", {"valueInteger": 29}),  # 0-28
            ("psychological_health", {"valueInteger": 21}),  # 0-20
            ("eviction_risk", {"valueString": "yes"}),
            ("crack_grams_per_day", {"valueDecimal": 1.5}),  # an amount with the days not answered
        ],
    )
    def test_a_bad_top_item_is_named_and_nothing_is_written(self, api, w, link_id, answer):
        api.force_authenticate(w.keyworker_sm)
        outcome = _post(api, _with_item(_top(w), link_id, answer), status=400)
        assert outcome["issue"][0]["expression"] == [f"QuestionnaireResponse.item.where(linkId='{link_id}')"]
        assert not TopForm.objects.exists()

    @pytest.mark.parametrize(
        ("changes", "element"),
        [
            ({"status": "in-progress"}, "QuestionnaireResponse.status"),
            ({"status": "bogus"}, "QuestionnaireResponse.status"),  # not R4
            ({"questionnaire": CANONICAL + "dialog"}, "QuestionnaireResponse.questionnaire"),
            ({"subject": {"reference": "Patient/nobody"}}, "QuestionnaireResponse.subject"),
            ({"authored": "yesterday"}, "QuestionnaireResponse.authored"),
            (
                {"authored": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
                "QuestionnaireResponse.authored",
            ),
        ],
    )
    def test_a_bad_resource_names_its_element(self, api, w, changes, element):
        api.force_authenticate(w.keyworker_mh)
        outcome = _post(api, _honos(w, **changes), status=400)
        assert outcome["issue"][0]["expression"] == [element], outcome
        assert not HonosRating.objects.exists()

    def test_a_person_the_sender_does_not_work_with_is_refused_as_one_that_does_not_exist(self, api, w):
        api.force_authenticate(w.keyworker_mh)
        hidden = _post(api, _honos(w, subject={"reference": f"Patient/{w.sm_only.pk}"}), status=400)
        missing = _post(api, _honos(w, subject={"reference": f"Patient/{w.cmht_north.pk}"}), status=400)
        assert hidden == missing and not HonosRating.objects.exists()
