"""Care-plan measures for the dashboards: per team and month, counts and shares, nobody named."""

import datetime as dt

import pytest
from django.utils import timezone

from careplans import services
from careplans.models import PlanVersion
from careplans.selectors import care_plan_measures
from tests.factories import person

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db


class MeasuresTests:
    def test_it_counts_published_agreed_multi_agency_and_on_time_plans(
        self, world, django_assert_num_queries
    ):
        today = timezone.localdate()
        shared_plan(world)  # Sam: North CMHT and the Recovery Team both write
        version = publish(world)
        services.agreement_record(version=version, by=world.service_user_login, kind="agreed")
        # Alex: North CMHT only, published but the review date has passed.
        services.entry_add(
            service_user=world.mh_only, section="what_matters", by=world.keyworker_mh, text="Home"
        )
        alex = services.careplan_publish(service_user=world.mh_only, by=world.keyworker_mh)
        PlanVersion.objects.filter(pk=alex.pk).update(review_due=today - dt.timedelta(days=1))
        # Someone else in North CMHT has no plan at all.
        person(world.cmht_north, given_name="Nia", family_name="Noplan")

        with django_assert_num_queries(3):  # teams given as a list: involvements, versions, answers
            rows = care_plan_measures(teams=[world.cmht_north, world.sm_team], start=today, end=today)
        north = next(row for row in rows if row["team"] == "North CMHT")
        # Sam, Alex and Nia are active with North CMHT.
        assert (north["active"], north["published"], north["agreed"]) == (3, 2, 1)
        assert (north["multi_agency"], north["reviewed_on_time"]) == (1, 1)
        assert north["agreed_share"] == round(1 / 3, 4)
        recovery = next(row for row in rows if row["team"] == "Recovery Team")
        # Sam and Jo (sm_only).
        assert (recovery["active"], recovery["published"], recovery["agreed"]) == (2, 1, 1)

    def test_it_measures_each_month_as_it_was_then(self, world):
        today = timezone.localdate()
        shared_plan(world)
        version = publish(world)
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        rows = care_plan_measures(teams=[world.sm_team], start=last_month.replace(day=1), end=today)
        assert [row["published"] for row in rows] == [0, 1]
        assert rows[0]["month"] == last_month.replace(day=1)
        assert version.number == 1
