"""Care-plan reviews due remind the key workers of every involved team, once per review date."""

import datetime as dt

import pytest

from careplans import services
from careplans.models import CarePlan
from dualcare.notifications.models import Notification

from .helpers import shared_plan

pytestmark = pytest.mark.django_db


class ReviewReminderTests:
    def test_it_reminds_every_involved_key_worker_once_when_the_review_is_due(self, world):
        shared_plan(world)
        services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        plan = CarePlan.objects.get(service_user=world.service_user)
        assert services.careplans_remind_reviews_due(today=plan.review_due - dt.timedelta(days=1)) == 0

        assert services.careplans_remind_reviews_due(today=plan.review_due) == 1
        assert services.careplans_remind_reviews_due(today=plan.review_due + dt.timedelta(days=3)) == 0
        reminders = Notification.objects.filter(kind="careplan.review_due")
        assert {n.recipient for n in reminders} == {world.keyworker_mh, world.keyworker_sm}
        assert all(world.service_user.family_name not in n.subject + n.body for n in reminders)

    def test_it_leaves_unpublished_plans_alone(self, world):
        shared_plan(world)
        assert services.careplans_remind_reviews_due(today=world.today + dt.timedelta(days=400)) == 0
