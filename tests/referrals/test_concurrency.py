"""Two people acting on one referral at once cannot both win."""

import os
import threading

import pytest
from django.db import connection, connections

from dualcare.exceptions import ApplicationError
from dualcare.people.models import Involvement
from referrals import services
from referrals.models import Referral, ReferralEvent, State

from .helpers import make_referral

DECLINE = {
    "reason": "Not for us.",
    "signposting_service": "Testshire Talking Therapies",
    "signposting_next_steps": "Self-refer online.",
}


@pytest.mark.django_db
class StaleInstanceTests:
    def test_a_decline_on_a_stale_copy_after_an_accept_is_refused(self, world):
        referral = make_referral(world)
        first_copy = Referral.objects.get(pk=referral.pk)
        second_copy = Referral.objects.get(pk=referral.pk)
        services.referral_accept(referral=first_copy, by=world.keyworker_mh)
        assert second_copy.state == State.SENT  # what the second person's screen still shows
        with pytest.raises(ApplicationError) as refused:
            services.referral_decline(referral=second_copy, by=world.linkworker_mh, **DECLINE)
        assert "is accepted" in refused.value.message
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED and referral.decline_reason == ""
        assert list(referral.events.values_list("to_state", flat=True)) == ["draft", "sent", "accepted"]

    def test_a_withdraw_on_a_stale_copy_after_a_decline_is_refused(self, world):
        referral = make_referral(world)
        stale = Referral.objects.get(pk=referral.pk)
        services.referral_decline(referral=referral, by=world.keyworker_mh, **DECLINE)
        with pytest.raises(ApplicationError):
            services.referral_withdraw(referral=stale, by=world.keyworker_sm)
        referral.refresh_from_db()
        assert referral.state == State.DECLINED


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="A real race needs row locks: run with DATABASE_URL pointing at PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class RaceTests:
    def test_concurrent_accept_and_decline_leave_exactly_one_winner(self, world):
        assert connection.vendor == "postgresql"
        referral = make_referral(world)
        barrier = threading.Barrier(2)
        outcomes = []

        def act(action):
            try:
                stale = Referral.objects.get(pk=referral.pk)
                barrier.wait()
                if action == "accept":
                    services.referral_accept(referral=stale, by=world.keyworker_mh)
                else:
                    services.referral_decline(referral=stale, by=world.linkworker_mh, **DECLINE)
                outcomes.append(("won", action))
            except ApplicationError:
                outcomes.append(("refused", action))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=act, args=(a,)) for a in ("accept", "decline")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(o[0] for o in outcomes) == ["refused", "won"]
        winner = next(action for result, action in outcomes if result == "won")
        referral.refresh_from_db()
        assert referral.state == (State.ACCEPTED if winner == "accept" else State.DECLINED)
        assert (
            ReferralEvent.objects.filter(referral=referral, to_state__in=["accepted", "declined"]).count()
            == 1
        )
        involved = Involvement.objects.filter(service_user=world.sm_only, team=world.cmht_north).exists()
        assert involved == (winner == "accept")
