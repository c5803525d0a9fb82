"""Everything one organisation writes about a person follows that person's consent (issue 12).

access.ORG_WRITTEN declares, for every model that holds something about a person, the consent
scope its rows cross organisation boundaries under (or why they are exempt); one filter,
access.org_written_filter, applies it to pages and the API alike.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from rest_framework.test import APIClient

from careplans import services as careplans_services
from cohorts import services as cohorts_services
from dualcare import access
from dualcare.contacts import services as contacts_services
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope, ServiceUser
from tests.contacts.helpers import appointment
from tests.outcomes.helpers import make_dialog, make_honos, make_top

pytestmark = pytest.mark.django_db

RATIONALE = "Still using heroin on top of methadone; voices worse at night."


def withdraw_all(world, organisation):
    """Withdraw every active consent of Sam's to `organisation`."""
    for consent in Consent.objects.filter(
        service_user=world.service_user, organisation=organisation, withdrawn_at__isnull=True
    ):
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Asked us to stop.")


def consent(world, organisation, scope):
    return people_services.consent_record(
        service_user=world.service_user, organisation=organisation, scope=scope, by=world.keyworker_mh
    )


def assess_sam(world):
    return cohorts_services.quadrant_assess(
        service_user=world.service_user,
        mental_health_severity="high",
        substance_use_severity="high",
        rationale=RATIONALE,
        by=world.keyworker_mh,
        assessed_on=timezone.localdate() - dt.timedelta(days=2),
    )


class QuadrantConsentScenarioTests:
    """The issue: Sam withdraws every consent to the drug and alcohol service; its key worker
    must then get none of the CMHT's assessment, by page or API, until consent is given again."""

    def read_everything(self, world):
        api = APIClient()
        api.force_authenticate(world.keyworker_sm)
        page = self.client.get(f"/cohorts/people/{world.service_user.pk}/quadrant/").content.decode()
        record = self.client.get(f"/people/{world.service_user.pk}/").content.decode()
        caseload = self.client.get("/caseload/").content.decode()
        listed = api.get("/api/v1/quadrant-assessments/", {"service_user": str(world.service_user.pk)})
        by_id = api.get(f"/api/v1/quadrant-assessments/{self.assessment.pk}/")
        person = api.get(f"/api/v1/service-users/{world.service_user.pk}/").json()
        people = api.get("/api/v1/service-users/").json()["results"]
        return {
            "page": RATIONALE in page and ">IV<" in page,
            "record": "IV: high mental illness" in record,
            "caseload": ">IV<" in caseload,
            "api_list": listed.json()["count"] == 1 and listed.json()["results"][0]["rationale"] == RATIONALE,
            "api_by_id": by_id.status_code == 200 and by_id.json()["rationale"] == RATIONALE,
            "api_person": person["current_quadrant"] == "IV",
            "api_people": [p["current_quadrant"] for p in people if p["id"] == str(world.service_user.pk)]
            == ["IV"],
        }

    def test_withdrawn_consent_hides_the_assessment_everywhere_and_consent_brings_it_back(
        self, client, world, settings
    ):
        settings.REQUIRE_STAFF_2FA = False
        self.client = client
        self.assessment = assess_sam(world)
        client.force_login(world.keyworker_sm)
        consent(world, world.sm, Scope.OUTCOMES)
        assert all(self.read_everything(world).values()), self.read_everything(world)

        withdraw_all(world, world.sm)
        seen = self.read_everything(world)
        assert not any(seen.values()), seen
        # The record itself stays visible (the team is still involved): only the assessment is hidden.
        assert client.get(f"/people/{world.service_user.pk}/").status_code == 200

        consent(world, world.sm, Scope.OUTCOMES)
        seen = self.read_everything(world)
        assert all(seen.values()), seen

    def test_the_assessing_organisation_always_sees_its_own(self, client, world):
        assessment = assess_sam(world)
        withdraw_all(world, world.mh)
        visible = access.org_written_filter(world.keyworker_mh, type(assessment).objects.all())
        assert list(visible) == [assessment]


# ---------------------------------------------------------------------------
# (b) Every model with a path to a person is declared


def _path_to_person(model, seen=()) -> bool:
    """Does the model reach ServiceUser through forward foreign keys (directly or via a parent)?"""
    if model is ServiceUser:
        return True
    for field in model._meta.get_fields():
        if isinstance(field, models.ForeignKey | models.OneToOneField) and field.concrete:
            target = field.related_model
            if target is ServiceUser:
                return True
            if target not in seen and target is not model and _path_to_person(target, (*seen, model)):
                return True
    return False


