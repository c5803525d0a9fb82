"""/api/v1/me/...: a service user's or carer's token reads exactly what their portal pages show
them, through the same selectors those pages use, and nothing else (issue 13, item 7)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dualcare.audit.models import AuditEvent
from dualcare.contacts import selectors as contact_selectors
from dualcare.notifications import selectors as notification_selectors
from dualcare.notifications import services as notification_services
from dualcare.people import selectors as people_selectors
from dualcare.people import services as people_services
from outcomes import selectors as outcome_selectors
from referrals import selectors as referral_selectors
from tests.contacts.helpers import appointment
from tests.factories import TEST_PASSWORD, TeamFactory, person
from tests.outcomes.helpers import days_ago, make_top
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

ENDPOINTS = ["care-team", "appointments", "messages", "referrals", "progress", "record-views"]
# Those whose rows are records with ids (the record views are visits: who, when, what).
WITH_IDS = ENDPOINTS[:-1]
# The fields each endpoint answers: plain names, nothing the person's pages do not show (no risk,
# reason, notes, outcome of an appointment, who booked or recorded it).
FIELDS = {
    "care-team": {"id", "organisation", "team", "key_worker", "phone", "email", "since"},
    "appointments": {
        "id",
        "person",
        "starts_at",
        "kind",
        "kind_words",
        "team",
        "place",
        "phone_to_change_it",
    },
    "messages": {"id", "subject", "body", "sent_at", "read", "link"},
    "referrals": {
        "id",
        "to_team",
        "to_organisation",
        "from_team",
        "sent_on",
        "state",
        "state_since",
        "key_worker",
        "signposting_service",
        "signposting_next_steps",
    },
    "progress": {"id", "person", "filled_in_on", "ratings"},
    "record-views": {"started", "ended", "who", "where_they_work", "what_they_did"},
}


def url(endpoint: str) -> str:
    return f"/api/v1/me/{endpoint}/"


def client(user=None):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def message_to(user, key: str, *, about=None, subject: str = "Your appointment is tomorrow"):
    return notification_services.notify(
        event_key=key,
        recipients=[user],
        kind="test.message",
        subject=subject,
        channels=("in_app",),
        service_user=about,
    )[0]


@pytest.fixture
def other(world):
    """Jo Mockridge, known to the drug and alcohol service only, with a login and a carer who may
    see everything: their data must never reach Sam's or Sam's carer's token."""
    login = people_services.portal_login_create(
        service_user=world.sm_only,
        username="jo",
        email="jo@example.invalid",
        by=world.keyworker_sm,
        password=TEST_PASSWORD,
    )
    link = people_services.carer_add(
        service_user=world.sm_only,
        relationship="Brother",
        by=login,
        username="jos.carer",
        email="jos.carer@example.invalid",
        first_name="Lee",
        last_name="Mockridge",
        password=TEST_PASSWORD,
    )
    for scope in ("appointments", "outcomes"):
        people_services.carer_permission_grant(carer=link, scope=scope, by=login)
    return {"person": world.sm_only, "login": login, "carer": link.user}


@pytest.fixture
def data(world, other):
    """One of each thing for Sam (the world's service user) and for Jo."""
    sam, jo = world.service_user, other["person"]
    found = {
        "sam_appointment": appointment(world, hours=48),
        "sam_past_appointment": appointment(world, hours=-72),
        "jo_appointment": appointment(world, hours=48, by=world.keyworker_sm, team=world.sm_team, person=jo),
        "sam_top": make_top(world, completed_on=days_ago(3)),
        "jo_top": make_top(world, service_user=jo, completed_on=days_ago(3)),
        "sam_referral": make_referral(
            world, by=world.keyworker_mh, service_user=sam, to_team=world.charity_team
        ),
        "sam_draft": make_referral(
            world, by=world.keyworker_mh, service_user=sam, to_team=world.cmht_south, send=False
        ),
        "jo_referral": make_referral(world),  # Jo to North CMHT
        "sam_message": message_to(world.service_user_login, "test:sam", about=sam),
        "carer_message": message_to(world.carer, "test:carer", about=sam),
        "jo_message": message_to(other["login"], "test:jo", about=jo),
    }
    return found


def grant(world, *scopes):
    for scope in scopes:
        people_services.carer_permission_grant(
            carer=world.carer_link, scope=scope, by=world.service_user_login
        )


