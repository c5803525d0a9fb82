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

    def test_it_leaves_the_plans_of_people_nobody_key_works_any_more_alone(self, world):
        from dualcare.people.models import Involvement

        shared_plan(world)
        services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        plan = CarePlan.objects.get(service_user=world.service_user)
        Involvement.objects.filter(service_user=world.service_user).update(end=plan.review_due)
        assert services.careplans_remind_reviews_due(today=plan.review_due) == 0
        assert not Notification.objects.filter(kind="careplan.review_due").exists()

    def test_finding_the_work_takes_the_same_queries_however_many_plans_are_due(
        self, world, django_assert_num_queries
    ):
        shared_plan(world)
        services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        plan = CarePlan.objects.get(service_user=world.service_user)
        assert services.careplans_remind_reviews_due(today=plan.review_due) == 1
        # Everything already sent: three queries (involvements, plans, sent keys), nothing written.
        with django_assert_num_queries(3):
            assert services.careplans_remind_reviews_due(today=plan.review_due) == 0


class SweepTests:
    def test_the_pdf_sweep_leaves_versions_older_than_a_week_to_be_rendered_on_request(self, world):
        from unittest import mock

        from django.utils import timezone

        from careplans.models import PlanVersion

        shared_plan(world)
        services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        version = PlanVersion.objects.get(plan__service_user=world.service_user)
        PlanVersion.objects.filter(pk=version.pk).update(pdf="")
        with mock.patch.object(services, "queue_pdf") as queued:
            PlanVersion.objects.filter(pk=version.pk).update(
                published_at=timezone.now() - dt.timedelta(days=2)
            )
            assert services.versions_render_missing_pdfs() == 1
            queued.assert_called_once_with(version.pk)
            PlanVersion.objects.filter(pk=version.pk).update(
                published_at=timezone.now() - dt.timedelta(days=8)
            )
            assert services.versions_render_missing_pdfs() == 0