def about_a_person():
    return sorted(
        model._meta.label_lower
        for model in apps.get_models()
        if not model._meta.abstract and not model._meta.proxy and _path_to_person(model)
    )


class RegistryCoverageTests:
    def test_every_model_about_a_person_is_declared_with_a_scope_or_a_reason(self):
        missing = [label for label in about_a_person() if label not in access.ORG_WRITTEN]
        assert not missing, f"Declare these in access.ORG_WRITTEN (a scope, or exempt with why): {missing}"

    def test_the_walk_finds_models_through_their_parents(self):
        found = set(about_a_person())
        # Through a contact, a referral, a care plan version and a link-meeting agenda item.
        assert {
            "contacts.contactoutcomeevent",
            "referrals.handover",
            "careplans.agreement",
            "linkworkers.action",
        } <= found

    def test_each_declaration_is_complete_and_points_at_real_fields(self, world):
        for label, entry in access.ORG_WRITTEN.items():
            model = apps.get_model(label)
            # The paths resolve now, not when the filter first runs on a page.
            str(model.objects.filter(**{f"{entry.service_user}__isnull": False}).query)
            if entry.exempt:
                assert not entry.scope and not entry.scope_by and len(entry.exempt) > 20, label
            else:
                assert entry.organisation and entry.scopes() <= set(Scope.values), label
                str(access.org_written_filter(world.keyworker_mh, model.objects.all()).query)

    def test_an_undeclared_model_is_refused_and_an_exempt_one_has_its_own_rule(self, world):
        from dualcare.people.models import Team

        with pytest.raises(LookupError):
            access.org_written_filter(world.keyworker_mh, Team.objects.all())
        with pytest.raises(ValueError):
            access.org_written_filter(world.keyworker_mh, ServiceUser.objects.all())


# ---------------------------------------------------------------------------
# (c) Per declared model: organisation A writes about Sam; B (involved) sees it only with consent


def _plan_entry(section, **fields):
    def make(world):
        return careplans_services.entry_add(
            service_user=world.service_user, section=section, by=world.keyworker_mh, **fields
        )

    return make


def _enrolment(world):
    assess_sam(world)
    cohort = cohorts_services.cohort_create(
        by=world.linkworker_mh,
        name="North dual diagnosis",
        start=timezone.localdate() - dt.timedelta(days=30),
    )
    return cohorts_services.cohort_enrol(
        cohort=cohort, service_user=world.service_user, by=world.linkworker_mh
    )


def _satisfaction(world):
    from outcomes import services

    return services.satisfaction_record(service_user=world.service_user, by=world.keyworker_mh, answer="good")


def _schedule(world):
    return contacts_services.supervised_consumption_start(
        by=world.keyworker_mh,
        service_user=world.service_user,
        pharmacy_team=world.pharmacy_team,
        prescribing_team=world.cmht_north,
        medicine="Methadone oral solution 1 mg/ml",
        dose="40",
        start=timezone.localdate() + dt.timedelta(days=1),
    )


def _outcome_event(world):
    contact = appointment(world)
    contacts_services.contact_record(contact=contact, by=world.keyworker_mh, outcome="attended")
    return contact.outcome_events.get()


def _conversation(kind):
    def make(world):
        from conversations import services

        return services.conversation_start(
            service_user=world.service_user,
            by=world.keyworker_mh,
            kind=kind,
            subject="Housing and the depot",
            text="Who is seeing Sam this week?",
            teams=[world.cmht_north],
        )

    return make


def _incident(kind):
    def make(world):
        from dualcare.safety.incidents import services

        return services.incident_report(
            service_user=world.service_user,
            by=world.keyworker_mh,
            kind=kind,
            harm="none",
            title="Two scripts nearly issued",
            occurred_on=timezone.localdate(),
            what_happened="Both services started a prescription.",
        )

    return make


def _risk_assessment(world):
    from dualcare.safety import services
    from dualcare.safety.models import Domain, Level

    return services.risk_assessment_record(
        service_user=world.service_user,
        by=world.keyworker_mh,
        assessed_on=timezone.localdate(),
        domains=[
            services.DomainInput(
                domain=Domain.OVERDOSE, level=Level.HIGH, evidence="Released last week.", plan="Daily pick-up"
            )
        ],
        person_view="I feel safer since moving.",
    )


def _safety_flag(world):
    from dualcare.safety import services
    from dualcare.safety.models import FlagCode

    return services.safety_flag_raise(
        service_user=world.service_user,
        by=world.keyworker_mh,
        code=FlagCode.OVERDOSE,
        warning="Overdose risk: recent release from prison",
        reason="Released last week; tolerance low.",
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )


