"""Referral measures for the dashboards: per team and month, aggregates only."""

import datetime as dt

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import Referral
from referrals.selectors import referral_measures
from tests.factories import person

from .helpers import make_referral

pytestmark = pytest.mark.django_db


class MeasuresTests:
    def test_it_counts_sent_received_times_declines_signposting_and_overdue(self, world):
        people = [person(world.sm_team, given_name=f"M{n}", family_name="Measure") for n in range(4)]
        referrals = [make_referral(world, service_user=p) for p in people]
        sent = timezone.now() - dt.timedelta(hours=30)
        Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(sent_at=sent)
        services.referral_acknowledge(referral=referrals[0], by=world.keyworker_mh)
        services.referral_accept(referral=referrals[0], by=world.keyworker_mh)
        services.referral_decline(
            referral=referrals[1],
            by=world.keyworker_mh,
            reason="Not for us.",
            signposting_service="Testshire Talking Therapies",
        )
        Referral.objects.filter(pk=referrals[2].pk).update(
            acknowledge_due_at=timezone.now() - dt.timedelta(hours=1)
        )

        rows = referral_measures(
            teams=[world.cmht_north, world.sm_team], start=sent.date(), end=timezone.localdate()
        )
        by_team = {row["team"]: row for row in rows}
        north, recovery = by_team["North CMHT"], by_team["Recovery Team"]
        assert recovery["sent"] == 4 and recovery["received"] == 0
        assert north["received"] == 4 and north["sent"] == 0
        assert north["acknowledge_hours_median"] == pytest.approx(30, abs=0.1)
        assert north["decide_hours_p90"] == pytest.approx(30, abs=0.1)
        assert north["declined_share"] == 0.5  # one of the two decided
        assert north["signposted_share"] == 1.0
        assert north["overdue"] == 1
        assert "Measure" not in str(rows)  # aggregates only, nobody named

    def test_its_query_count_does_not_grow(self, world, django_assert_num_queries):
        for n in range(5):
            make_referral(world, service_user=person(world.sm_team, given_name=f"Q{n}", family_name="Count"))
        with django_assert_num_queries(1):
            referral_measures(teams=[world.cmht_north], start=timezone.localdate(), end=timezone.localdate())
