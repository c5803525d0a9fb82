"""Risk assessments and flags written through the services (issue 19): their rules, the
two-person removal, the review reminders once, and the missed-collection prompt once per run."""

import datetime as dt

import pytest

from dualcare.audit.models import AuditEvent
from dualcare.contacts import services as contacts
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.safety import services
from dualcare.safety.models import (
    Domain,
    FlagEvent,
    Level,
    OverdosePrompt,
    RemovalRequest,
    ReviewReminder,
    RiskAssessment,
    SafetyFlag,
)
from tests.contacts.helpers import collection, schedule

pytestmark = pytest.mark.django_db


def told(kind) -> set[str]:
    return set(
        Notification.objects.filter(kind=kind, channel="in_app").values_list("recipient__username", flat=True)
    )


class RiskAssessmentTests:
    def test_it_records_each_domain_with_the_person_view_and_a_reminder(self, world, assess):
        assessment = assess()
        assert assessment.person_view == "I feel safer since moving."
        assert dict(assessment.ratings.values_list("domain", "level")) == {
            Domain.OVERDOSE: Level.HIGH,
            Domain.TO_SELF: Level.MEDIUM,
        }
        assert ReviewReminder.objects.get(assessment=assessment).due_on == assessment.review_due
        assert AuditEvent.objects.filter(action="safety.risk_assessment.record").count() == 1

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"assessed_on": dt.date.today() + dt.timedelta(days=2)}, "assessed_on"),
            ({"review_due": dt.date.today()}, "review_due"),
            ({"domains": []}, "domains"),
            ({"domains": [services.DomainInput("nonsense", "high", "x")]}, "domains"),
            ({"domains": [services.DomainInput(Domain.OVERDOSE, "extreme", "x")]}, "overdose_level"),
            ({"domains": [services.DomainInput(Domain.OVERDOSE, "high", "  ")]}, "overdose_evidence"),
        ],
    )
    def test_it_refuses_bad_input_naming_the_field_and_writes_nothing(self, world, change, field):
        arguments = {
            "service_user": world.service_user,
            "by": world.keyworker_mh,
            "assessed_on": world.today,
            "domains": [services.DomainInput(Domain.OVERDOSE, Level.HIGH, "Evidence")],
            **change,
        }
        with pytest.raises(ApplicationError) as refused:
            services.risk_assessment_record(**arguments)
        assert refused.value.field == field
        assert not RiskAssessment.objects.exists()

    def test_a_new_assessment_ends_the_organisations_earlier_reminder(self, world, assess):
        first = assess(on=world.today - dt.timedelta(days=10))
        assess()
        assert ReviewReminder.objects.get(assessment=first).cancelled_at is not None

    def test_the_review_reminder_is_sent_once_however_often_the_beat_runs(self, world, assess):
        assessment = assess()
        due = assessment.review_due
        assert services.safety_reminders_send(today=due - dt.timedelta(days=1)) == 0
        assert services.safety_reminders_send(today=due) == 1
        assert services.safety_reminders_send(today=due) == 0
        assert told("safety.review_due") == {"keyworker.mh"}
        assert Notification.objects.filter(kind="safety.review_due", channel="in_app").count() == 1