def _removal_request(world):
    from dualcare.safety import services

    # Before its review date a removal is a request a second person must confirm.
    _, request = services.safety_flag_remove(
        flag=_safety_flag(world), by=world.keyworker_mh, reason="Settled on a stable dose."
    )
    return request


def _dialog_plus(world):
    """Issue 20: DIALOG+ for an item the person wants more help with, by the CMHT."""
    from outcomes import services as outcome_services

    rating = outcome_services.dialog_record(
        service_user=world.service_user,
        by=world.keyworker_mh,
        rated_on=dt.date.today() - dt.timedelta(days=1),
        items=[4] * 11,
        more_help=[3],
    )
    return outcome_services.dialog_plus_record(
        rating=rating,
        by=world.keyworker_mh,
        item=3,
        understanding="Work stopped.",
        looking_forward="Some hours.",
        options="Volunteering.",
        actions=[outcome_services.AgreedAction(text="Visit the workshop")],
    )


def _signpost(world):
    from directory import signposting

    return signposting.signpost_record(
        service_user=world.service_user,
        team=world.cmht_north,
        by=world.keyworker_mh,
        occasion="involvement_ended",
        other="The GP's social prescriber",
    )


MAKERS = {
    # Issue 18: where the CMHT pointed Sam when its care ended is aftercare, the care plan's scope.
    "directory.signpost": _signpost,
    # Issue 19: risk assessments (and their domains), safety flags (and their events and
    # removal requests) are the risk scope.
    "safety.riskassessment": _risk_assessment,
    "safety.domainrating": lambda world: _risk_assessment(world).ratings.get(),
    "safety.safetyflag": _safety_flag,
    "safety.flagevent": lambda world: _safety_flag(world).events.get(),
    "safety.removalrequest": _removal_request,
    # Issue 19: an incident or near miss is the risk scope, a complaint the care plan's.
    "incidents.incident": _incident("near_miss"),
    "incidents.incident:complaint": _incident("complaint"),
    "conversations.conversation": _conversation("general"),
    "conversations.conversation:risk": _conversation("risk"),
    "conversations.message": lambda world: _conversation("contacts")(world).messages.get(),
    "cohorts.quadrantassessment": assess_sam,
    "cohorts.enrolment": _enrolment,
    "outcomes.honosrating": lambda world: make_honos(world, by=world.keyworker_mh),
    "outcomes.topform": lambda world: make_top(world, by=world.keyworker_mh),
    "outcomes.dialograting": lambda world: make_dialog(world, by=world.keyworker_mh),
    "outcomes.satisfactionresponse": _satisfaction,
    "outcomes.dialogplusdiscussion": _dialog_plus,
    "contacts.contact": lambda world: appointment(world),
    "contacts.contactoutcomeevent": _outcome_event,
    "contacts.supervisedconsumption": _schedule,
    "careplans.planentry": _plan_entry("goal", text="Cut down to weekends", domain="drug_alcohol"),
    "careplans.planentry:risk": _plan_entry(
        "risk", text="Overdose after release", recorded_on=dt.date(2026, 1, 5)
    ),
}


def test_every_consent_scoped_model_has_a_maker():
    scoped = {label for label, entry in access.ORG_WRITTEN.items() if not entry.exempt}
    assert scoped == {key.split(":")[0] for key in MAKERS}


@pytest.mark.parametrize("key", sorted(MAKERS))
def test_another_organisation_sees_a_record_only_with_consent_of_its_scope(key, world):
    writer, reader = world.keyworker_mh, world.keyworker_sm  # organisation A (CMHT), B (drug and alcohol)
    withdraw_all(world, world.sm)
    record = MAKERS[key](world)
    entry = access.org_written(record)
    model = type(record)
    scope = entry.scope_of(getattr(record, entry.scope_by[0]) if entry.scope_by else None)

    def sees(user):
        found = access.org_written_filter(user, model.objects.filter(pk=record.pk)).exists()
        assert found == access.can_view_org_written(user, record)
        return found

    assert sees(writer)  # own organisation's, whatever the consent
    assert not sees(reader)
    assert not sees(world.outsider) and not sees(world.orgadmin_mh)
    for other in set(Scope.values) - {scope}:
        consent(world, world.sm, other)
    assert not sees(reader), f"{key} shown to another organisation by consent of another scope"
    consent(world, world.sm, scope)
    assert sees(reader)
    # Consent to an organisation that is not involved shows nothing to its staff.
    consent(world, world.charity, scope)
    assert not sees(world.outsider)
