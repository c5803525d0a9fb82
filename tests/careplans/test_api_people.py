"""/api/v1/care-plans/ for a service user's and a carer's token: exactly what their portal
pages show (the same rule: access.care_plans_visible_to and care_plan_access), read only."""

import pytest
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from careplans import selectors, services
from careplans.models import CarePlan, PlanVersion
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.people import services as people_services
from tests.factories import person

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db

URL = "/api/v1/care-plans/"


@pytest.fixture
def plan(world):
    shared_plan(world)
    publish(world)
    return CarePlan.objects.get(service_user=world.service_user)


@pytest.fixture
def other_plan(world):
    services.entry_add(service_user=world.mh_only, section="what_matters", by=world.keyworker_mh, text="Mine")
    services.careplan_publish(service_user=world.mh_only, by=world.keyworker_mh)
    return CarePlan.objects.get(service_user=world.mh_only)


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _portal_plan_ids(user) -> set:
    """The plans the portal shows: the person's own (my_plan), the carer's granted (carer_plans)."""
    if user.kind == user.Kind.SERVICE_USER:
        people = [access.service_user_of(user)]
    else:
        people = [p for p in access.cared_for_by(user) if access.care_plan_access(user, p).can_view]
    return {str(selectors.plan_of(p).pk) for p in people if selectors.plan_of(p)}


def _entry_ids(body) -> set:
    return {entry["id"] for section in body["sections"] for entry in section["entries"]}


def _portal_entry_ids(user, plan, reader) -> set:
    acc = access.care_plan_access(user, plan.service_user)
    version = selectors.current_version(plan)
    return {e["id"] for view in selectors.version_sections(acc, version, reader=reader) for e in view.entries}


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
def test_the_list_is_the_plans_the_portal_shows(world, plan, other_plan, role):
    user = getattr(world, role)
    body = client(user).get(URL).json()
    assert {row["id"] for row in body["results"]} == _portal_plan_ids(user) == {str(plan.pk)}
    rows = AuditEvent.objects.filter(action="careplan.list", actor=user)
    assert list(rows.values_list("service_user_id", flat=True)) == [world.service_user.pk]


def test_a_carer_without_the_care_plan_grant_sees_no_plan(world, plan):
    people_services.carer_permission_revoke(
        carer=world.carer_link, scope="care_plan", by=world.service_user_login
    )
    api = client(world.carer)
    assert api.get(URL).json()["count"] == 0 == len(_portal_plan_ids(world.carer))
    assert api.get(f"{URL}{plan.pk}/").status_code == 404


def test_the_person_reads_their_published_plan_not_the_draft(world, plan):
    draft = services.entry_add(
        service_user=world.service_user,
        section="what_matters",
        by=world.keyworker_mh,
        text="Not yet published",
    )
    body = client(world.service_user_login).get(f"{URL}{plan.pk}/").json()
    ids = _entry_ids(body)
    assert ids == _portal_entry_ids(world.service_user_login, plan, "person")
    assert len(ids) == 6 and str(draft.pk) not in ids
    labels = {section["section"]: section["label"] for section in body["sections"]}
    assert labels["what_matters"] == "What matters to you"


def test_the_carer_reads_only_what_their_page_shows(world, plan):
    body = client(world.carer).get(f"{URL}{plan.pk}/").json()
    assert [section["section"] for section in body["sections"]] == ["crisis"]
    assert _entry_ids(body) == _portal_entry_ids(world.carer, plan, "carer") != set()


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
def test_another_persons_plan_is_a_404_audited_as_denied(world, plan, other_plan, role):
    api = client(getattr(world, role))
    for suffix in ("", "versions/", "pdf/"):
        assert api.get(f"{URL}{other_plan.pk}/{suffix}").status_code == 404
    denied = AuditEvent.objects.filter(
        actor=getattr(world, role), outcome=AuditEvent.Outcome.DENIED, service_user=world.mh_only
    )
    assert denied.count() == 3


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
def test_they_cannot_publish(world, plan, role):
    response = client(getattr(world, role)).post(f"{URL}{plan.pk}/publish/", {}, format="json")
    assert response.status_code == 403
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_the_person_reads_their_versions_and_pdf_the_carer_neither(world, plan):
    services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
    api = client(world.service_user_login)
    versions = api.get(f"{URL}{plan.pk}/versions/").json()
    assert [row["number"] for row in versions["results"]] == [2, 1]
    assert api.get(f"{URL}{plan.pk}/pdf/").status_code == 202
    services.version_render_pdf(PlanVersion.objects.get(plan=plan, number=2).pk)
    ready = api.get(f"{URL}{plan.pk}/pdf/")
    assert ready.status_code == 200 and b"".join(ready.streaming_content).startswith(b"%PDF")
    carer = client(world.carer)
    assert carer.get(f"{URL}{plan.pk}/versions/").status_code == 404
    assert carer.get(f"{URL}{plan.pk}/pdf/").status_code == 404


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
@pytest.mark.parametrize(
    "path", ["referrals/", "organisations/", "cohorts/", "quadrant-assessments/", "link-workers/"]
)
def test_staff_only_endpoints_stay_refused(world, role, path):
    assert client(getattr(world, role)).get(f"/api/v1/{path}").status_code in (403, 404)


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
def test_the_list_query_count_is_constant(world, plan, role, django_assert_num_queries):
    import django.db

    api = client(getattr(world, role))
    api.get(URL)
    with CaptureQueriesContext(django.db.connection) as one:
        api.get(URL)
    for index in range(4):
        someone = person(world.cmht_north, given_name=f"P{index}")
        services.entry_add(service_user=someone, section="what_matters", by=world.keyworker_mh, text="Words")
        services.careplan_publish(service_user=someone, by=world.keyworker_mh)
    with django_assert_num_queries(len(one.captured_queries)):
        assert api.get(URL).json()["count"] == 1
