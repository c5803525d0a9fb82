"""Outcome measures as FHIR QuestionnaireResponses (issue 21, items 1 and 2): the Questionnaires
served, each HoNOS, TOP and DIALOG a valid R4 QuestionnaireResponse shown as the outcomes pages show
it (the outcomes consent), searched by patient, questionnaire, authored and _lastUpdated, audited;
and a HoNOS or TOP posted as one recorded through the outcomes services, or refused naming the item."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope
from outcomes.fhir import CANONICAL
from tests.factories import person
from tests.fhir.helpers import fhir_get, ids
from tests.outcomes.helpers import days_ago, make_dialog, make_honos, make_top
from tests.world import build_world


def _world():
    w = build_world()
    w.honos = make_honos(w, rated_on=days_ago(10))  # the CMHT's, about Sam
    w.dialog = make_dialog(w, rated_on=days_ago(5))
    w.top = make_top(w, completed_on=days_ago(3), other_substance_name="Ketamine", other_substance_days=2)
    w.jo_top = make_top(w, service_user=w.sm_only, completed_on=days_ago(2))  # the drug and alcohol service's
    return w


@pytest.fixture(scope="module")
def fw(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def as_kw(api, fw, db):
    api.force_authenticate(fw.keyworker_mh)
    return api


def _answers(resource: dict) -> dict:
    return {
        item["linkId"]: next(iter(item["answer"][0].values())) if item.get("answer") else None
        for item in resource["item"]
    }


class QuestionnaireTests:
    @pytest.mark.parametrize("name", ["honos", "top", "dialog"])
    def test_each_questionnaire_is_served_as_valid_r4(self, as_kw, name):
        form = fhir_get(as_kw, f"/fhir/Questionnaire/{name}")
        assert form["url"] == CANONICAL + name and form["status"] == "active"
        assert len(form["item"]) == {"honos": 16, "top": 33, "dialog": 11}[name]
        assert ("copyright" in form) == (name == "honos")

    def test_the_search_lists_the_three_and_an_unknown_one_is_a_404(self, as_kw):
        assert ids(fhir_get(as_kw, "/fhir/Questionnaire")) == ["dialog", "honos", "top"]
        assert ids(fhir_get(as_kw, "/fhir/Questionnaire", {"_id": "top"})) == ["top"]
        fhir_get(as_kw, "/fhir/Questionnaire/phq9", status=404)

    def test_a_switched_off_instrument_has_no_questionnaire(self, as_kw, settings):
        settings.OUTCOME_INSTRUMENTS = ("top", "satisfaction")
        assert ids(fhir_get(as_kw, "/fhir/Questionnaire")) == ["top"]
        fhir_get(as_kw, "/fhir/Questionnaire/honos", status=404)

    def test_the_capability_statement_lists_both_with_create_and_the_uk_core_profile(self, api, fw, db):
        statement = fhir_get(api, "/fhir/metadata")
        served = {resource["type"]: resource for resource in statement["rest"][0]["resource"]}
        response = served["QuestionnaireResponse"]
        assert response["supportedProfile"] == [
            "https://fhir.hl7.org.uk/StructureDefinition/UKCore-QuestionnaireResponse"
        ]
        assert {"create"} <= {i["code"] for i in response["interaction"]}
        assert {"patient", "questionnaire", "authored"} <= {p["name"] for p in response["searchParam"]}
        assert "supportedProfile" not in served["Questionnaire"]


class ResponseTests:
    def test_a_honos_carries_every_item_as_rated(self, as_kw, fw):
        resource = fhir_get(as_kw, f"/fhir/QuestionnaireResponse/{fw.honos.pk}")
        assert resource["questionnaire"] == CANONICAL + "honos"
        assert resource["subject"] == {"reference": f"Patient/{fw.service_user.pk}"}
        assert resource["authored"] == days_ago(10).isoformat()
        assert resource["author"]["reference"] == f"Organization/{fw.mh.pk}"
        answers = _answers(resource)
        assert [answers[str(n)] for n in range(1, 13)] == fw.honos.items
        assert answers["8-type"]["code"] == "B" and answers["stage"]["code"] == "assessment"

    def test_a_top_leaves_not_answered_items_unanswered_not_zero(self, api, fw, db):
        api.force_authenticate(fw.keyworker_sm)
        answers = _answers(fhir_get(api, f"/fhir/QuestionnaireResponse/{fw.top.pk}"))
        assert answers["alcohol_days"] == 20 and answers["alcohol_units_per_day"] == 14.5
        assert answers["opiates_days"] == 0 and answers["college_days"] is None
        assert answers["acute_housing_problem"] is True and answers["fraud"] is None
        assert answers["other_substance_name"] == "Ketamine"

    def test_consent_decides_what_another_organisation_reads_and_withdrawal_is_at_once(self, api, fw, db):
        api.force_authenticate(fw.keyworker_sm)
        mine = {str(fw.top.pk), str(fw.jo_top.pk)}
        assert set(ids(fhir_get(api, "/fhir/QuestionnaireResponse"))) == mine  # no outcomes consent
        fhir_get(api, f"/fhir/QuestionnaireResponse/{fw.honos.pk}", status=404)
        consent = people_services.consent_record(
            service_user=fw.service_user, organisation=fw.sm, scope=Scope.OUTCOMES, by=fw.keyworker_mh
        )
        shown = set(ids(fhir_get(api, "/fhir/QuestionnaireResponse")))
        assert shown == mine | {str(fw.honos.pk), str(fw.dialog.pk)}
        people_services.consent_withdraw(consent=Consent.objects.get(pk=consent.pk), by=fw.keyworker_mh)
        assert set(ids(fhir_get(api, "/fhir/QuestionnaireResponse"))) == mine

    def test_search_by_patient_questionnaire_and_authored(self, as_kw, fw):
        sam = f"Patient/{fw.service_user.pk}"
        # keyworker.mh: the CMHT's HoNOS and DIALOG; the TOP is the drug and alcohol service's, unshared.
        assert set(ids(fhir_get(as_kw, "/fhir/QuestionnaireResponse", {"patient": sam}))) == {
            str(fw.honos.pk),
            str(fw.dialog.pk),
        }
        by_form = {"questionnaire": CANONICAL + "dialog", "subject": sam}
        assert ids(fhir_get(as_kw, "/fhir/QuestionnaireResponse", by_form)) == [str(fw.dialog.pk)]
        assert ids(
            fhir_get(as_kw, "/fhir/QuestionnaireResponse", {"questionnaire": "Questionnaire/honos"})
        ) == [str(fw.honos.pk)]
        since = f"ge{days_ago(7).isoformat()}"
        assert ids(fhir_get(as_kw, "/fhir/QuestionnaireResponse", {"authored": since})) == [str(fw.dialog.pk)]
        tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        assert "entry" not in fhir_get(
            as_kw, "/fhir/QuestionnaireResponse", {"_lastUpdated": f"ge{tomorrow}"}
        )

    def test_pages_merge_the_three_tables_in_id_order(self, api, fw, db):
        api.force_authenticate(fw.keyworker_sm)
        people_services.consent_record(
            service_user=fw.service_user, organisation=fw.sm, scope=Scope.OUTCOMES, by=fw.keyworker_mh
        )
        seen, url = [], "/fhir/QuestionnaireResponse?_count=1"
        while url:
            bundle = fhir_get(api, url)
            seen += ids(bundle)
            nexts = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
            url = nexts[0].removeprefix("http://testserver") if nexts else None
        assert len(seen) == len(set(seen)) == 4 and seen == sorted(seen)

    def test_search_and_read_are_audited_per_person_and_a_refusal_as_denied(self, api, fw, db):
        api.force_authenticate(fw.keyworker_sm)
        started = timezone.now()
        fhir_get(api, "/fhir/QuestionnaireResponse")
        rows = AuditEvent.objects.filter(at__gte=started, action="fhir.QuestionnaireResponse.search")
        assert set(rows.values_list("service_user_id", flat=True)) == {fw.service_user.pk, fw.sm_only.pk}
        fhir_get(api, f"/fhir/QuestionnaireResponse/{fw.honos.pk}", status=404)
        denied = AuditEvent.objects.get(at__gte=started, action="fhir.QuestionnaireResponse.read")
        assert denied.outcome == "denied" and denied.service_user_id == fw.service_user.pk

    def test_everything_holds_the_persons_responses(self, as_kw, fw):
        bundle = fhir_get(as_kw, f"/fhir/Patient/{fw.service_user.pk}/$everything")
        assert set(ids(bundle, "QuestionnaireResponse")) == {str(fw.honos.pk), str(fw.dialog.pk)}

    @pytest.mark.parametrize(
        ("params", "parameter"),
        [({"questionnaire": "phq9"}, "questionnaire"), ({"authored": "last week"}, "authored")],
    )
    def test_a_bad_parameter_is_a_400_naming_it(self, as_kw, params, parameter):
        outcome = fhir_get(as_kw, "/fhir/QuestionnaireResponse", params, status=400)
        assert outcome["issue"][0]["expression"] == [parameter]

    def test_a_page_costs_the_same_queries_whatever_the_rows(self, as_kw, fw):
        def cost() -> int:
            with CaptureQueriesContext(connection) as captured:
                fhir_get(as_kw, "/fhir/QuestionnaireResponse", {"_include": "QuestionnaireResponse:patient"})
            return len(captured)

        before = cost()
        for number in range(3):
            extra = person(
                fw.cmht_north, key_worker=fw.keyworker_mh, given_name=f"Extra{number}", family_name="P"
            )
            make_honos(fw, service_user=extra)
            make_dialog(fw, service_user=extra)
        # The page's three parts (HoNOS, TOP, DIALOG), the audit's roles and insert, the included
        # people and their audit: the same with six more rows.
        assert cost() == before <= 10
