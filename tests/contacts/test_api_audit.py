"""/api/v1/contacts/: every read of a person's contacts is audited (DESIGN.md access rule 6).

A contact read by id: one row for its person (access.get_contact_or_404); a hidden one: a 404
and a denied row. A page of the list: one row per distinct person on it, in constant queries.
"""

import uuid

import pytest

from dualcare import access
from dualcare.audit.models import AuditEvent
from tests.factories import as_user, person

from .helpers import appointment

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def reads():
    """Audit rows of reads through this API (the world and the contacts write their own)."""
    return AuditEvent.objects.filter(action__in=["contact.view", "contact.list"])


def names_nobody(event, *people):
    text = str(event.detail)
    assert set(event.detail) <= {"records", "requested_id"}
    for someone in people:
        for value in (someone.given_name, someone.family_name, someone.nhs_number):
            assert value not in text


class RetrieveAuditTests:
    def test_reading_a_contact_writes_one_row_for_its_person(self, api, world):
        contact = appointment(world)
        assert as_user(api, world.keyworker_mh).get(f"{URL}{contact.pk}/").status_code == 200
        event = reads().get()
        assert event.action == "contact.view" and event.outcome == AuditEvent.Outcome.ALLOWED
        assert event.actor == world.keyworker_mh and event.organisation == world.mh
        assert event.service_user == world.service_user
        assert (event.target_type, event.target_id) == ("contacts.contact", str(contact.pk))
        names_nobody(event, world.service_user)

    def test_a_hidden_contact_is_a_404_and_a_denied_row(self, api, world):
        contact = appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
        assert as_user(api, world.keyworker_mh).get(f"{URL}{contact.pk}/").status_code == 404
        missing = uuid.uuid4()
        assert as_user(api, world.keyworker_mh).get(f"{URL}{missing}/").status_code == 404
        events = reads().order_by("at")
        assert [(e.outcome, e.service_user, e.detail) for e in events] == [
            (AuditEvent.Outcome.DENIED, world.sm_only, {"requested_id": str(contact.pk)}),
            (AuditEvent.Outcome.DENIED, None, {"requested_id": str(missing)}),
        ]
        assert {e.actor for e in events} == {world.keyworker_mh}


class ListAuditTests:
    def test_a_page_writes_one_row_per_person_on_it(self, api, world):
        appointment(world, hours=-3)
        appointment(world, hours=2)
        appointment(world, person=world.mh_only)
        assert as_user(api, world.keyworker_mh).get(URL).json()["count"] == 3
        events = reads()
        assert sorted((e.service_user_id, e.detail["records"]) for e in events) == sorted(
            [(world.service_user.pk, 2), (world.mh_only.pk, 1)]
        )
        for event in events:
            assert event.action == "contact.list" and event.outcome == AuditEvent.Outcome.ALLOWED
            assert event.actor == world.keyworker_mh and event.organisation == world.mh
            assert event.target_type == "contacts.contact"
            names_nobody(event, world.service_user, world.mh_only)

    def test_the_organisation_is_the_one_acting_for_each_person(self, api, world):
        appointment(world)
        appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
        # The shared person's appointment is the mental health team's, seen by consent.
        assert as_user(api, world.manager_sm).get(URL).json()["count"] == 2
        events = reads()
        assert dict(events.values_list("service_user", "organisation")) == {
            world.service_user.pk: world.sm.pk,
            world.sm_only.pk: world.sm.pk,
        }
        for event in events:
            assert event.organisation == access.acting_organisation(world.manager_sm, event.service_user)

    def test_n_people_write_n_rows_in_a_constant_number_of_queries(
        self, api, world, django_assert_num_queries
    ):
        client = as_user(api, world.keyworker_mh)
        appointment(world)
        with django_assert_num_queries(4) as first:  # page (2), roles, one insert
            client.get(URL)
        people = [
            person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"Listed{n}") for n in range(6)
        ]
        for someone in people:
            appointment(world, person=someone)
        before = reads().count()
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(URL).json()["count"] == 7
        assert reads().count() - before == 7
        listed = set(reads().filter(action="contact.list").values_list("service_user", flat=True))
        assert listed == {world.service_user.pk, *(someone.pk for someone in people)}

    def test_a_list_filtered_to_a_hidden_person_is_a_denied_row(self, api, world):
        appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
        body = as_user(api, world.keyworker_mh).get(URL, {"service_user": str(world.sm_only.pk)}).json()
        assert body["count"] == 0
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.action == "contact.list"
        assert event.service_user == world.sm_only and event.actor == world.keyworker_mh
        assert event.detail == {"requested_id": str(world.sm_only.pk)}

    def test_a_list_filtered_to_a_visible_person_with_none_writes_nothing(self, api, world):
        body = as_user(api, world.keyworker_mh).get(URL, {"service_user": str(world.mh_only.pk)}).json()
        assert body["count"] == 0
        assert not reads().exists()
