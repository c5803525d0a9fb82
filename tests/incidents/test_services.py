"""Incidents' writes (issue 19 items 3 and 9): the serious-incident alert exactly once, the review
actions' reminders exactly once, the review and the close, and clear refusals."""

import datetime as dt

import pytest

from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.models import Notification
from dualcare.people import services as people
from dualcare.people.models import Consent, Scope
from dualcare.safety.incidents import services
from dualcare.safety.incidents.models import Harm, Incident, Kind, State

pytestmark = pytest.mark.django_db


def serious_alerts(incident):
    return Notification.objects.filter(event_key=f"incident.serious:{incident.pk}", channel="in_app")


class SeriousIncidentAlertTests:
    def test_a_serious_incident_alerts_the_managers_of_every_organisation_in_it_once(self, world, report):
        people.consent_record(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.RISK,
            by=world.keyworker_mh,
            method=Consent.Method.WRITTEN,
        )
        incident = report(kind=Kind.INCIDENT, harm=Harm.SEVERE, title="Overdose after release")
        told = set(serious_alerts(incident).values_list("recipient__username", flat=True))
        assert told == {"manager.mh", "manager.sm"}
        # A retry of the alert (a second worker, a replayed task) tells nobody again.
        assert services.incident_alert_serious(incident=incident) == 0
        Incident.objects.filter(pk=incident.pk).update(serious_alerted_at=None)
        services.incident_alert_serious(incident=incident)  # even with the claim lost, the outbox key holds
        assert serious_alerts(incident).count() == 2

    def test_the_alert_names_nobody(self, world, report):
        incident = report(kind=Kind.INCIDENT, harm=Harm.MODERATE)
        for row in Notification.objects.filter(event_key=f"incident.serious:{incident.pk}"):
            assert "Sam" not in row.subject + row.body and "Testwell" not in row.subject + row.body

    def test_an_organisation_without_consent_is_not_told(self, world, report):
        incident = report(kind=Kind.INCIDENT, harm=Harm.FATAL)
        assert set(serious_alerts(incident).values_list("recipient__username", flat=True)) == {"manager.mh"}

    def test_low_and_no_harm_alert_nobody(self, world, report):
        for harm in (Harm.NONE, Harm.LOW):
            incident = report(kind=Kind.INCIDENT, harm=harm)
            assert not serious_alerts(incident).exists()
            assert incident.serious_alerted_at is None


class ReviewTests:
    def test_actions_lessons_and_close(self, world, report):
        incident = report()
        action = services.incident_action_add(
            incident=incident,
            by=world.keyworker_mh,
            text="Agree one prescriber",
            owner_organisation=world.mh,
            due_date=world.today + dt.timedelta(days=7),
        )
        incident.refresh_from_db()
        assert incident.state == State.REVIEW
        with pytest.raises(ApplicationError) as refused:
            services.incident_close(incident=incident, by=world.manager_mh, summary="Done")
        assert refused.value.field == "closure_summary"
        services.incident_action_complete(action=action, by=world.keyworker_mh)
        with pytest.raises(StateConflict):
            services.incident_action_complete(action=action, by=world.keyworker_mh)
        services.incident_lessons_record(
            incident=incident, by=world.manager_mh, lessons_learned="One prescriber"
        )
        services.incident_close(incident=incident, by=world.manager_mh, summary="Resolved with the GP.")
        incident.refresh_from_db()
        assert incident.state == State.CLOSED and incident.closed_at and incident.closure_summary
        with pytest.raises(StateConflict):
            services.incident_lessons_record(incident=incident, by=world.manager_mh, lessons_learned="More")

    def test_the_owner_must_be_an_organisation_in_it(self, world, report):
        incident = report()  # not shared with the drug and alcohol service (no risk consent)
        with pytest.raises(ApplicationError) as refused:
            services.incident_action_add(
                incident=incident,
                by=world.keyworker_mh,
                text="x",
                owner_organisation=world.sm,
                due_date=world.today,
            )
        assert refused.value.field == "owner_organisation"

    def test_only_a_manager_closes(self, world, report):
        from dualcare.access import Refused

        incident = report()
        with pytest.raises(Refused):
            services.incident_close(incident=incident, by=world.keyworker_mh, summary="x")

    def test_bad_input_is_a_field_error(self, world, report):
        cases = {
            "harm": {"harm": "catastrophic"},
            "kind": {"kind": "rumour"},
            "title": {"title": "   "},
            "occurred_on": {"occurred_on": world.today + dt.timedelta(days=1)},
            "what_happened": {"what_happened": ""},
        }
        for field, overrides in cases.items():
            with pytest.raises(ApplicationError) as refused:
                report(**overrides)
            assert refused.value.field == field
        with pytest.raises(ApplicationError) as refused:
            report(harm=Harm.LOW)  # a near miss caused no harm
        assert refused.value.field == "harm"
        assert not Incident.objects.exists()


class ReminderTests:
    def test_a_due_action_is_reminded_once_to_its_organisations_managers(self, world, report):
        incident = report()
        action = services.incident_action_add(
            incident=incident,
            by=world.keyworker_mh,
            text="Check the script",
            owner_organisation=world.mh,
            due_date=world.today + dt.timedelta(days=3),
        )
        assert services.incidents_remind_actions_due(today=world.today) == 0
        later = world.today + dt.timedelta(days=3)
        assert services.incidents_remind_actions_due(today=later) == 1
        assert services.incidents_remind_actions_due(today=later) == 0
        rows = Notification.objects.filter(event_key=f"incident.action_due:{action.pk}", channel="in_app")
        assert list(rows.values_list("recipient__username", flat=True)) == ["manager.mh"]

    def test_a_done_action_is_not_reminded(self, world, report):
        incident = report()
        action = services.incident_action_add(
            incident=incident,
            by=world.keyworker_mh,
            text="x",
            owner_organisation=world.mh,
            due_date=world.today,
        )
        services.incident_action_complete(action=action, by=world.keyworker_mh)
        assert services.incidents_remind_actions_due(today=world.today + dt.timedelta(days=1)) == 0
