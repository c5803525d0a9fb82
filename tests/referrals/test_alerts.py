"""Overdue referrals raise one alert per breach for the receiving team's managers."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.notifications.models import Notification
from dualcare.people.models import StaffRole
from dualcare.people.services import staff_role_add
from referrals import services
from referrals.models import Referral

from .helpers import make_referral

pytestmark = pytest.mark.django_db


def overdue_rows(referral, step):
    return Notification.objects.filter(event_key=f"referral:{referral.pk}:{step}_overdue")


class OverdueAlertTests:
    def test_it_alerts_the_receiving_teams_manager_once_per_breach_however_often_it_runs(self, world):
        staff_role_add(user=world.manager_mh, team=world.cmht_north, role=StaffRole.Role.TEAM_MANAGER)
        referral = make_referral(world, urgency="emergency")
        later = referral.acknowledge_due_at + dt.timedelta(minutes=1)
        assert services.referrals_raise_overdue_alerts(now=later) == 1
        assert services.referrals_raise_overdue_alerts(now=later) == 0
        assert services.referrals_raise_overdue_alerts(now=later + dt.timedelta(hours=1)) == 0
        rows = overdue_rows(referral, "acknowledge")
        assert {row.recipient for row in rows} == {world.manager_mh}
        assert set(rows.values_list("channel", flat=True)) == {"in_app", "email"}
        row = rows.get(channel="in_app")
        assert row.url == f"/referrals/{referral.pk}/"
        # No personal data in the alert: a link to the referral, not the person's name.
        assert "Mockridge" not in row.subject + row.body and "Jo " not in row.subject + row.body

    def test_it_raises_a_separate_alert_when_the_decision_is_overdue_too(self, world):
        staff_role_add(user=world.manager_mh, team=world.cmht_north, role=StaffRole.Role.TEAM_MANAGER)
        referral = make_referral(world, urgency="emergency")
        services.referral_acknowledge(referral=referral, by=world.keyworker_mh)
        after_decide = referral.decide_due_at + dt.timedelta(minutes=1)
        assert services.referrals_raise_overdue_alerts(now=after_decide) == 1  # acknowledged in time
        assert overdue_rows(referral, "decide").filter(channel="in_app").count() == 1
        assert not overdue_rows(referral, "acknowledge").exists()
        assert services.referrals_raise_overdue_alerts(now=after_decide) == 0

    def test_it_raises_nothing_before_the_deadline_or_once_decided(self, world):
        referral = make_referral(world, urgency="emergency")
        assert services.referrals_raise_overdue_alerts(now=referral.acknowledge_due_at) == 0
        services.referral_accept(referral=referral, by=world.keyworker_mh)
        assert services.referrals_raise_overdue_alerts(now=timezone.now() + dt.timedelta(days=60)) == 0
        assert not Notification.objects.filter(kind__endswith="_overdue").exists()

    def test_it_falls_back_to_the_organisations_managers_when_the_team_has_none(self, world):
        # North CMHT has no manager of its own; manager.mh manages South CMHT in the same trust.
        referral = make_referral(world, urgency="emergency")
        services.referrals_raise_overdue_alerts(now=referral.acknowledge_due_at + dt.timedelta(seconds=1))
        assert {row.recipient for row in overdue_rows(referral, "acknowledge")} == {world.manager_mh}

    def test_it_shows_the_referral_as_overdue(self, world):
        referral = make_referral(world, urgency="emergency")
        assert not referral.is_overdue()
        assert referral.is_overdue(referral.acknowledge_due_at + dt.timedelta(seconds=1))
        assert referral.next_due_at == referral.acknowledge_due_at

    def test_the_beat_task_runs_the_scan(self, world):
        from referrals.tasks import referrals_raise_overdue_alerts

        referral = make_referral(world, urgency="emergency")
        Referral.objects.filter(pk=referral.pk).update(
            acknowledge_due_at=timezone.now() - dt.timedelta(hours=1)
        )
        assert referrals_raise_overdue_alerts.apply().get() == 1
        assert referrals_raise_overdue_alerts.apply().get() == 0


class NobodyToTellTests:
    def test_it_tells_the_teams_own_staff_when_the_organisation_has_no_manager(self, world):
        # Peer Support (the charity) has no manager at all: its key worker hears instead.
        referral = make_referral(
            world, service_user=world.sm_only, to_team=world.charity_team, urgency="emergency"
        )
        services.referrals_raise_overdue_alerts(now=referral.acknowledge_due_at + dt.timedelta(seconds=1))
        assert {row.recipient for row in overdue_rows(referral, "acknowledge")} == {world.outsider}
