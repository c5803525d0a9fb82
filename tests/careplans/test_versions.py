"""Publishing: immutable numbered versions, compare, review dates, agreement."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied

from careplans import selectors, services
from careplans.models import Agreement, CarePlan, PlanVersion
from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification

from .helpers import fresh, publish, shared_plan

pytestmark = pytest.mark.django_db


class PublishingTests:
    def test_it_publishes_a_numbered_version_with_date_and_contributors(self, world):
        shared_plan(world)
        version = publish(world)
        assert version.number == 1
        assert version.review_due == world.today + relativedelta(months=6)
        names = [org["name"] for org in version.contributors]
        assert world.mh.name in names and world.sm.name in names
        wrote = {org["name"]: org["wrote_entries"] for org in version.contributors}
        assert wrote[world.mh.name] and wrote[world.sm.name] and not wrote[world.pharmacy_org.name]
        assert version.entries("goal")[0]["fields"]["domain"] == "Mental health"
        plan = CarePlan.objects.get(service_user=world.service_user)
        assert plan.current_version_number == 1 and not plan.has_unpublished_changes
        # The person hears there is a new version to read.
        assert Notification.objects.filter(
            recipient=world.service_user_login, kind="careplan.published"
        ).exists()

    def test_it_keeps_a_published_version_unchanged(self, world):
        entries = shared_plan(world)
        version = publish(world)
        services.entry_update(
            entry=entries["what_matters"], by=world.keyworker_mh, expected_version=1, text="My dog, Biscuit."
        )
        version = PlanVersion.objects.get(pk=version.pk)
        assert version.entries("what_matters")[0]["fields"]["text"] == "Seeing my daughter every weekend."
        with pytest.raises(ValueError):
            version.save()
        assert fresh(entries["what_matters"]).text == "My dog, Biscuit."
        assert CarePlan.objects.get().has_unpublished_changes
        second = publish(world, by=world.keyworker_sm)
        assert second.number == 2
        assert second.published_by_organisation == world.sm

    def test_it_refuses_an_empty_plan_and_bad_review_dates(self, world):
        with pytest.raises(ApplicationError):
            publish(world)
        shared_plan(world)
        for bad in (world.today, world.today - dt.timedelta(days=1), world.today + relativedelta(months=13)):
            with pytest.raises(ApplicationError) as refused:
                publish(world, review_due=bad)
            assert refused.value.field == "review_due"
        assert not PlanVersion.objects.exists()
        with pytest.raises(PermissionDenied):
            publish(world, by=world.manager_mh)

    def test_it_shows_review_overdue(self, world):
        shared_plan(world)
        publish(world, review_due=world.today + dt.timedelta(days=1))
        plan = CarePlan.objects.get()
        assert not plan.review_overdue()
        assert plan.review_overdue(world.today + dt.timedelta(days=2))

    def test_it_compares_two_versions_section_by_section(self, world):
        entries = shared_plan(world)
        first = publish(world)
        services.entry_update(
            entry=entries["goal"],
            by=world.keyworker_mh,
            expected_version=1,
            text="I want to sleep through the night.",
            domain="mental_health",
            target_date=None,
            progress="Better since the new routine.",
        )
        services.entry_remove(entry=entries["what_matters"], by=world.keyworker_mh, expected_version=1)
        services.entry_add(
            service_user=world.service_user,
            section="discharge",
            by=world.keyworker_sm,
            text="Six-week check-in.",
        )
        second = publish(world)
        acc = access.care_plan_access(world.keyworker_mh, world.service_user)
        changes = dict(selectors.compare(acc, first, second))
        goal = changes["My goals"][0]
        assert goal.kind == "changed"
        assert ("Progress", "", "Better since the new routine.") in goal.rows
        target = world.today + dt.timedelta(days=90)
        assert ("Target date", f"{target.day} {target:%B %Y}", "") in goal.rows
        assert changes["What matters to me"][0].kind == "removed"
        assert changes["Discharge and aftercare"][0].kind == "added"
        assert changes["Crisis and relapse-prevention plan"] == []


class AgreementTests:
    def test_it_records_the_persons_agreement_in_the_portal(self, world):
        shared_plan(world)
        version = publish(world)
        assert selectors.agreement_status(version).state == "waiting"
        services.agreement_record(version=version, by=world.service_user_login, kind="agreed")
        status = selectors.agreement_status(version)
        assert status.agreed and status.answer.method == Agreement.Method.PORTAL
        # Key workers hear of it.
        assert Notification.objects.filter(recipient=world.keyworker_sm, kind="careplan.agreed").exists()

    def test_it_needs_the_persons_words_for_changes(self, world):
        shared_plan(world)
        version = publish(world)
        with pytest.raises(ApplicationError) as refused:
            services.agreement_record(
                version=version, by=world.service_user_login, kind="changes", comment=" "
            )
        assert refused.value.field == "comment"
        services.agreement_record(
            version=version,
            by=world.service_user_login,
            kind="changes",
            comment="Add my sister as a contact.",
        )
        assert selectors.agreement_status(version).state == "changes"

    def test_it_records_in_person_agreement_by_staff(self, world):
        shared_plan(world)
        version = publish(world)
        services.agreement_record(version=version, by=world.keyworker_sm, kind="agreed")
        status = selectors.agreement_status(version)
        assert status.agreed and status.answer.method == Agreement.Method.IN_PERSON
        with pytest.raises(PermissionDenied):
            services.agreement_record(version=version, by=world.manager_mh, kind="agreed")

    def test_it_lets_the_carer_record_views_only_when_allowed(self, world):
        from dualcare.people import services as people_services

        shared_plan(world)
        version = publish(world)
        services.agreement_record(
            version=version, by=world.carer, kind="carer_views", comment="He needs more support."
        )
        with pytest.raises(PermissionDenied):
            services.agreement_record(version=version, by=world.carer, kind="agreed")
        people_services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        from django.http import Http404

        with pytest.raises(Http404):
            services.agreement_record(version=version, by=world.carer, kind="carer_views", comment="Again")
        assert len(selectors.agreement_status(version).carer_views) == 1

    def test_it_answers_only_the_current_version(self, world):
        shared_plan(world)
        first = publish(world)
        publish(world)
        with pytest.raises(ApplicationError):
            services.agreement_record(version=first, by=world.service_user_login, kind="agreed")

    def test_it_shows_a_new_version_as_not_yet_agreed(self, world):
        shared_plan(world)
        first = publish(world)
        services.agreement_record(version=first, by=world.service_user_login, kind="agreed")
        second = publish(world)
        assert selectors.agreement_status(second).state == "waiting"

    def test_it_refuses_another_persons_answer(self, world):
        from django.http import Http404

        shared_plan(world)
        version = publish(world)
        from dualcare.people import services as people_services

        other = people_services.portal_login_create(
            service_user=world.mh_only,
            username="alex",
            email="alex@example.invalid",
            by=world.keyworker_mh,
            password=world.password,
        )
        with pytest.raises(Http404):
            services.agreement_record(version=version, by=other, kind="agreed")
        assert not Agreement.objects.exists()
