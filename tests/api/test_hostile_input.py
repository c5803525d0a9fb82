"""Hostile JSON on the API's POST and PATCH endpoints: each field of a valid request in turn
gets values no client should send (NUL bytes, 100,000 characters, 20-digit years, numbers
past any column, lists and objects where text belongs). The answer is a 400 naming that
field, never a 500, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from careplans import services as careplan_services
from careplans.models import CarePlan
from cohorts import services as cohort_services
from dualcare.notifications.selectors import alerts_for
from dualcare.safety import services as safety_services
from dualcare.safety.incidents import services as incident_services
from referrals import services as referral_services
from tests.careplans import helpers as careplan_helpers
from tests.contacts import helpers as contact_helpers
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

HOSTILE = {
    "text": ["\x00", "x" * 100_001, "a\u202eb\x1b[31m", ["a list"], {"an": "object"}],
    "date": ["9" * 20 + "-01-01", "2999-01-01", "1800-01-01", "\uff12\uff10\uff12\uff16-01-01", 10**30],
    "number": [10**30, -(10**30), "NaN", "1e400", 1.5, ["a list"]],
    "targets": [{"I": 10**30}, {"I": -1}, {"I": "NaN"}, {"V": 1}, ["a list"]],
    "ratings": [[10**30] * 12, [-(10**30)] * 12, ["NaN"] * 12, "x", [[1]] * 12],
    "values": [[1, "NaN"], [1, None], [True, False], "x", [[1], [2]]],
    "ids": ["x", ["not-an-id"], [10**30], [["a list"]], [str(uuid.uuid4())] * 11, [str(uuid.uuid4())]],
    "domains": [
        [{"domain": "overdose", "level": "high", "evidence": "\x00"}],
        [{"domain": "overdose", "level": "high", "evidence": "x" * 100_001}],
        [{"domain": "overdose", "level": 10**30, "evidence": "Released last week."}],
        [{"domain": "overdose", "level": "high", "evidence": "Released last week."}] * 100,
        "x",
        [["a list"]],
        {"an": "object"},
    ],
}

WATCHED_APPS = {
    "people",
    "referrals",
    "careplans",
    "linkworkers",
    "cohorts",
    "outcomes",
    "contacts",
    "notifications",
    "dashboards",
    "incidents",
    "safety",
    "directory",
}


def _counts() -> dict:
    """Rows in each of the project's tables, in one query (this runs for every form)."""
    models = [model for model in apps.get_models() if model._meta.app_label in WATCHED_APPS]
    quote = connection.ops.quote_name
    selects = ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})" for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return dict(zip((model._meta.label for model in models), cursor.fetchone(), strict=True))


