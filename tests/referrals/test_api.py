"""/api/v1/referrals/: create, list filters, detail, moves, errors and pinned query counts."""

import pytest

from dualcare.people.models import Involvement
from referrals import services
from referrals.models import Referral, State
from tests.factories import as_user, person

from .helpers import make_referral

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def create_payload(world, **changes):
    payload = {
        "service_user": str(world.sm_only.pk),
        "to_team": str(world.cmht_north.pk),
        "urgency": "routine",
        "reason": "Low mood, drinking to cope.",
        "consent_confirmed": True,
    }
    payload.update(changes)
    return payload


class CreateTests:
    def test_it_creates_a_draft_and_sends_it(self, api, world):
        as_user(api, world.keyworker_sm)
        response = api.post(URL, create_payload(world), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["state"] == "draft" and body["from_team"]["name"] == "Recovery Team"
        assert body["to_team"]["organisation"]["kind"] == "mental_health"
        sent = api.post(f"{URL}{body['id']}/send/", {}, format="json")
        assert sent.status_code == 200 and sent.json()["state"] == "sent"
        assert sent.json()["acknowledge_due_at"] and sent.json()["is_overdue"] is False
        assert [e["to_state"] for e in sent.json()["events"]] == ["draft", "sent"]

    def test_it_names_the_fields_at_fault(self, api, world):
        as_user(api, world.keyworker_sm)
        response = api.post(URL, {}, format="json")
        assert response.status_code == 400
        assert set(response.json()) >= {"service_user", "to_team", "reason"}
        response = api.post(URL, create_payload(world, to_team=str(world.sm_team.pk)), format="json")
        assert response.status_code == 400 and "to_team" in response.json()
        assert not Referral.objects.exists()

    def test_it_does_not_reveal_people_the_caller_cannot_see(self, api, world):
        as_user(api, world.keyworker_mh)
        response = api.post(URL, create_payload(world, to_team=str(world.cmht_south.pk)), format="json")
        assert response.status_code == 400
        assert response.json() == {"service_user": ["Choose a person your team works with."]}

    @pytest.mark.parametrize("who", ["service_user_login", "carer"])
    def test_it_is_staff_only(self, api, world, who):
        as_user(api, getattr(world, who))
        assert api.get(URL).status_code == 403
        assert api.post(URL, create_payload(world), format="json").status_code == 403

    def test_it_needs_sign_in(self, api, world):
        assert api.get(URL).status_code in (401, 403)


class ListTests:
    def test_it_filters_by_direction_and_state(self, api, world):
        incoming = make_referral(world)
        outgoing = make_referral(
            world, by=world.keyworker_mh, service_user=world.mh_only, to_team=world.sm_team
        )
        as_user(api, world.keyworker_mh)
        ids = lambda r: {row["id"] for row in r.json()["results"]}  # noqa: E731
        assert ids(api.get(URL)) == {str(incoming.pk), str(outgoing.pk)}
        assert ids(api.get(URL, {"direction": "incoming"})) == {str(incoming.pk)}
        assert ids(api.get(URL, {"direction": "outgoing"})) == {str(outgoing.pk)}
        services.referral_acknowledge(referral=incoming, by=world.keyworker_mh)
        assert ids(api.get(URL, {"state": "acknowledged"})) == {str(incoming.pk)}
        assert ids(api.get(URL, {"state": "open", "direction": "outgoing"})) == {str(outgoing.pk)}
        assert api.get(URL, {"direction": "sideways"}).status_code == 400
        assert api.get(URL, {"state": "lost"}).status_code == 400

    @pytest.mark.parametrize("who", ["outsider", "pharmacist", "orgadmin_mh", "keyworker_mh_south"])
    def test_it_lists_nothing_for_staff_outside_both_teams(self, api, world, who):
        make_referral(world)
        as_user(api, getattr(world, who))
        assert api.get(URL).json()["count"] == 0

    def test_its_query_count_is_the_same_for_one_referral_or_many(
        self, api, world, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        make_referral(world)
        as_user(api, world.keyworker_mh)
        with CaptureQueriesContext(connection) as one:
            assert api.get(URL, {"direction": "incoming"}).json()["count"] == 1
        for n in range(10):
            someone = person(
                world.sm_team, key_worker=world.keyworker_sm, given_name=f"A{n}", family_name="Many"
            )
            make_referral(world, service_user=someone)
        with django_assert_num_queries(len(one)):
            assert api.get(URL, {"direction": "incoming"}).json()["count"] == 11


class DetailTests:
    def test_the_receiving_team_reads_it_and_it_is_audited(self, api, world):
        from dualcare.audit.models import AuditEvent

        referral = make_referral(world)
        as_user(api, world.keyworker_mh)
        response = api.get(f"{URL}{referral.pk}/")
        assert response.status_code == 200
        assert response.json()["risk_summary"] == "No current thoughts of self-harm."
        assert AuditEvent.objects.filter(action="referral.view", target_id=str(referral.pk)).exists()
        # The referral, not the record: the person is still hidden from North CMHT.
        assert api.get(f"/api/v1/service-users/{world.sm_only.pk}/").status_code == 404

    @pytest.mark.parametrize("who", ["outsider", "pharmacist", "orgadmin_mh", "keyworker_mh_south"])
    def test_it_is_a_404_for_anyone_else(self, api, world, who):
        referral = make_referral(world)
        as_user(api, getattr(world, who))
        assert api.get(f"{URL}{referral.pk}/").status_code == 404
        assert api.post(f"{URL}{referral.pk}/accept/", {}, format="json").status_code == 404
        referral.refresh_from_db()
        assert referral.state == State.SENT

    def test_it_is_a_404_for_an_unknown_id(self, api, world):
        as_user(api, world.keyworker_mh)
        assert api.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404


class MoveTests:
    def test_acknowledge_then_accept_starts_the_involvement(self, api, world):
        referral = make_referral(world)
        as_user(api, world.keyworker_mh)
        assert (
            api.post(f"{URL}{referral.pk}/acknowledge/", {}, format="json").json()["state"] == "acknowledged"
        )
        response = api.post(
            f"{URL}{referral.pk}/accept/", {"key_worker": str(world.keyworker_mh.pk)}, format="json"
        )
        assert response.status_code == 200 and response.json()["state"] == "accepted"
        assert response.json()["receiving_key_worker"] == str(world.keyworker_mh.pk)
        assert Involvement.objects.filter(service_user=world.sm_only, team=world.cmht_north).exists()
        assert api.get(f"/api/v1/service-users/{world.sm_only.pk}/").status_code == 200

    def test_decline_needs_reason_and_signposting(self, api, world):
        referral = make_referral(world)
        as_user(api, world.keyworker_mh)
        response = api.post(f"{URL}{referral.pk}/decline/", {}, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"reason", "signposting"}
        response = api.post(
            f"{URL}{referral.pk}/decline/", {"reason": "Not for us.", "signposting": " "}, format="json"
        )
        assert response.status_code == 400 and "signposting" in response.json()
        referral.refresh_from_db()
        assert referral.state == State.SENT
        response = api.post(
            f"{URL}{referral.pk}/decline/",
            {
                "reason": "Not for us.",
                "signposting": "Testshire Talking Therapies",
                "next_steps": "Self-refer.",
            },
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["signposting"] == "Testshire Talking Therapies"
        assert response.json()["signposting_next_steps"] == "Self-refer."

    def test_an_illegal_move_is_a_409_and_changes_nothing(self, api, world):
        # 409 Conflict, not 400: the request is well formed; the referral's state refuses it.
        referral = make_referral(world)
        services.referral_accept(referral=referral, by=world.keyworker_mh)
        as_user(api, world.keyworker_mh)
        response = api.post(f"{URL}{referral.pk}/acknowledge/", {}, format="json")
        assert response.status_code == 409
        assert "accepted, so it cannot be acknowledged" in response.json()["detail"]
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED

    def test_a_move_for_the_other_side_is_a_403(self, api, world):
        referral = make_referral(world)
        as_user(api, world.keyworker_sm)
        assert api.post(f"{URL}{referral.pk}/accept/", {}, format="json").status_code == 403
        as_user(api, world.keyworker_mh)
        assert api.post(f"{URL}{referral.pk}/withdraw/", {}, format="json").status_code == 403
        referral.refresh_from_db()
        assert referral.state == State.SENT

    def test_withdraw_and_close(self, api, world):
        first = make_referral(world)
        as_user(api, world.keyworker_sm)
        assert api.post(f"{URL}{first.pk}/withdraw/", {"note": "Moved away."}, format="json").json()[
            "state"
        ] == ("withdrawn")
        second = make_referral(world)
        services.referral_accept(referral=second, by=world.keyworker_mh)
        as_user(api, world.keyworker_mh)
        assert api.post(f"{URL}{second.pk}/close/", {}, format="json").json()["state"] == "closed"

    def test_accept_refuses_a_key_worker_from_another_team(self, api, world):
        referral = make_referral(world)
        as_user(api, world.keyworker_mh)
        response = api.post(
            f"{URL}{referral.pk}/accept/", {"key_worker": str(world.keyworker_sm.pk)}, format="json"
        )
        assert response.status_code == 400 and "key_worker" in response.json()


class DraftTests:
    def test_a_draft_may_wait_for_its_urgency_but_is_not_sent_without_one(self, api, world):
        as_user(api, world.keyworker_sm)
        payload = create_payload(world)
        del payload["urgency"]
        draft = api.post(URL, payload, format="json")
        assert draft.status_code == 201, draft.content
        assert (draft.json()["state"], draft.json()["urgency"]) == ("draft", "")
        refused = api.post(f"{URL}{draft.json()['id']}/send/", {}, format="json")
        assert refused.status_code == 400
        assert refused.json() == {"urgency": ["Choose how urgent this referral is before you send it."]}
        assert Referral.objects.get().state == State.DRAFT
        sent = api.post(f"{URL}{draft.json()['id']}/send/", {"urgency": "urgent"}, format="json")
        assert sent.status_code == 200 and (sent.json()["state"], sent.json()["urgency"]) == (
            "sent",
            "urgent",
        )

    def test_create_and_send_at_once_needs_an_urgency_and_writes_nothing_without(self, api, world):
        as_user(api, world.keyworker_sm)
        payload = create_payload(world, send=True)
        del payload["urgency"]
        response = api.post(URL, payload, format="json")
        assert response.status_code == 400 and "urgency" in response.json()
        assert not Referral.objects.exists()

    def test_the_referring_team_changes_a_draft_then_sends_it(self, api, world):
        as_user(api, world.keyworker_sm)
        draft = api.post(URL, create_payload(world, consent_confirmed=False), format="json").json()
        refused = api.post(f"{URL}{draft['id']}/send/", {}, format="json")
        # 409, naming the draft's field to change first: the send request itself is well formed.
        assert refused.status_code == 409 and "consent_confirmed" in refused.json()
        changed = api.patch(
            f"{URL}{draft['id']}/", {"urgency": "urgent", "consent_confirmed": True}, format="json"
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["urgency"] == "urgent" and changed.json()["consent_confirmed"] is True
        assert api.post(f"{URL}{draft['id']}/send/", {}, format="json").json()["state"] == "sent"
        again = api.patch(f"{URL}{draft['id']}/", {"reason": "Changed after sending."}, format="json")
        assert again.status_code == 409  # the referral is sent: a state conflict, not bad input
        assert again.json() == {"detail": "This referral has been sent, so it can no longer be changed."}

    def test_nobody_else_sees_or_changes_a_draft(self, api, world):
        referral = make_referral(world, send=False)
        as_user(api, world.keyworker_mh)
        assert api.patch(f"{URL}{referral.pk}/", {"reason": "Ours now."}, format="json").status_code == 404
        assert api.post(f"{URL}{referral.pk}/send/", {}, format="json").status_code == 404
