"""/api/v1/care-plans/: list (service_user filter), detail, publish, versions, pdf; roles and query counts."""

import pytest

from careplans import services
from careplans.models import PlanVersion
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope
from tests.factories import as_user, person

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db

URL = "/api/v1/care-plans/"


@pytest.fixture
def plan(world):
    shared_plan(world)
    return publish(world)


def _plan_id(world):
    from careplans.models import CarePlan

    return str(CarePlan.objects.get(service_user=world.service_user).pk)


class ListTests:
    @pytest.mark.parametrize(
        "role,count",
        [
            ("keyworker_mh", 1),
            ("keyworker_sm", 1),
            ("manager_mh", 1),
            ("keyworker_mh_south", 0),
            ("outsider", 0),
            ("pharmacist", 0),
            ("orgadmin_mh", 0),
        ],
    )
    def test_it_lists_plans_of_people_the_caller_may_see(self, world, plan, api, role, count):
        response = as_user(api, getattr(world, role)).get(URL)
        assert response.status_code == 200
        assert response.json()["count"] == count

    def test_it_refuses_anonymous_callers(self, world, plan, api):
        assert api.get(URL).status_code in (401, 403)

    def test_it_filters_by_service_user(self, world, plan, api):
        as_user(api, world.keyworker_mh)
        row = api.get(URL, {"service_user": str(world.service_user.pk)}).json()["results"][0]
        assert row["current_version"] == 1 and row["agreed"] is False and row["review_overdue"] is False
        assert api.get(URL, {"service_user": str(world.mh_only.pk)}).json()["count"] == 0
        assert api.get(URL, {"service_user": "nope"}).json() == {"service_user": ["Give an id (a UUID)."]}

    def test_it_pins_the_query_count_whatever_the_rows(self, world, plan, api, django_assert_num_queries):
        as_user(api, world.keyworker_mh)
        api.get(URL)
        import django.db
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(django.db.connection) as one:
            api.get(URL)
        for index in range(5):
            someone = person(world.cmht_north, given_name=f"P{index}")
            services.entry_add(
                service_user=someone, section="what_matters", by=world.keyworker_mh, text="Words"
            )
            services.careplan_publish(service_user=someone, by=world.keyworker_mh)
        with django_assert_num_queries(len(one.captured_queries)):
            assert api.get(URL).json()["count"] == 6


class DetailTests:
    def test_it_shows_the_entries_the_caller_may_see(self, world, plan, api):
        as_user(api, world.keyworker_sm)
        body = api.get(f"{URL}{_plan_id(world)}/").json()
        risk = next(section for section in body["sections"] if section["section"] == "risk")
        assert [entry["organisation"] for entry in risk["entries"]] == [world.sm.name]
        assert risk["hidden_entries"] == 1
        goal = next(section for section in body["sections"] if section["section"] == "goal")
        assert goal["entries"][0]["may_edit"] is False

    @pytest.mark.parametrize("role", ["keyworker_mh_south", "outsider", "pharmacist", "orgadmin_mh"])
    def test_it_is_a_404_for_staff_who_cannot_see_the_record(self, world, plan, api, role):
        plan_id = _plan_id(world)
        as_user(api, getattr(world, role))
        for suffix in ("", "versions/", "pdf/"):
            assert api.get(f"{URL}{plan_id}/{suffix}").status_code == 404
        assert api.post(f"{URL}{plan_id}/publish/", {}, format="json").status_code == 404

    def test_it_hides_another_organisations_entries_after_withdrawal(self, world, plan, api):
        consent = Consent.objects.get(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.CARE_PLAN,
            withdrawn_at__isnull=True,
        )
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        body = as_user(api, world.keyworker_sm).get(f"{URL}{_plan_id(world)}/").json()
        organisations = {e["organisation"] for s in body["sections"] for e in s["entries"]}
        assert organisations == {world.sm.name}


class ActionTests:
    def test_it_publishes_and_lists_versions(self, world, plan, api):
        as_user(api, world.keyworker_sm)
        response = api.post(f"{URL}{_plan_id(world)}/publish/", {"review_due": "2001-01-01"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"review_due": ["The review date must be in the future."]}
        response = api.post(f"{URL}{_plan_id(world)}/publish/", {}, format="json")
        assert response.status_code == 201
        assert response.json()["number"] == 2 and response.json()["organisation"] == world.sm.name
        versions = api.get(f"{URL}{_plan_id(world)}/versions/").json()
        assert [v["number"] for v in versions["results"]] == [2, 1]

    def test_it_refuses_publishing_by_a_reader_who_is_not_involved(self, world, plan, api):
        response = as_user(api, world.manager_mh).post(f"{URL}{_plan_id(world)}/publish/", {}, format="json")
        assert response.status_code == 403
        assert PlanVersion.objects.count() == 1

    def test_it_serves_the_pdf_when_ready(self, world, plan, api):
        people_services.consent_record(
            service_user=world.service_user, organisation=world.mh, scope=Scope.RISK, by=world.keyworker_sm
        )
        as_user(api, world.keyworker_mh)
        url = f"{URL}{_plan_id(world)}/pdf/"
        pending = api.get(url)
        assert pending.status_code == 202 and "being prepared" in pending.json()["detail"]
        services.version_render_pdf(PlanVersion.objects.get().pk)
        ready = api.get(url)
        assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
        assert b"".join(ready.streaming_content).startswith(b"%PDF")
        assert api.get(url, {"version": 7}).status_code == 404

    def test_it_refuses_the_pdf_without_consent_to_all_of_it(self, world, plan, api):
        services.version_render_pdf(PlanVersion.objects.get().pk)
        assert as_user(api, world.keyworker_sm).get(f"{URL}{_plan_id(world)}/pdf/").status_code == 403
