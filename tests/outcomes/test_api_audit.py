"""/api/v1/outcomes/: every read of a person's forms is audited (DESIGN.md access rule 6).

A form read by id: one row for its person; a hidden or missing one: a 404 and a denied row.
A page of a list: one row per distinct person on it, written in a constant number of queries.
"""

import uuid

import pytest

from dualcare import access
from dualcare.audit.models import AuditEvent
from tests.factories import as_user, person

from .helpers import days_ago, make_dialog, make_honos, make_top

pytestmark = pytest.mark.django_db

BASE = "/api/v1/outcomes/"


def reads():
    """Audit rows of reads through this API (the world and the forms made write their own rows)."""
    return AuditEvent.objects.filter(action__regex=r"^outcomes\.[a-z]+\.(view|list)$")


def names_nobody(event, *people):
    """The row's detail holds ids and counts only: no name or NHS number of anyone."""
    text = str(event.detail)
    assert set(event.detail) <= {"records", "requested_id"}
    for someone in people:
        for value in (someone.given_name, someone.family_name, someone.nhs_number):
            assert value not in text


class RetrieveAuditTests:
    def test_reading_a_form_writes_one_row_for_its_person(self, api, world):
        rating = make_honos(world)
        response = as_user(api, world.keyworker_mh).get(f"{BASE}honos/{rating.pk}/")
        assert response.status_code == 200
        event = reads().get()
        assert event.action == "outcomes.honos.view" and event.outcome == AuditEvent.Outcome.ALLOWED
        assert event.actor == world.keyworker_mh and event.organisation == world.mh
        assert event.service_user == world.service_user
        assert (event.target_type, event.target_id) == ("outcomes.honosrating", str(rating.pk))
        names_nobody(event, world.service_user)

    @pytest.mark.parametrize(
        "path, make, action, reader, organisation",
        [
            ("top", make_top, "outcomes.top.view", "keyworker_sm", "sm"),
            ("dialog", make_dialog, "outcomes.dialog.view", "keyworker_mh", "mh"),
        ],
    )
    def test_each_instrument_names_its_own_read(self, api, world, path, make, action, reader, organisation):
        record = make(world)
        user = getattr(world, reader)
        assert as_user(api, user).get(f"{BASE}{path}/{record.pk}/").status_code == 200
        assert list(reads().values_list("action", "service_user", "actor", "organisation")) == [
            (action, world.service_user.pk, user.pk, getattr(world, organisation).pk)
        ]

    def test_a_form_the_caller_may_not_see_is_a_404_and_a_denied_row(self, api, world):
        rating = make_honos(world)  # the mental health trust's; no outcomes consent for the others
        for user in (world.keyworker_sm, world.outsider):
            response = as_user(api, user).get(f"{BASE}honos/{rating.pk}/")
            assert response.status_code == 404
        events = reads().order_by("at")
        assert [(e.actor, e.outcome, e.service_user) for e in events] == [
            (world.keyworker_sm, AuditEvent.Outcome.DENIED, world.service_user),
            (world.outsider, AuditEvent.Outcome.DENIED, world.service_user),
        ]
        assert events[0].organisation == world.sm and events[0].detail == {"requested_id": str(rating.pk)}
        assert events[1].organisation == world.charity
        for event in events:
            names_nobody(event, world.service_user)

    def test_a_missing_form_is_a_denied_row_naming_nobody(self, api, world):
        missing = uuid.uuid4()
        assert as_user(api, world.keyworker_mh).get(f"{BASE}honos/{missing}/").status_code == 404
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.service_user is None
        assert event.detail == {"requested_id": str(missing)}


class ListAuditTests:
    def test_a_page_writes_one_row_per_person_on_it(self, api, world):
        make_honos(world)
        make_honos(world, rated_on=days_ago(5), stage="review")
        make_honos(world, service_user=world.mh_only)
        response = as_user(api, world.keyworker_mh).get(f"{BASE}honos/")
        assert response.json()["count"] == 3
        events = reads()
        assert sorted((e.service_user_id, e.detail["records"]) for e in events) == sorted(
            [(world.service_user.pk, 2), (world.mh_only.pk, 1)]
        )
        for event in events:
            assert event.action == "outcomes.honos.list" and event.outcome == AuditEvent.Outcome.ALLOWED
            assert event.actor == world.keyworker_mh and event.organisation == world.mh
            assert event.target_type == "outcomes.honosrating"
            names_nobody(event, world.service_user, world.mh_only)

    def test_the_organisation_is_the_one_acting_for_each_person(self, api, world):
        make_honos(world)
        make_honos(world, service_user=world.south_only, by=world.keyworker_mh_south)
        as_user(api, world.manager_mh).get(f"{BASE}honos/")
        events = reads()
        assert events.count() == 2
        for event in events:
            assert event.organisation == access.acting_organisation(world.manager_mh, event.service_user)

    def test_n_people_write_n_rows_in_a_constant_number_of_queries(
        self, api, world, django_assert_num_queries
    ):
        client = as_user(api, world.keyworker_mh)
        make_honos(world)
        with django_assert_num_queries(4) as first:  # page (2), roles, one insert
            client.get(f"{BASE}honos/")
        assert reads().count() == 1
        people = [
            person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"Listed{n}") for n in range(6)
        ]
        for someone in people:
            make_honos(world, service_user=someone)
        before = reads().count()
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(f"{BASE}honos/").json()["count"] == 7
        new = reads().count() - before
        assert new == 7
        listed = set(reads().filter(action="outcomes.honos.list").values_list("service_user", flat=True))
        assert listed == {world.service_user.pk, *(someone.pk for someone in people)}

    def test_an_empty_page_writes_nothing(self, api, world, django_assert_num_queries):
        with django_assert_num_queries(1):  # the count only
            assert as_user(api, world.keyworker_mh).get(f"{BASE}honos/").json()["count"] == 0
        assert not reads().exists()

    def test_a_list_filtered_to_a_hidden_person_is_a_denied_row(self, api, world):
        make_honos(world, service_user=world.sm_only, by=world.keyworker_sm)
        response = as_user(api, world.keyworker_mh).get(
            f"{BASE}honos/", {"service_user": str(world.sm_only.pk)}
        )
        assert response.json()["count"] == 0
        event = reads().get()
        assert event.outcome == AuditEvent.Outcome.DENIED and event.action == "outcomes.honos.list"
        assert event.service_user == world.sm_only and event.actor == world.keyworker_mh
        names_nobody(event, world.sm_only)

    def test_a_list_filtered_to_a_visible_person_with_no_forms_writes_nothing(self, api, world):
        response = as_user(api, world.keyworker_mh).get(
            f"{BASE}honos/", {"service_user": str(world.mh_only.pk)}
        )
        assert response.json()["count"] == 0
        assert not reads().exists()

    def test_a_person_reading_their_own_progress_is_audited_without_an_organisation(self, api, world):
        # The staff lists refuse a person (audited as refused); their progress is /me/progress/.
        client = as_user(api, world.service_user_login)
        response = client.post(
            f"{BASE}satisfaction/", {"service_user": str(world.service_user.pk), "answer": "very_good"}
        )
        assert response.status_code == 201, response.content
        assert client.get(f"{BASE}satisfaction/").status_code == 403
        refused = AuditEvent.objects.get(actor=world.service_user_login, outcome=AuditEvent.Outcome.DENIED)
        assert refused.action == "api.refused"
        make_top(world)
        assert client.get("/api/v1/me/progress/").json()["count"] == 1
        event = AuditEvent.objects.get(action="me.progress")
        assert event.actor == world.service_user_login
        assert event.service_user == world.service_user and event.organisation is None