def _endpoints(w) -> list[tuple]:
    """(who, method, url, a valid request, {field: kind}) for every endpoint that writes."""
    today = timezone.localdate()
    su = str(w.service_user.pk)
    draft = referral_services.referral_create(
        by=w.keyworker_mh,
        service_user=w.mh_only,
        to_team=w.sm_team,
        urgency="routine",
        reason="Drinking to cope.",
        send=False,
    )
    received = make_referral(w)  # from the Recovery Team to North CMHT
    cohort_services.quadrant_assess(
        service_user=w.service_user,
        mental_health_severity="high",
        substance_use_severity="high",
        rationale="Psychosis and daily heroin use.",
        assessed_on=today,
        by=w.keyworker_mh,
    )
    cohort = cohort_services.cohort_create(by=w.manager_mh, name="North", start=today - dt.timedelta(days=30))
    enrolment = cohort_services.cohort_enrol(cohort=cohort, service_user=w.service_user, by=w.manager_mh)
    contact = contact_helpers.appointment(w)
    alert = alerts_for(w.keyworker_mh).first()
    careplan_helpers.shared_plan(w)
    plan = CarePlan.objects.get(service_user=w.service_user)
    incident = incident_services.incident_report(
        service_user=w.service_user,
        by=w.keyworker_mh,
        kind="near_miss",
        harm="none",
        title="Two scripts nearly issued",
        occurred_on=today,
        what_happened="Both services started a prescription.",
    )

    def raise_flag():
        return safety_services.safety_flag_raise(
            service_user=w.service_user,
            by=w.keyworker_mh,
            code="overdose",
            warning="Overdose risk: recent release from prison",
            reason="Released last week; tolerance low.",
            review_on=today + dt.timedelta(days=30),
        )

    flag = raise_flag()
    # Removed before its review date: a request waiting for a second person to decide.
    flag_asked_off, _ = safety_services.safety_flag_remove(
        flag=raise_flag(), by=w.keyworker_mh, reason="Settled."
    )
    # Issue 20: the person's own goal (to rate) and words (to answer).
    own_goal = careplan_services.own_words_propose(
        service_user=w.service_user, by=w.service_user_login, kind="goal", text="Work again", domain="job"
    )
    own_words = careplan_services.own_words_propose(
        service_user=w.service_user, by=w.service_user_login, kind="what_helps", text="Music"
    )
    # Signposting (issue 18 item 4): a referral North CMHT declined, and its signpost.
    declined = referral_services.referral_decline(
        referral=make_referral(w, service_user=w.service_user),
        by=w.keyworker_mh,
        reason="No space.",
        signposting_service="The GP",
    )
    signpost = declined.signposts.get()
    text, date, number = "text", "date", "number"
    return [
        (
            w.service_user_login,
            "post",
            "/api/v1/me/goals/",
            {"text": "Cook", "domain": "leisure"},
            {"text": text},
        ),
        (
            w.service_user_login,
            "post",
            "/api/v1/me/goal-ratings/",
            {"goal": str(own_goal.pk), "score": 5},
            {"score": number, "rated_on": date, "note": text},
        ),
        (
            w.service_user_login,
            "post",
            "/api/v1/me/own-words/",
            {"kind": "what_matters", "text": "x"},
            {"text": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/care-plans/{plan.pk}/own-words/answer/",
            {"words": str(own_words.pk), "decision": "answer", "reply": "We will talk."},
            {"reply": text},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/signposts/",
            {"referral": str(declined.pk), "other": "Food bank"},
            {"services": "ids", "other": text, "next_steps": text, "referral": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/signposts/{signpost.pk}/follow-up/",
            {"outcome": "connected"},
            {"outcome": text, "note": text},
        ),
        # Issue 19: risk assessments and safety flags.
        (
            w.keyworker_mh,
            "post",
            "/api/v1/risk-assessments/",
            {
                "service_user": su,
                "assessed_on": str(today),
                "domains": [
                    {
                        "domain": "overdose",
                        "level": "high",
                        "evidence": "Released last week.",
                        "plan": "Naloxone",
                    }
                ],
            },
            {"assessed_on": date, "review_due": date, "person_view": text, "domains": "domains"},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/safety-flags/",
            {
                "service_user": su,
                "code": "overdose",
                "warning": "Overdose risk: recent release from prison",
                "reason": "Released last week.",
                "review_on": str(today + dt.timedelta(days=30)),
            },
            {"warning": text, "reason": text, "review_on": date, "code": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/safety-flags/{flag.pk}/review/",
            {"review_on": str(today + dt.timedelta(days=60))},
            {"review_on": date, "note": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/safety-flags/{flag.pk}/remove/",
            {"reason": "Settled."},
            {"reason": text},
        ),
        (
            w.linkworker_mh,
            "post",
            f"/api/v1/safety-flags/{flag_asked_off.pk}/decide-removal/",
            {"decision": "confirm"},
            {"decision": text, "note": text},
        ),
        # Issue 19: incidents and their review actions.
        (
            w.keyworker_mh,
            "post",
            "/api/v1/incidents/",
            {
                "service_user": su,
                "kind": "incident",
                "harm": "low",
                "title": "Missed depot",
                "occurred_on": str(today),
                "what_happened": "Not given.",
            },
            {"title": text, "what_happened": text, "immediate_actions": text, "occurred_on": date},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/incidents/{incident.pk}/actions/",
            {"text": "Agree one prescriber", "owner_organisation": str(w.mh.pk), "due_date": str(today)},
            {"text": text, "due_date": date},
        ),
        (
            w.manager_mh,
            "post",
            f"/api/v1/incidents/{incident.pk}/lessons/",
            {"lessons_learned": "One prescriber named in the plan."},
            {"lessons_learned": text},
        ),
        (
            w.manager_mh,
            "post",
            f"/api/v1/incidents/{incident.pk}/close/",
            {"closure_summary": "Reviewed jointly; one prescriber agreed."},
            {"closure_summary": text},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/referrals/",
            {
                "service_user": str(w.mh_only.pk),
                "to_team": str(w.sm_team.pk),
                "urgency": "routine",
                "reason": "Low mood.",
            },
            {
                "reason": text,
                "person_wants": text,
                "mental_health_needs": text,
                "substance_use": text,
                "risk_summary": text,
            },
        ),
        (
            w.keyworker_mh,
            "patch",
            f"/api/v1/referrals/{draft.pk}/",
            {},
            {"reason": text, "risk_summary": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/referrals/{received.pk}/decline/",
            {"reason": "No space.", "signposting": "The GP"},
            {
                "reason": text,
                "signposting": text,
                "next_steps": text,
                "note": text,
                "directory_services": "ids",
            },
        ),
        (w.keyworker_mh, "post", f"/api/v1/referrals/{received.pk}/acknowledge/", {}, {"note": text}),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/quadrant-assessments/",
            {
                "service_user": su,
                "mental_health_severity": "low",
                "substance_use_severity": "low",
                "rationale": "Stable.",
            },
            {"rationale": text, "assessed_on": date},
        ),
        (
            w.manager_mh,
            "post",
            "/api/v1/cohorts/",
            {"name": "South", "start": str(today)},
            {"name": text, "locality": text, "start": date, "end": date, "targets": "targets"},
        ),
        (
            w.manager_mh,
            "patch",
            f"/api/v1/cohorts/{cohort.pk}/",
            {},
            {"name": text, "end": date, "targets": "targets"},
        ),
        (
            w.manager_mh,
            "post",
            f"/api/v1/cohorts/{cohort.pk}/enrol/",
            {"service_user": str(w.mh_only.pk)},
            {"enrolled_on": date},
        ),
        (
            w.manager_mh,
            "post",
            f"/api/v1/cohorts/{cohort.pk}/exit/",
            {"enrolment": str(enrolment.pk), "reason": "other"},
            {"exited_on": date, "note": text},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/outcomes/honos/",
            {"service_user": su, "rated_on": str(today), "stage": "assessment", "items": [0] * 12},
            {"rated_on": date, "items": "ratings", "item8_other": text},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/outcomes/top/",
            {"service_user": su, "completed_on": str(today), "stage": "start"},
            {
                "completed_on": date,
                "other_substance_name": text,
                "opiates_days": number,
                "quality_of_life": number,
            },
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/outcomes/dialog/",
            {"service_user": su, "rated_on": str(today), "items": [4] * 11},
            {"rated_on": date},
        ),
        (
            w.keyworker_mh,
            "post",
            "/api/v1/outcomes/satisfaction/",
            {"service_user": su, "answer": "very_good"},
            {"responded_on": date, "comment": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/contacts/{contact.pk}/record/",
            {"outcome": "attended"},
            {"note": text},
        ),
        (
            w.keyworker_mh,
            "post",
            f"/api/v1/alerts/{alert.pk}/acknowledge/",
            {"note": "Called them."},
            {"note": text},
        ),
        (w.keyworker_mh, "post", f"/api/v1/care-plans/{plan.pk}/publish/", {}, {"review_due": date}),
        (
            w.orgadmin_mh,
            "post",
            "/api/v1/link-workers/",
            {"team": str(w.cmht_north.pk), "user": str(w.linkworker_mh.pk)},
            {"start": date, "end": date},
        ),
        (
            w.manager_mh,
            "post",
            "/api/v1/spc/",
            {"values": list(range(20)), "improvement": "up"},
            {"values": "values", "baseline": "values"},
        ),
    ]


class HostileJsonTests:
    def test_every_write_endpoint_answers_hostile_json_with_a_400_naming_the_field(self, world):
        api = APIClient()
        sent = 0
        for user, method, url, valid, fields in _endpoints(world):
            api.force_authenticate(user)
            before = _counts()
            for field, kind in fields.items():
                for value in HOSTILE[kind]:
                    response = getattr(api, method)(url, {**valid, field: value}, format="json")
                    sent += 1
                    shown = (url, field, str(value)[:40])
                    assert response.status_code == 400, (*shown, response.status_code)
                    assert field in response.json(), (*shown, response.json())
            assert _counts() == before, url
        assert sent > 200


def _service_request(w, element: str, value) -> dict:
    """A ServiceRequest that would be sent as a referral, with `value` in one element (inside
    its text where the element carries text)."""
    from referrals.fhir import CONSENT_EXTENSION, TEAM_SYSTEM

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
    wrapped = {
        "reasonCode": [{"text": value}],
        "note": [{"text": value}],
        "subject": {"reference": value},
        "performer": [{"identifier": {"system": TEAM_SYSTEM, "value": value}}],
        "priority": value,
    }
    return {**resource, element: wrapped[element]}


class HostileFhirTests:
    # POST /fhir/ServiceRequest is not a DRF endpoint: FHIR answers a bad resource with an
    # OperationOutcome whose issue names the element at fault (FHIRPath), not with a body keyed by
    # field, so it has its own sweep here rather than a row in _endpoints' table.
    def test_a_hostile_service_request_is_a_400_naming_the_element(self, world):
        api = APIClient()
        api.force_authenticate(world.keyworker_sm)
        before = _counts()
        sent = 0
        for element in ("reasonCode", "note", "subject", "performer", "priority"):
            for value in HOSTILE["text"]:
                response = api.post(
                    "/fhir/ServiceRequest", _service_request(world, element, value), format="json"
                )
                sent += 1
                shown = (element, str(value)[:40])
                assert response.status_code == 400, (*shown, response.status_code)
                outcome = response.json()
                assert outcome["resourceType"] == "OperationOutcome", (*shown, outcome)
                assert outcome["issue"][0]["expression"][0].startswith(f"ServiceRequest.{element}"), (
                    *shown,
                    outcome,
                )
        assert _counts() == before
        assert sent == 25

    def test_a_hostile_questionnaire_response_is_a_400_naming_the_item(self, world):
        # HoNOS and TOP arriving as QuestionnaireResponses (outcomes/fhir.py): each answer in turn
        # gets hostile values of its kind, and the subject and date hostile text and dates.
        from outcomes.fhir import CANONICAL, ITEM8_SYSTEM, STAGE_SYSTEM

        api = APIClient()
        api.force_authenticate(world.keyworker_mh)
        honos = [{"linkId": str(n), "answer": [{"valueInteger": 1}]} for n in range(1, 13)]
        honos += [
            {
                "linkId": "stage",
                "answer": [{"valueCoding": {"system": STAGE_SYSTEM["honos"], "code": "review"}}],
            },
            {"linkId": "8-type", "answer": [{"valueCoding": {"system": ITEM8_SYSTEM, "code": "J"}}]},
            {"linkId": "8-other", "answer": [{"valueString": "Hoarding"}]},
        ]
        resource = {
            "resourceType": "QuestionnaireResponse",
            "questionnaire": CANONICAL + "honos",
            "status": "completed",
            "subject": {"reference": f"Patient/{world.service_user.pk}"},
            "authored": str(timezone.localdate()),
            "item": honos,
        }
        assert api.post("/fhir/QuestionnaireResponse", resource, format="json").status_code == 201

        def answered(link_id: str, answer: dict) -> dict:
            items = [item for item in honos if item["linkId"] != link_id]
            return {**resource, "item": [*items, {"linkId": link_id, "answer": [answer]}]}

        cases = [
            *(
                (answered("3", {"valueInteger": value}), "QuestionnaireResponse.item")
                for value in HOSTILE["number"]
            ),
            *(
                (answered("8-other", {"valueString": value}), "QuestionnaireResponse.item")
                for value in HOSTILE["text"]
            ),
            *(
                ({**resource, "subject": {"reference": value}}, "QuestionnaireResponse.subject")
                for value in HOSTILE["text"]
            ),
            *(
                ({**resource, "authored": value}, "QuestionnaireResponse.authored")
                for value in HOSTILE["date"]
            ),
        ]
        before = _counts()
        for body, element in cases:
            response = api.post("/fhir/QuestionnaireResponse", body, format="json")
            shown = (element, str(body)[:80])
            assert response.status_code == 400, (*shown, response.status_code)
            outcome = response.json()
            assert outcome["resourceType"] == "OperationOutcome", (*shown, outcome)
            assert outcome["issue"][0]["expression"][0].startswith(element), (*shown, outcome)
        assert _counts() == before
        assert len(cases) == 21