def ids(response) -> set:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def portal_ids(endpoint: str, user, world) -> set:
    """What the portal pages show this user, from the selectors the pages use."""
    sam = world.service_user
    if endpoint == "care-team":
        rows = people_selectors.care_team_of(sam) if user == world.service_user_login else []
    elif endpoint == "appointments":
        if user == world.service_user_login:
            rows = contact_selectors.my_appointments(user)
        else:
            rows = contact_selectors.carer_appointments(user, sam)
    elif endpoint == "messages":
        rows = notification_selectors.notifications_for(user)
    elif endpoint == "referrals":
        rows = referral_selectors.referrals_for_service_user(user, sam) if user.kind == "service_user" else []
    else:
        rows = outcome_selectors.progress_forms(user, sam)
    return {str(row.pk) for row in rows}


class MeEndpointTests:
    @pytest.mark.parametrize("endpoint", WITH_IDS)
    def test_it_gives_the_service_user_what_their_pages_show(self, world, data, endpoint):
        user = world.service_user_login
        shown = ids(client(user).get(url(endpoint)))
        assert shown == portal_ids(endpoint, user, world) != set()

    def test_it_gives_the_service_user_their_own_things_only(self, world, data):
        api = client(world.service_user_login)
        assert ids(api.get(url("appointments"))) == {str(data["sam_appointment"].pk)}
        assert ids(api.get(url("progress"))) == {str(data["sam_top"].pk)}
        assert ids(api.get(url("referrals"))) == {str(data["sam_referral"].pk)}  # never the draft
        assert ids(api.get(url("messages"))) == {str(data["sam_message"].pk)}
        assert len(ids(api.get(url("care-team")))) == 3  # CMHT, drug and alcohol service, pharmacy

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_it_never_shows_someone_elses_data(self, world, data, other, endpoint):
        jo = other["person"]
        theirs = {str(data[key].pk) for key in data if key.startswith("jo_")} | {str(jo.pk)}
        for user in (world.service_user_login, world.carer):
            body = client(user).get(url(endpoint)).content.decode()
            assert not any(mark in body for mark in theirs), (endpoint, user.username)
            assert jo.family_name not in body and jo.nhs_number not in body
            assert '"Jo"' not in body  # Jo's known_as

    @pytest.mark.parametrize("endpoint", WITH_IDS)
    def test_it_gives_the_carer_with_the_grants_what_their_pages_show(self, world, data, endpoint):
        grant(world, "appointments", "outcomes")
        shown = ids(client(world.carer).get(url(endpoint)))
        assert shown == portal_ids(endpoint, world.carer, world)

    def test_it_gives_the_person_who_looked_at_their_record_as_their_page_does(self, world, data):
        sam = world.service_user
        client(world.keyworker_sm).get(f"/api/v1/service-users/{sam.pk}/")  # a look, audited
        body = client(world.service_user_login).get(url("record-views")).json()
        page = people_selectors.record_visits_described(sam, people_selectors.record_views(sam)[0:50])
        assert body["count"] == people_selectors.record_views(sam).count() == len(page) > 0
        assert [(row["who"], row["where_they_work"], row["what_they_did"]) for row in body["results"]] == [
            (
                visit.actor.display_name if visit.actor else "DualCare (automatic)",
                visit.organisation_name,
                visit.did,
            )
            for visit in page
        ]
        assert "Looked at your record" in body["results"][0]["what_they_did"]
        assert body["results"][0]["who"] == world.keyworker_sm.display_name
        # Their own reads are not visits to show them; a carer's pages have no such list.
        assert client(world.carer).get(url("record-views")).json() == {
            "count": 0,
            "next": None,
            "previous": None,
            "results": [],
        }

    def test_it_gives_the_carer_each_thing_only_with_its_grant(self, world, data):
        api = client(world.carer)
        # Sam granted only the care plan (tests/world.py): no appointments, no progress.
        assert ids(api.get(url("appointments"))) == set()
        assert ids(api.get(url("progress"))) == set()
        grant(world, "appointments")
        assert ids(api.get(url("appointments"))) == {str(data["sam_appointment"].pk)}
        assert ids(api.get(url("progress"))) == set()
        grant(world, "outcomes")
        assert ids(api.get(url("progress"))) == {str(data["sam_top"].pk)}
        people_services.carer_permission_revoke(
            carer=world.carer_link, scope="appointments", by=world.service_user_login
        )
        assert ids(api.get(url("appointments"))) == set()
        # The carer's pages show no care team and no referrals; their own messages only.
        assert ids(api.get(url("care-team"))) == ids(api.get(url("referrals"))) == set()
        assert ids(api.get(url("messages"))) == {str(data["carer_message"].pk)}

    def test_the_other_persons_carer_sees_only_that_person(self, world, data, other):
        api = client(other["carer"])
        assert ids(api.get(url("appointments"))) == {str(data["jo_appointment"].pk)}
        assert ids(api.get(url("progress"))) == {str(data["jo_top"].pk)}

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("role", ["keyworker_mh", "manager_mh", "pharmacist", "orgadmin_mh"])
    def test_it_refuses_staff_with_403_audited(self, world, data, endpoint, role):
        user = getattr(world, role)
        response = client(user).get(url(endpoint))
        assert response.status_code == 403
        assert "service users and carers" in response.json()["detail"]
        assert AuditEvent.objects.filter(actor=user, outcome=AuditEvent.Outcome.DENIED).count() == 1

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_it_asks_nobody_signed_in_for_credentials(self, world, endpoint):
        assert client().get(url(endpoint)).status_code == 401

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_it_is_read_only(self, world, data, endpoint, method):
        api = client(world.service_user_login)
        response = getattr(api, method)(url(endpoint), {}, format="json")
        assert response.status_code == 405
        assert "POST" not in response["Allow"]

    def test_it_has_no_detail_routes(self, world, data):
        api = client(world.service_user_login)
        assert api.get(f"{url('appointments')}{data['sam_appointment'].pk}/").status_code == 404

    @pytest.mark.parametrize("endpoint", ENDPOINTS)
    def test_it_answers_plain_fields_only(self, world, data, endpoint):
        grant(world, "appointments", "outcomes")
        for user in (world.service_user_login, world.carer):
            rows = client(user).get(url(endpoint)).json()["results"]
            for row in rows:
                assert set(row) == FIELDS[endpoint]

    def test_it_leaves_out_what_the_pages_do_not_show(self, world, data):
        api = client(world.service_user_login)
        referral = api.get(url("referrals")).json()["results"][0]
        assert referral["state"] == "sent" and referral["sent_on"] == str(timezone.localdate())
        body = api.get(url("referrals")).content.decode()
        assert "No current thoughts of self-harm" not in body and "Low mood" not in body
        progress = api.get(url("progress")).json()["results"][0]
        assert [rating["score"] for rating in progress["ratings"]] == [6, 9, 5]
        assert progress["ratings"][0]["about"] == "How you felt in yourself (your mental health)"
        row = api.get(url("appointments")).json()["results"][0]
        assert row["kind_words"] == "A meeting with the key worker" and row["person"]["known_as"]
        assert row["phone_to_change_it"] == (world.cmht_north.phone or None)
        grant(world, "appointments")
        assert client(world.carer).get(url("appointments")).json()["results"][0]["phone_to_change_it"] is None

    def test_a_declined_referral_tells_the_person_where_to_go(self, world, data):
        from referrals import services as referral_services

        referral = data["sam_referral"]
        referral_services.referral_decline(
            referral=referral,
            by=world.outsider,
            reason="Not our area",
            signposting_service="Town Peer Support",
            signposting_next_steps="Drop in on Tuesdays.",
        )
        row = client(world.service_user_login).get(url("referrals")).json()["results"][0]
        assert row["state"] == "declined"
        assert row["signposting_service"] == "Town Peer Support"
        assert row["signposting_next_steps"] == "Drop in on Tuesdays."

    def test_each_page_is_audited_one_row_per_person(self, world, data):
        grant(world, "appointments", "outcomes")
        client(world.carer).get(url("appointments"))
        client(world.carer).get(url("progress"))
        for action in ("me.appointments", "me.progress"):
            rows = AuditEvent.objects.filter(actor=world.carer, action=action)
            assert list(rows.values_list("service_user_id", flat=True)) == [world.service_user.pk]
        client(world.service_user_login).get(url("care-team"))
        row = AuditEvent.objects.get(actor=world.service_user_login, action="me.care_team")
        assert row.service_user_id == world.service_user.pk and row.detail == {"records": 3}

    def test_lists_are_paginated(self, world, data):
        for index in range(55):
            message_to(world.service_user_login, f"test:many:{index}")
        api = client(world.service_user_login)
        first = api.get(url("messages")).json()
        assert first["count"] == 56 and len(first["results"]) == 50 and first["next"]
        second = api.get(url("messages"), {"page": 2}).json()
        assert len(second["results"]) == 6 and second["previous"] is not None