class FlagRemovalTests:
    def test_removing_early_is_a_request_the_flag_staying_until_confirmed(self, world, raise_flag):
        flag = raise_flag()
        flag, request = services.safety_flag_remove(flag=flag, by=world.keyworker_mh, reason="Engaging well")
        assert request.state == RemovalRequest.State.PENDING
        assert SafetyFlag.objects.get(pk=flag.pk).is_active
        # The linkworker of the same team is told and may confirm.
        assert "linkworker.mh" in told("safety.flag_removal_request")
        services.safety_flag_removal_decide(request=request, by=world.linkworker_mh, confirm=True)
        flag.refresh_from_db()
        assert flag.status == SafetyFlag.Status.REMOVED
        assert flag.removed_by == world.keyworker_mh
        assert flag.removal_confirmed_by == world.linkworker_mh
        assert AuditEvent.objects.filter(
            action="safety.flag.removal_confirm", actor=world.linkworker_mh
        ).exists()
        assert ReviewReminder.objects.get(flag=flag).cancelled_at is not None

    def test_the_requester_cannot_confirm_their_own_request(self, world, raise_flag):
        _, request = services.safety_flag_remove(
            flag=raise_flag(), by=world.keyworker_mh, reason="Engaging well"
        )
        with pytest.raises(ApplicationError) as refused:
            services.safety_flag_removal_decide(request=request, by=world.keyworker_mh, confirm=True)
        assert refused.value.field == "decision"
        assert SafetyFlag.objects.get().is_active

    def test_another_organisation_cannot_confirm(self, world, raise_flag, share_risk):
        share_risk(world.sm)
        _, request = services.safety_flag_remove(
            flag=raise_flag(), by=world.keyworker_mh, reason="Engaging well"
        )
        from dualcare.access.denials import Refused

        with pytest.raises(Refused):
            services.safety_flag_removal_decide(request=request, by=world.keyworker_sm, confirm=True)
        assert SafetyFlag.objects.get().is_active

    def test_a_turned_down_request_keeps_the_flag(self, world, raise_flag):
        _, request = services.safety_flag_remove(
            flag=raise_flag(), by=world.keyworker_mh, reason="Engaging well"
        )
        services.safety_flag_removal_decide(
            request=request, by=world.linkworker_mh, confirm=False, note="Too soon"
        )
        assert SafetyFlag.objects.get().is_active
        assert FlagEvent.objects.filter(kind=FlagEvent.Kind.REMOVAL_REFUSED).exists()

    def test_one_person_removes_it_on_its_review_date(self, world, raise_flag):
        flag = raise_flag(review_in=0)
        flag, request = services.safety_flag_remove(
            flag=flag, by=world.keyworker_mh, reason="Reviewed: no longer"
        )
        assert request is None
        assert flag.status == SafetyFlag.Status.REMOVED

    def test_another_organisation_cannot_change_the_flag(self, world, raise_flag, share_risk):
        from dualcare.access.denials import Refused

        share_risk(world.sm)
        flag = raise_flag()
        with pytest.raises(Refused):
            services.safety_flag_remove(flag=flag, by=world.keyworker_sm, reason="Not ours")
        with pytest.raises(Refused):
            services.safety_flag_review(
                flag=flag, by=world.keyworker_sm, review_on=world.today + dt.timedelta(days=9)
            )

    def test_a_review_moves_the_reminder(self, world, raise_flag):
        flag = raise_flag()
        later = world.today + dt.timedelta(days=60)
        services.safety_flag_review(flag=flag, by=world.keyworker_mh, review_on=later)
        pending = ReviewReminder.objects.filter(flag=flag, sent_at__isnull=True, cancelled_at__isnull=True)
        assert list(pending.values_list("due_on", flat=True)) == [later]

    def test_a_bad_review_date_names_the_field(self, world, raise_flag):
        with pytest.raises(ApplicationError) as refused:
            raise_flag(review_in=-1)
        assert refused.value.field == "review_on"
        assert not SafetyFlag.objects.exists()


class OverduePromptTests:
    def _miss(self, world, sched, days_ago):
        contact = collection(world, sched, world.today - dt.timedelta(days=days_ago))
        contacts.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        return contact

    def test_it_prompts_a_review_once_per_run_of_misses(self, world, raise_flag, settings):
        settings.SAFETY_OVERDOSE_REVIEW_AFTER_MISSES = 2
        flag = raise_flag()
        sched = schedule(world)
        self._miss(world, sched, 5)
        assert not OverdosePrompt.objects.exists()
        self._miss(world, sched, 4)
        self._miss(world, sched, 3)  # the same run, longer: no second prompt
        prompt = OverdosePrompt.objects.get()
        assert prompt.flag == flag and prompt.misses == 2
        assert Notification.objects.filter(kind="safety.overdose_review", channel="in_app").count() == len(
            told("safety.overdose_review")
        )
        # The prescriber's team and the CMHT key worker (whose organisation raised the flag).
        assert {"keyworker.sm", "keyworker.mh"} <= told("safety.overdose_review")
        assert FlagEvent.objects.filter(kind=FlagEvent.Kind.REVIEW_PROMPTED).count() == 1

    def test_a_collection_ends_the_run_and_a_new_run_prompts_again(self, world, raise_flag, settings):
        settings.SAFETY_OVERDOSE_REVIEW_AFTER_MISSES = 2
        raise_flag()
        sched = schedule(world)
        self._miss(world, sched, 6)
        self._miss(world, sched, 5)
        attended = collection(world, sched, world.today - dt.timedelta(days=4))
        contacts.contact_record(contact=attended, by=world.pharmacist, outcome="attended")
        self._miss(world, sched, 3)
        assert OverdosePrompt.objects.count() == 1
        self._miss(world, sched, 2)
        assert OverdosePrompt.objects.count() == 2
