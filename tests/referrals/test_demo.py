"""The demo referrals: every state, some overdue, a signposted decline, a completed handover."""

import pytest
from django.utils import timezone

from dualcare.notifications.models import Notification
from referrals.demo import build_referrals
from referrals.models import Handover, Referral, State

pytestmark = pytest.mark.django_db


class DemoReferralTests:
    def test_it_loads_referrals_in_every_state_once(self, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py): build_referrals ran in it
        referrals = list(Referral.objects.all())
        assert {r.state for r in referrals} == set(State.values)
        now = timezone.now()
        assert sum(r.is_overdue(now) for r in referrals) >= 2
        declined = next(r for r in referrals if r.state == State.DECLINED)
        assert declined.signposting_service and declined.decline_reason
        assert Handover.objects.filter(referral__state__in=[State.ACCEPTED, State.CLOSED]).count() == 2
        for referral in referrals:
            if referral.state != State.DRAFT:
                assert referral.sent_at < now and referral.acknowledge_due_at > referral.sent_at
        assert Notification.objects.filter(kind="referral.acknowledge_overdue").exists()
        count = len(referrals)
        build_referrals(demo)
        assert Referral.objects.count() == count