# Queries per page, whatever the data, each named: the person's record where the endpoint starts
# from it (care team, referrals: the pages' selectors take the person); the page's count (a
# queryset; the care team and referrals are short lists the selectors give whole); the page's
# rows; one audit insert for the people shown. A carer's pages show no care team or referrals.
QUERIES = {
    ("care-team", "service_user_login"): 3,  # person, involvements, audit
    ("care-team", "carer"): 0,
    ("appointments", "service_user_login"): 3,  # count, contacts, audit
    ("appointments", "carer"): 3,  # count, contacts (the grants a subquery), audit
    ("messages", "service_user_login"): 3,  # count, messages, audit
    ("messages", "carer"): 3,
    ("referrals", "service_user_login"): 3,  # person, referrals, audit
    ("referrals", "carer"): 0,
    ("progress", "service_user_login"): 3,  # count, TOP forms, audit
    ("progress", "carer"): 3,
    # person, visits counted, a page of visits, their rows (names and organisations), audit
    ("record-views", "service_user_login"): 5,
    ("record-views", "carer"): 0,
}


def _more_of_everything(world, rounds: int):
    """More of each thing for Sam, and people of no concern to the caller."""
    sam = world.service_user
    for index in range(rounds):
        team = TeamFactory(organisation=world.charity, name=f"Peer Support {index}")
        people_services.involvement_start(service_user=sam, team=team)
        appointment(world, hours=50 + index)
        make_top(world, completed_on=days_ago(10 + index))
        make_referral(world, by=world.keyworker_mh, service_user=sam, to_team=team)
        message_to(world.service_user_login, f"test:more:{index}", about=sam)
        message_to(world.carer, f"test:more-carer:{index}", about=sam)
        someone = person(world.cmht_north, given_name=f"P{index}")
        appointment(world, hours=50, person=someone)


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_query_count_is_pinned_and_constant(world, data, endpoint, role, django_assert_num_queries):
    grant(world, "appointments", "outcomes")
    api = client(getattr(world, role))
    with django_assert_num_queries(QUERIES[(endpoint, role)]):
        assert api.get(url(endpoint)).status_code == 200
    _more_of_everything(world, 4)
    with django_assert_num_queries(QUERIES[(endpoint, role)]):
        assert api.get(url(endpoint)).status_code == 200


