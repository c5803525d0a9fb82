"""FHIR R4 read and search (issue 21, item 1): every emitted resource valid R4; access, consent and
audit as the pages; paging, _include, _lastUpdated, $everything; bad parameters a 400."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from careplans import services as careplan_services
from conversations import services as conversation_services
from dualcare.audit.models import AuditEvent
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope
from tests.careplans.helpers import shared_plan
from tests.contacts.helpers import appointment
from tests.factories import person
from tests.fhir.helpers import fhir_get, ids, valid
from tests.referrals.helpers import make_referral
from tests.world import build_world

TYPES = (
    "Appointment",
    "CarePlan",
    "CareTeam",
    "Consent",
    "Organization",
    "Patient",
    "ServiceRequest",
    "Task",
)


def _world():
    w = build_world()
    shared_plan(w)  # Sam's plan: entries of the CMHT and of the drug and alcohol service
    careplan_services.careplan_publish(service_user=w.service_user, by=w.keyworker_mh)
    # A plan the drug and alcohol service alone wrote, for Sam's... no: for Jo, theirs alone.
    careplan_services.entry_add(
        service_user=w.sm_only, section="what_matters", by=w.keyworker_sm, text="My dog."
    )
    w.referral = make_referral(w)  # keyworker.sm refers Jo to North CMHT
    w.appointment = appointment(w)
    # keyworker.sm asks keyworker.mh about Sam (a care-plan conversation: shared by consent).
    w.conversation = conversation_services.conversation_start(
        service_user=w.service_user,
        by=w.keyworker_sm,
        kind="care_plan",
        subject="The new script",
        text="Is the depot due on Friday?",
        staff=[w.keyworker_mh],
    )
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


class CapabilityTests:
    def test_it_states_r4_and_every_registered_type_with_its_profile(self, api, fw, db):
        statement = fhir_get(api, "/fhir/metadata")
        assert statement["fhirVersion"] == "4.0.1"
        served = {resource["type"]: resource for resource in statement["rest"][0]["resource"]}
        assert set(TYPES) <= set(served)
        assert served["Patient"]["supportedProfile"] == [
            "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
        ]
        assert "supportedProfile" not in served["Appointment"]  # UK Core has none: said in its documentation
        assert {"identifier", "family", "birthdate"} <= {
            param["name"] for param in served["Patient"]["searchParam"]
        }
        assert served["CarePlan"]["searchInclude"] == ["CarePlan:patient", "CarePlan:subject"]


class PatientTests:
    def test_it_finds_a_person_by_nhs_number_as_uk_core_writes_it(self, as_kw, fw):
        su = fw.service_user
        bundle = fhir_get(
            as_kw, "/fhir/Patient", {"identifier": f"https://fhir.nhs.uk/Id/nhs-number|{su.nhs_number}"}
        )
        assert ids(bundle) == [str(su.pk)]
        patient = bundle["entry"][0]["resource"]
        assert patient["identifier"][0] == {
            "system": "https://fhir.nhs.uk/Id/nhs-number",
            "value": su.nhs_number,
        }
        assert patient["meta"]["profile"] == ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]
        assert patient["name"][0] == {"use": "official", "family": "Testwell", "given": ["Sam"]}

    def test_it_searches_family_and_birthdate(self, as_kw, fw):
        su = fw.service_user
        assert ids(fhir_get(as_kw, "/fhir/Patient", {"family": "testw"})) == [str(su.pk)]
        born = su.date_of_birth.isoformat()
        assert str(su.pk) in ids(fhir_get(as_kw, "/fhir/Patient", {"birthdate": born}))
        before = (su.date_of_birth - dt.timedelta(days=1)).isoformat()
        assert str(su.pk) not in ids(fhir_get(as_kw, "/fhir/Patient", {"birthdate": f"le{before}"}))

    def test_a_hidden_person_is_absent_from_search_and_a_404_by_id_both_audited(self, as_kw, fw):
        hidden = fw.sm_only  # known only to the drug and alcohol service
        bundle = fhir_get(as_kw, "/fhir/Patient", {"identifier": hidden.nhs_number})
        assert "entry" not in bundle
        assert str(hidden.pk) not in ids(fhir_get(as_kw, "/fhir/Patient", {"_count": "100"}))
        started = timezone.now()
        outcome = fhir_get(as_kw, f"/fhir/Patient/{hidden.pk}", status=404)
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "not-found"
        assert (
            fhir_get(as_kw, f"/fhir/Patient/{fw.appointment.pk}", status=404) == outcome
        )  # nothing told apart
        denied = AuditEvent.objects.filter(actor=fw.keyworker_mh, at__gte=started, outcome="denied")
        assert denied.filter(service_user=hidden, action="fhir.Patient.read").count() == 1
        # (The referral about Jo to North CMHT is theirs to read, rule 1: ServiceRequest is not here.)
        for name in ("CarePlan", "CareTeam", "Consent", "Appointment"):
            assert str(hidden.pk) not in str(
                fhir_get(as_kw, f"/fhir/{name}", {"_count": "100"}).get("entry", "")
            )

    def test_a_search_page_audits_one_row_per_person_shown(self, as_kw, fw):
        started = timezone.now()
        bundle = fhir_get(as_kw, "/fhir/Patient", {"_count": "100"})
        shown = set(ids(bundle))
        rows = AuditEvent.objects.filter(actor=fw.keyworker_mh, at__gte=started, action="fhir.Patient.search")
        assert {str(pk) for pk in rows.values_list("service_user_id", flat=True)} == shown
        assert rows.count() == len(shown) == 2  # Sam and Alex, the North CMHT's

    def test_a_read_is_audited_as_a_read_of_its_person(self, as_kw, fw):
        started = timezone.now()
        fhir_get(as_kw, f"/fhir/CareTeam/{fw.service_user.involvements.first().pk}")
        row = AuditEvent.objects.get(actor=fw.keyworker_mh, at__gte=started, action="fhir.CareTeam.read")
        assert row.service_user_id == fw.service_user.pk and row.outcome == "allowed"


class CarePlanTests:
    def test_consent_withdrawal_takes_the_other_organisations_plan_out_at_once(self, api, fw, db):
        su = fw.service_user
        # Jo's plan is the drug and alcohol service's only; bring the CMHT in with no consent: hidden.
        people_services.involvement_start(
            service_user=fw.sm_only, team=fw.cmht_north, key_worker=fw.keyworker_mh
        )
        api.force_authenticate(fw.keyworker_mh)
        plans = fhir_get(api, "/fhir/CarePlan", {"patient": f"Patient/{fw.sm_only.pk}"})
        assert "entry" not in plans
        # Sam's plan holds the CMHT's entries and, by consent, the drug and alcohol service's action.
        api.force_authenticate(fw.keyworker_sm)
        plan = fhir_get(api, "/fhir/CarePlan", {"subject": f"Patient/{su.pk}"})["entry"][0]["resource"]
        assert plan["goal"] == [{"reference": "#goal-1"}]
        assert plan["contained"][0]["description"]["text"] == "I want to sleep through the night."
        assert plan["activity"][0]["detail"]["status"] == "in-progress"
        consent = Consent.objects.get(
            service_user=su, organisation=fw.sm, scope=Scope.CARE_PLAN, withdrawn_at=None
        )
        people_services.consent_withdraw(consent=consent, by=fw.keyworker_mh)
        plan = fhir_get(api, f"/fhir/CarePlan/{plan['id']}")
        assert "goal" not in plan and "I want to sleep" not in str(plan)  # only its own action left
        assert plan["activity"][0]["detail"]["description"].startswith("Weekly key-work")
        # A plan with nothing of theirs left is gone from their results and a 404.
        careplan_services.entry_add(
            service_user=fw.mh_only, section="what_matters", by=fw.keyworker_mh, text="Music."
        )
        people_services.involvement_start(
            service_user=fw.mh_only, team=fw.sm_team, key_worker=fw.keyworker_sm
        )
        found = fhir_get(api, "/fhir/CarePlan", {"patient": f"Patient/{fw.mh_only.pk}"})
        assert "entry" not in found


class PagingTests:
    def test_pages_follow_the_next_link_in_id_order_with_no_row_twice(self, as_kw, fw):
        for number in range(4):
            appointment(fw, hours=number + 1)
        seen, url, pages = [], "/fhir/Appointment?_count=2", 0
        while url:
            bundle = fhir_get(as_kw, url)
            seen += ids(bundle)
            pages += 1
            nexts = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
            url = nexts[0].removeprefix("http://testserver") if nexts else None
        assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen) and pages == 3

    def test_it_includes_the_patient_once_per_person(self, as_kw, fw):
        bundle = fhir_get(as_kw, "/fhir/CareTeam", {"_include": "CareTeam:patient", "_count": "50"})
        included = [e for e in bundle["entry"] if e["search"]["mode"] == "include"]
        people = {
            e["resource"]["subject"]["reference"] for e in bundle["entry"] if e["search"]["mode"] == "match"
        }
        assert {f"Patient/{e['resource']['id']}" for e in included} == people
        assert len(included) == len(people)

    def test_last_updated_narrows_by_when_a_resource_changed(self, as_kw, fw):
        tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
        assert "entry" not in fhir_get(as_kw, "/fhir/Consent", {"_lastUpdated": f"ge{tomorrow}"})
        assert ids(fhir_get(as_kw, "/fhir/Consent", {"_lastUpdated": f"lt{tomorrow}"}))


class EverythingTests:
    def test_it_bundles_all_the_caller_may_see_about_the_person(self, as_kw, fw):
        su = fw.service_user
        bundle = fhir_get(as_kw, f"/fhir/Patient/{su.pk}/$everything")
        kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
        assert {"Patient", "CarePlan", "CareTeam", "Consent", "Appointment"} <= kinds
        assert all(
            entry["resource"].get("subject", entry["resource"].get("patient", {})).get("reference")
            == f"Patient/{su.pk}"
            for entry in bundle["entry"]
            if entry["resource"]["resourceType"] in ("CarePlan", "CareTeam", "Consent")
        )
        fhir_get(as_kw, f"/fhir/Patient/{fw.sm_only.pk}/$everything", status=404)


class BadInputTests:
    @pytest.mark.parametrize(
        ("url", "parameter"),
        [
            ("/fhir/Patient?colour=blue", "colour"),
            ("/fhir/Patient?_count=0", "_count"),
            ("/fhir/Patient?_count=lots", "_count"),
            ("/fhir/Patient?birthdate=yesterday", "birthdate"),
            ("/fhir/Patient?identifier=http://example.org|123", "identifier"),
            ("/fhir/CarePlan?patient=Patient/not-an-id", "patient"),
            ("/fhir/CarePlan?_include=CarePlan:author", "_include"),
            ("/fhir/Consent?_lastUpdated=2026-13-45", "_lastUpdated"),
            ("/fhir/ServiceRequest?status=sent", "status"),
            ("/fhir/Appointment?_cursor=xyz", "_cursor"),
            ("/fhir/Patient?_format=xml", "_format"),
        ],
    )
    def test_a_bad_parameter_is_a_400_operation_outcome_naming_it(self, as_kw, url, parameter):
        outcome = fhir_get(as_kw, url, status=400)
        assert outcome["issue"][0]["code"] == "invalid"
        assert outcome["issue"][0]["expression"] == [parameter]

    def test_nobody_signed_in_gets_a_401_and_a_person_a_403(self, api, fw, db):
        assert fhir_get(api, "/fhir/Patient", status=401)["issue"][0]["code"] == "login"
        api.force_authenticate(fw.service_user_login)
        assert fhir_get(api, "/fhir/Patient", status=403)["issue"][0]["code"] == "forbidden"


class TokenTests:
    def test_a_knox_token_reads_fhir(self, api, fw, db):
        response = api.post("/api/v1/auth/token/", {"username": "keyworker.sm", "password": fw.password})
        api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        bundle = fhir_get(api, "/fhir/ServiceRequest")
        assert ids(bundle) == [str(fw.referral.pk)]
        request = bundle["entry"][0]["resource"]
        assert request["status"] == "active" and request["subject"] == {
            "reference": f"Patient/{fw.sm_only.pk}"
        }


class EveryResourceTests:
    @pytest.mark.parametrize("name", TYPES)
    def test_every_type_searches_and_reads_as_valid_r4(self, as_kw, fw, name):
        as_kw.force_authenticate(
            fw.keyworker_sm if name in ("ServiceRequest", "Task", "Communication") else fw.keyworker_mh
        )
        bundle = fhir_get(as_kw, f"/fhir/{name}")
        assert ids(bundle), f"no {name} to check"
        for pk in ids(bundle):
            assert valid(fhir_get(as_kw, reverse(f"fhir:{name}-read", kwargs={"pk": pk})))["id"] == pk


class QueryBudgetTests:
    @pytest.mark.parametrize("name", TYPES)
    def test_a_search_page_costs_the_same_queries_whatever_the_rows(
        self, as_kw, fw, name, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def cost() -> int:
            with CaptureQueriesContext(connection) as captured:
                fhir_get(
                    as_kw,
                    f"/fhir/{name}",
                    {"_include": f"{name}:patient"} if name not in ("Patient", "Organization") else {},
                )
            return len(captured)

        before = cost()
        for number in range(3):
            extra = person(
                fw.cmht_north, key_worker=fw.keyworker_mh, given_name=f"Extra{number}", family_name="Person"
            )
            people_services.consent_record(
                service_user=extra, organisation=fw.mh, scope=Scope.CARE_PLAN, by=fw.keyworker_mh
            )
            careplan_services.entry_add(
                service_user=extra, section="goal", by=fw.keyworker_mh, text="A goal.", domain="job"
            )
            appointment(fw, person=extra)
        assert cost() == before
        # The budget, named: the caller's user and token (none: forced), the page, its prefetch
        # (CarePlan entries), the audit's roles and one insert, the included people and their audit.
        with django_assert_max_num_queries(9):
            fhir_get(as_kw, f"/fhir/{name}")
