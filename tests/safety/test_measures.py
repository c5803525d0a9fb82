"""The safety measures for the dashboards: in-date risk assessments and flags reviewed on time,
in a constant number of queries (the weekly store's equality with them is test_weekly_values')."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.dashboards.measures import definitions, week_of
from dualcare.safety import measures, services
from dualcare.safety.models import ReviewReminder

pytestmark = pytest.mark.django_db


class SafetyMeasureTests:
    def test_it_gives_the_share_of_the_teams_people_with_an_in_date_assessment(
        self, world, assess, django_assert_num_queries
    ):
        assess()  # Sam, by the North CMHT; Alex (mh_only) has none
        week = week_of(world.today)
        with django_assert_num_queries(3):
            values = measures.weekly_measures([world.cmht_north.pk], week, week)
        cell = values["safety.risk_assessment_in_date"][(None, week)]
        assert (cell.value, cell.n) == (50.0, 2)
        assert "safety.risk_assessment_in_date" in definitions()

    def test_an_assessment_past_its_review_date_is_not_in_date(self, world, assess):
        assess(on=world.today - dt.timedelta(days=200))  # reviewed by 6 months: past
        week = week_of(world.today)
        values = measures.weekly_measures([world.cmht_north.pk], week, week, group="team")
        assert values["safety.risk_assessment_in_date"][(world.cmht_north.pk, week)].value == 0.0

    def test_it_gives_the_share_of_flag_reviews_done_before_they_fell_due(self, world, raise_flag):
        reviewed, missed = raise_flag(review_in=3), raise_flag(review_in=3)
        services.safety_flag_review(
            flag=reviewed, by=world.keyworker_mh, review_on=world.today + dt.timedelta(days=60)
        )
        # Both fell due three days ago (as if raised earlier): one reviewed by then, one not.
        due = world.today - dt.timedelta(days=1)
        ReviewReminder.objects.filter(
            flag__in=[reviewed, missed], due_on=world.today + dt.timedelta(days=3)
        ).update(due_on=due)
        ReviewReminder.objects.filter(flag=reviewed, due_on=due).update(
            cancelled_at=timezone.now() - dt.timedelta(days=2)
        )
        week = week_of(due)
        values = measures.weekly_measures([world.cmht_north.pk], week, week, group="organisation")
        cell = values["safety.flags_reviewed_on_time"][(world.mh.pk, week)]
        assert (cell.value, cell.n) == (50.0, 2)