def test_the_schema_lists_them_read_only(world):
    schema = client(world.service_user_login).get("/api/schema/", {"format": "json"}).json()
    for endpoint in ENDPOINTS:
        operations = schema["paths"][url(endpoint)]
        assert set(operations) == {"get"}, endpoint
        get = operations["get"]
        assert {"200", "401", "403"} <= set(get["responses"]), endpoint
        assert get["tags"] == schema["paths"]["/api/v1/care-plans/"]["get"]["tags"]  # same conventions
        page = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert page.startswith("#/components/schemas/Paginated")


@pytest.mark.parametrize("role", ["service_user_login", "carer"])
@pytest.mark.parametrize(
    "path",
    [
        "contacts/",
        "alerts/",
        "referrals/",
        "outcomes/honos/",
        "outcomes/top/",
        "outcomes/dialog/",
        "outcomes/satisfaction/",
        "service-users/",
        "organisations/",
        "teams/",
        "cohorts/",
        "quadrant-assessments/",
    ],
)
def test_staff_only_lists_stay_refused_to_people(world, data, role, path):
    """What these answer in full (collections and their outcomes, HoNOS items, a referral's
    reasons) is more than the person's or carer's pages show them: the /me/ endpoints are theirs."""
    assert client(getattr(world, role)).get(f"/api/v1/{path}").status_code == 403


def test_the_person_may_still_give_feedback_but_not_list_it(world):
    api = client(world.service_user_login)
    answer = {"service_user": str(world.service_user.pk), "answer": "good"}
    assert api.post("/api/v1/outcomes/satisfaction/", answer, format="json").status_code == 201
    assert api.get("/api/v1/outcomes/satisfaction/").status_code == 403
    assert (
        client(world.carer).post("/api/v1/outcomes/satisfaction/", answer, format="json").status_code == 403
    )


def test_a_past_appointment_is_not_listed(world, data):
    api = client(world.service_user_login)
    assert str(data["sam_past_appointment"].pk) not in ids(api.get(url("appointments")))
    assert data["sam_past_appointment"].starts_at < timezone.now() - dt.timedelta(hours=1)
