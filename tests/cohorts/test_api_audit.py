"""/api/v1/quadrant-assessments/: every read of a person's assessments is audited (access rule 6).

An assessment read by id: one row for its person; a hidden or missing one: a 404 and a denied
row. A page of the list: one row per distinct person on it, in a constant number of queries.
"""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cohorts import services
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.people import services as people_services
from dualcare.people.models import StaffRole
from tests.factories import as_user, person, staff

pytestmark = pytest.mark.django_db

QA = "/api/v1/quadrant-assessments/"


def assess(world, someone, *, days_ago=1, by=None):
    return services.quadrant_assess(
        service_user=someone,
        mental_health_severity="high",
        substance_use_severity="low",
        rationale="Reviewed at the team meeting.",
        by=by or world.keyworker_mh,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )


def reads():
    """Audit rows of reads through this API (the world and the assessments write their own)."""
    return AuditEvent.objects.filter(action__in=["quadrant.view", "quadrant.list"])


def names_nobody(event, *people):
    text = str(event.detail)
    assert set(event.detail) <= {"records", "requested_id"}
    for someone in people:
        for value in (someone.given_name, someone.family_name, someone.nhs_number):
            assert value not in text


class RetrieveAuditTests:
    def test_reading_an_assessment_writes_one_row_for_its_person(self, api, world):
        assessment = assess(world, world.service_user)
        # The CMHT's assessment reaches the drug and alcohol service by Sam's outcomes consent.
        people_services.consent_record(
            service_user=world.service_user, organisation=world.sm, scope="outcomes", by=world.keyworker_mh
        )
        response = as_user(api, world.keyworker_sm).get(f"{QA}{assessment.pk}/")
        assert response.status_code == 200
        event = reads().get()
        assert event.action == "quadrant.view" and event.outcome == AuditEvent.Outcome.ALLOWED
        assert event.actor == world.keyworker_sm and event.organisation == world.sm
        assert event.service_user == world.service_user
        assert (event.target_type, event.target_id) == ("cohorts.quadrantassessment", str(assessment.pk))
        names_nobody(event, world.service_user)

    def test_an_assessment_of_a_hidden_person_is_a_404_and_a_denied_row(self, api, world):
        assessment = assess(world, world.mh_only)
        assert as_user(api, world.keyworker_sm).get(f"{QA}{assessment.pk}/").status_code == 404
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.action == "quadrant.view"
        assert event.actor == world.keyworker_sm and event.organisation == world.sm
        assert event.service_user == world.mh_only
        assert event.detail == {"requested_id": str(assessment.pk)}
        names_nobody(event, world.mh_only)

    def test_a_missing_assessment_is_a_denied_row_naming_nobody(self, api, world):
        missing = uuid.uuid4()
        assert as_user(api, world.keyworker_mh).get(f"{QA}{missing}/").status_code == 404
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.service_user is None


class ListAuditTests:
    def test_a_page_writes_one_row_per_person_on_it(self, api, world):
        assess(world, world.service_user, days_ago=3)
        assess(world, world.service_user, days_ago=1)
        assess(world, world.mh_only)
        assert as_user(api, world.keyworker_mh).get(QA).json()["count"] == 3
        events = reads()
        assert sorted((e.service_user_id, e.detail["records"]) for e in events) == sorted(
            [(world.service_user.pk, 2), (world.mh_only.pk, 1)]
        )
        for event in events:
            assert event.action == "quadrant.list" and event.outcome == AuditEvent.Outcome.ALLOWED
            assert event.actor == world.keyworker_mh and event.organisation == world.mh
            assert event.target_type == "cohorts.quadrantassessment"
            names_nobody(event, world.service_user, world.mh_only)

    def test_the_organisation_is_the_one_acting_for_each_person(self, api, world):
        assess(world, world.service_user)
        assess(world, world.south_only, by=world.keyworker_mh_south)
        assert as_user(api, world.manager_mh).get(QA).json()["count"] == 2
        events = reads()
        assert events.count() == 2
        for event in events:
            assert event.organisation == access.acting_organisation(world.manager_mh, event.service_user)

    def test_someone_in_two_organisations_acts_for_the_one_involved_with_each_person(self, api, world):
        both = staff("keyworker.both", world.cmht_north, StaffRole.Role.KEY_WORKER)
        people_services.staff_role_add(user=both, team=world.sm_team, role=StaffRole.Role.KEY_WORKER)
        assess(world, world.mh_only)
        assess(world, world.sm_only, by=world.keyworker_sm)
        assert as_user(api, both).get(QA).json()["count"] == 2
        organisations = dict(reads().values_list("service_user", "organisation"))
        assert organisations == {world.mh_only.pk: world.mh.pk, world.sm_only.pk: world.sm.pk}

    def test_n_people_write_n_rows_in_a_constant_number_of_queries(
        self, api, world, django_assert_num_queries
    ):
        client = as_user(api, world.keyworker_mh)
        assess(world, world.service_user)
        with django_assert_num_queries(4) as first:  # page (2), roles, one insert
            client.get(QA)
        people = [
            person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"Listed{n}") for n in range(6)
        ]
        for someone in people:
            assess(world, someone)
        before = reads().count()
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(QA).json()["count"] == 7
        assert reads().count() - before == 7
        listed = set(reads().filter(action="quadrant.list").values_list("service_user", flat=True))
        assert listed == {world.service_user.pk, *(someone.pk for someone in people)}

    def test_a_list_filtered_to_a_hidden_person_is_a_denied_row(self, api, world):
        assess(world, world.mh_only)
        body = as_user(api, world.keyworker_sm).get(QA, {"service_user": str(world.mh_only.pk)}).json()
        assert body["count"] == 0
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.action == "quadrant.list"
        assert event.service_user == world.mh_only and event.actor == world.keyworker_sm
        names_nobody(event, world.mh_only)

    def test_a_list_filtered_to_a_visible_person_with_none_writes_nothing(self, api, world):
        body = as_user(api, world.keyworker_mh).get(QA, {"service_user": str(world.mh_only.pk)}).json()
        assert body["count"] == 0
        assert not reads().exists()
