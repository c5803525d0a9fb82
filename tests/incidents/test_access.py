"""Who reads an incident (issue 19 items 6 and 9): each access case, on the selector, the page and
the services alike; reads and refusals audited."""

import pytest
from django.urls import reverse

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.people import services as people
from dualcare.people.models import Consent, Involvement, Scope
from dualcare.safety.incidents import selectors, services
from dualcare.safety.incidents.models import Harm, Kind

pytestmark = pytest.mark.django_db


def can_read(user, incident) -> bool:
    return selectors.incidents_visible_to(user).filter(pk=incident.pk).exists()


def give_risk_consent(world, organisation):
    people.consent_record(
        service_user=world.service_user,
        organisation=organisation,
        scope=Scope.RISK,
        by=world.keyworker_mh,
        method=Consent.Method.WRITTEN,
    )


class IncidentAccessTests:
    def test_it_lets_the_reporting_organisation_read(self, world, report):
        incident = report()
        for user in (world.keyworker_mh, world.linkworker_mh, world.manager_mh):
            assert can_read(user, incident)

    def test_it_hides_it_from_another_organisation_without_risk_consent(self, world, report):
        # Sam agreed to share the care plan and contacts with the drug and alcohol service, not risk.
        incident = report()
        assert not can_read(world.keyworker_sm, incident)
        assert not can_read(world.manager_sm, incident)

    def test_it_shares_it_with_another_organisation_with_risk_consent(self, world, report):
        incident = report()
        give_risk_consent(world, world.sm)
        assert can_read(world.keyworker_sm, incident)
        assert world.sm.pk in access.incident_organisation_ids(
            service_user_id=world.service_user.pk, kind=incident.kind, reporter_id=world.mh.pk
        )

    def test_withdrawing_consent_hides_it_at_once(self, world, report):
        incident = report()
        give_risk_consent(world, world.sm)
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.RISK
        )
        people.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert not can_read(world.keyworker_sm, incident)

    def test_a_complaint_follows_the_care_plan_consent(self, world, report):
        # The drug and alcohol service holds Sam's care-plan consent: it reads a complaint, not a near miss.
        complaint = report(kind=Kind.COMPLAINT, title="Appointment letters to the old address")
        near_miss = report()
        assert can_read(world.keyworker_sm, complaint)
        assert not can_read(world.keyworker_sm, near_miss)

    def test_the_pharmacy_reads_its_own_not_the_trusts(self, world, report):
        # The pharmacy holds Sam's contacts consent only: risk information does not reach it.
        incident = report()
        give_risk_consent(world, world.pharmacy_org)
        assert not can_read(world.pharmacist, incident)
        own = services.incident_report(
            by=world.pharmacist,
            team=world.pharmacy_team,
            kind=Kind.INCIDENT,
            harm=Harm.NONE,
            title="Dispensary door left unlocked",
            occurred_on=world.today,
            what_happened="Found open at 8am.",
        )
        assert can_read(world.pharmacist, own)
        assert not can_read(world.keyworker_mh, own)

    def test_the_person_the_carer_the_admin_and_the_outsider_read_none(self, world, report):
        incident = report()
        for user in (world.service_user_login, world.carer, world.orgadmin_mh, world.outsider):
            assert not can_read(user, incident)

    def test_an_ended_involvement_hides_it_from_the_team(self, world, report):
        give_risk_consent(world, world.sm)
        incident = report()
        involvement = Involvement.objects.get(
            service_user=world.service_user, team=world.sm_team, end__isnull=True
        )
        people.involvement_end(involvement=involvement, reason="discharged", by=world.keyworker_sm)
        assert not can_read(world.keyworker_sm, incident)

    def test_a_team_only_incident_stays_in_its_organisation(self, world):
        incident = services.incident_report(
            by=world.keyworker_mh,
            kind=Kind.INCIDENT,
            harm=Harm.LOW,
            title="Visitor shouted in reception",
            occurred_on=world.today,
            what_happened="A visitor shouted at the receptionist.",
        )
        assert incident.service_user is None and incident.team == world.cmht_north
        for user in (world.keyworker_mh, world.keyworker_mh_south, world.manager_mh):
            assert can_read(user, incident)
        for user in (
            world.keyworker_sm,
            world.manager_sm,
            world.pharmacist,
            world.orgadmin_mh,
            world.outsider,
        ):
            assert not can_read(user, incident)

    def test_it_refuses_a_team_that_is_not_the_reporters(self, world):
        with pytest.raises(ApplicationError) as refused:
            services.incident_report(
                by=world.keyworker_mh,
                team=world.sm_team,
                kind=Kind.INCIDENT,
                harm=Harm.LOW,
                title="Not mine",
                occurred_on=world.today,
                what_happened="x",
            )
        assert refused.value.field == "team"

    def test_it_refuses_a_person_the_reporter_does_not_work_with(self, world):
        with pytest.raises(access.Hidden):
            services.incident_report(
                by=world.keyworker_sm,
                service_user=world.mh_only,
                kind=Kind.INCIDENT,
                harm=Harm.LOW,
                title="Not theirs",
                occurred_on=world.today,
                what_happened="x",
            )


class IncidentPageAccessTests:
    def test_the_page_is_a_404_to_those_who_may_not_read_it_and_both_are_audited(self, world, report, login):
        incident = report()
        url = reverse("incidents:detail", args=[incident.pk])
        assert login(world.keyworker_mh).get(url).status_code == 200
        assert AuditEvent.objects.filter(
            action="incident.view",
            outcome="allowed",
            service_user=world.service_user,
            actor=world.keyworker_mh,
        ).exists()
        for user in (world.keyworker_sm, world.pharmacist, world.outsider):
            assert login(user).get(url).status_code == 404
        denied = AuditEvent.objects.filter(
            action="incident.view", outcome="denied", service_user=world.service_user
        )
        assert denied.count() == 3

    def test_the_person_and_the_carer_are_refused(self, world, report, login):
        incident = report()
        url = reverse("incidents:detail", args=[incident.pk])
        for user in (world.service_user_login, world.carer):
            assert login(user).get(url).status_code in (403, 404)
