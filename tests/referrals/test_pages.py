"""The referral pages for allowed and denied roles: inbox, sent, create, detail, moves, history."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.people.models import Involvement, Team
from referrals import services
from referrals.models import Handover, Referral, State
from tests.factories import person

from .helpers import make_referral

pytestmark = pytest.mark.django_db

VALID = {
    "to_team": None,
    "urgency": "urgent",
    "reason": "Hearing voices again; drinking more to cope.",
    "person_wants": "Help with the voices.",
    "mental_health_needs": "Psychotic symptoms returning.",
    "substance_use": "Alcohol daily.",
    "risk_summary": "Low risk to others.",
    "consent_confirmed": "on",
    "action": "send",
}


class InboxTests:
    def test_it_lists_incoming_referrals_overdue_first_and_says_so_in_words(self, world, client):
        late = make_referral(world, urgency="emergency")
        soon = make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.cmht_south
        )
        Referral.objects.filter(pk=late.pk).update(acknowledge_due_at=timezone.now() - dt.timedelta(hours=1))
        client.force_login(world.keyworker_mh)
        page = client.get("/referrals/").content.decode()
        assert "Jo Mockridge" in page
        assert "Overdue" in page and "Acknowledgement was due" in page
        # South CMHT's referral is not North CMHT's business.
        assert "Sam Testwell" not in page
        client.force_login(world.keyworker_mh_south)
        page = client.get("/referrals/").content.decode()
        assert "Sam Testwell" in page and "Jo Mockridge" not in page
        assert soon.to_team == world.cmht_south

    def test_it_orders_by_due_time_with_overdue_first(self, world, client):
        sam = person(world.sm_team, key_worker=world.keyworker_sm, given_name="Later", family_name="Due")
        routine = make_referral(world, service_user=sam, urgency="routine")
        emergency = make_referral(world, urgency="emergency")
        Referral.objects.filter(pk=emergency.pk).update(
            acknowledge_due_at=timezone.now() - dt.timedelta(minutes=5)
        )
        client.force_login(world.keyworker_mh)
        page = list(client.get("/referrals/").context["page"].object_list)
        assert [r.pk for r in page] == [emergency.pk, routine.pk]

    def test_its_query_count_does_not_grow_with_the_number_of_referrals(
        self, world, client, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        make_referral(world)
        client.force_login(world.keyworker_mh)
        with CaptureQueriesContext(connection) as one:
            assert client.get("/referrals/").status_code == 200
        for n in range(8):
            someone = person(
                world.sm_team, key_worker=world.keyworker_sm, given_name=f"P{n}", family_name="Many"
            )
            make_referral(world, service_user=someone)
        with django_assert_max_num_queries(len(one)):
            response = client.get("/referrals/")
        assert len(response.context["page"].object_list) == 9

    @pytest.mark.parametrize("who", ["pharmacist", "orgadmin_mh", "outsider"])
    def test_it_shows_nothing_to_staff_outside_both_teams(self, world, client, who):
        make_referral(world)
        client.force_login(getattr(world, who))
        response = client.get("/referrals/")
        assert response.status_code == 200
        assert "Jo Mockridge" not in response.content.decode()

    def test_it_is_not_for_service_users_or_carers(self, world, client):
        for user in (world.service_user_login, world.carer):
            client.force_login(user)
            assert client.get("/referrals/").status_code == 404
            assert client.get("/referrals/sent/").status_code == 404

    def test_it_asks_anonymous_visitors_to_sign_in(self, world, client):
        response = client.get("/referrals/")
        assert response.status_code == 302 and "login" in response["Location"]


class OutboxTests:
    def test_it_lists_my_teams_sent_referrals_and_drafts(self, world, client):
        make_referral(world)
        make_referral(world, to_team=world.charity_team, send=False)
        client.force_login(world.keyworker_sm)
        response = client.get("/referrals/sent/")
        rows = list(response.context["page"].object_list)
        assert {r.state for r in rows} == {State.SENT, State.DRAFT}
        client.force_login(world.keyworker_mh)
        assert not list(client.get("/referrals/sent/").context["page"].object_list)


class CreateTests:
    def test_it_creates_and_sends_a_referral(self, world, client):
        client.force_login(world.keyworker_sm)
        url = f"/referrals/people/{world.sm_only.pk}/new/"
        assert client.get(url).status_code == 200
        response = client.post(url, {**VALID, "to_team": world.cmht_north.pk})
        referral = Referral.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
        assert referral.state == State.SENT and referral.urgency == "urgent"
        assert referral.from_team == world.sm_team and referral.referrer == world.keyworker_sm

    def test_it_saves_a_draft_without_consent_yet(self, world, client):
        client.force_login(world.keyworker_sm)
        data = {**VALID, "to_team": world.cmht_north.pk, "action": "draft"}
        del data["consent_confirmed"]
        client.post(f"/referrals/people/{world.sm_only.pk}/new/", data)
        assert Referral.objects.get().state == State.DRAFT

    def test_it_saves_a_draft_before_the_urgency_is_chosen(self, world, client):
        client.force_login(world.keyworker_sm)
        data = {**VALID, "to_team": world.cmht_north.pk, "action": "draft"}
        del data["urgency"]
        response = client.post(f"/referrals/people/{world.sm_only.pk}/new/", data)
        referral = Referral.objects.get()
        assert response.status_code == 302 and (referral.state, referral.urgency) == (State.DRAFT, "")
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert "Urgency not chosen" in page and 'nhsuk-tag--grey">Routine' not in page

    def test_it_will_not_send_without_an_urgency(self, world, client):
        client.force_login(world.keyworker_sm)
        data = {**VALID, "to_team": world.cmht_north.pk}
        del data["urgency"]
        response = client.post(f"/referrals/people/{world.sm_only.pk}/new/", data)
        assert response.context["form"].errors["urgency"] == [
            "Choose how urgent this referral is before you send it."
        ]
        assert not Referral.objects.exists()

    def test_a_draft_without_an_urgency_is_not_sent_from_its_page(self, world, client):
        referral = make_referral(world, urgency="", send=False)
        client.force_login(world.keyworker_sm)
        response = client.post(f"/referrals/{referral.pk}/send/")
        assert response.status_code == 400
        assert "Choose how urgent this referral is before you send it." in response.content.decode()
        referral.refresh_from_db()
        assert referral.state == State.DRAFT and referral.sent_at is None

    def test_a_draft_without_an_urgency_chooses_it_as_it_is_sent(self, world, client):
        referral = make_referral(world, urgency="", send=False)
        client.force_login(world.keyworker_sm)
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert 'name="urgency"' in page and "How urgent is it?" in page
        client.post(f"/referrals/{referral.pk}/send/", {"urgency": "urgent"})
        referral.refresh_from_db()
        assert (referral.state, referral.urgency) == (State.SENT, "urgent")
        assert 'name="urgency"' not in client.get(f"/referrals/{referral.pk}/").content.decode()

    def test_it_shows_field_level_errors_and_saves_nothing(self, world, client):
        client.force_login(world.keyworker_sm)
        response = client.post(f"/referrals/people/{world.sm_only.pk}/new/", {"action": "send"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page and "nhsuk-error-summary" in page
        for message in (
            "Choose the team you are referring to.",
            "Choose how urgent this referral is before you send it.",
            "Say why you are referring this person.",
            "Confirm that the person agrees to this referral before you send it.",
        ):
            assert message in page
        assert 'href="#reason"' in page and 'id="reason-error"' in page
        assert not Referral.objects.exists()

    def test_it_offers_neither_the_referrers_own_team_nor_one_that_sees_no_one(self, world, client):
        admin = Team.objects.create(
            organisation=world.mh, name="Records administration", works_with_people=False
        )
        client.force_login(world.keyworker_sm)
        url = f"/referrals/people/{world.sm_only.pk}/new/"
        page = client.get(url).content.decode()
        assert f'value="{world.cmht_north.pk}"' in page
        assert f'value="{world.sm_team.pk}"' not in page and f'value="{admin.pk}"' not in page
        for team in (world.sm_team, admin):
            response = client.post(url, {**VALID, "to_team": team.pk})
            page = response.content.decode()
            assert response.status_code == 200 and 'id="to_team-error"' in page
            assert "Choose a team from the list" in page and "Select a valid choice" not in page
        assert not Referral.objects.exists()

    def test_the_service_refuses_a_team_that_sees_no_one(self, world):
        from dualcare.exceptions import ApplicationError

        admin = Team.objects.create(
            organisation=world.mh, name="Records administration", works_with_people=False
        )
        with pytest.raises(ApplicationError) as refused:
            services.referral_create(
                by=world.keyworker_sm,
                service_user=world.sm_only,
                to_team=admin,
                urgency="routine",
                reason="Help.",
            )
        assert refused.value.field == "to_team" and "does not take referrals" in refused.value.message

    def test_it_is_a_404_for_staff_who_cannot_see_the_person(self, world, client):
        for user in (world.keyworker_mh, world.outsider, world.pharmacist, world.orgadmin_mh):
            client.force_login(user)
            assert client.get(f"/referrals/people/{world.sm_only.pk}/new/").status_code == 404


class DetailTests:
    def test_the_receiving_team_sees_the_referral_but_not_yet_the_record(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_mh)
        response = client.get(f"/referrals/{referral.pk}/")
        page = response.content.decode()
        assert response.status_code == 200
        assert "Low mood and not sleeping" in page and "Drinking most days" in page
        assert "Acknowledge" in page and "Accept" in page and "Decline" in page
        assert "Withdraw referral" not in page
        assert f"/people/{world.sm_only.pk}/" not in page
        assert client.get(f"/people/{world.sm_only.pk}/").status_code == 404
        assert AuditEvent.objects.filter(
            actor=world.keyworker_mh, action="referral.view", target_id=str(referral.pk)
        ).exists()

    def test_the_referring_team_sees_withdraw_but_not_the_answers(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_sm)
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert "Withdraw referral" in page
        assert ">Acknowledge<" not in page and ">Accept<" not in page

    @pytest.mark.parametrize("who", ["outsider", "pharmacist", "orgadmin_mh", "keyworker_mh_south"])
    def test_it_is_a_404_for_anyone_else(self, world, client, who):
        referral = make_referral(world)
        client.force_login(getattr(world, who))
        assert client.get(f"/referrals/{referral.pk}/").status_code == 404
        assert client.get(f"/referrals/{referral.pk}/note.pdf").status_code == 404
        assert AuditEvent.objects.filter(action="referral.view", outcome="denied").exists()

    def test_the_receiving_team_cannot_see_a_draft(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_mh)
        assert client.get(f"/referrals/{referral.pk}/").status_code == 404


class MoveTests:
    def test_the_journey_acknowledge_accept_then_open_the_record(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_mh)
        assert client.post(f"/referrals/{referral.pk}/acknowledge/").status_code == 302
        response = client.post(f"/referrals/{referral.pk}/accept/", {"key_worker": world.keyworker_mh.pk})
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED and referral.receiving_key_worker == world.keyworker_mh
        assert Involvement.objects.filter(service_user=world.sm_only, team=world.cmht_north).exists()
        assert client.get(f"/people/{world.sm_only.pk}/").status_code == 200
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert f"/people/{world.sm_only.pk}/" in page and "Record handover" in page

    def test_an_illegal_move_is_a_form_error_and_changes_nothing(self, world, client):
        referral = make_referral(world)
        services.referral_accept(referral=referral, by=world.keyworker_mh)
        client.force_login(world.linkworker_mh)
        response = client.post(f"/referrals/{referral.pk}/acknowledge/")
        assert response.status_code == 400
        page = response.content.decode()
        assert (
            "There is a problem" in page and "This referral is accepted, so it cannot be acknowledged" in page
        )
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED

    def test_decline_needs_a_reason_and_signposting(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_mh)
        response = client.post(f"/referrals/{referral.pk}/decline/", {})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Say why your team cannot take this referral." in page
        assert "Choose a service from the directory, or name the service the person should go" in page
        referral.refresh_from_db()
        assert referral.state == State.SENT
        response = client.post(
            f"/referrals/{referral.pk}/decline/",
            {
                "reason": "Mild symptoms, better met in primary care.",
                "signposting_service": "Testshire Talking Therapies",
                "signposting_next_steps": "Self-refer at talkingtherapies.example or call 0300 000 0000.",
            },
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert (
            referral.state == State.DECLINED and referral.signposting_service == "Testshire Talking Therapies"
        )

    def test_the_referring_team_may_not_accept_and_the_receiving_team_may_not_withdraw(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_sm)
        assert client.get(f"/referrals/{referral.pk}/accept/").status_code == 403
        assert client.post(f"/referrals/{referral.pk}/acknowledge/").status_code == 403
        client.force_login(world.keyworker_mh)
        assert client.get(f"/referrals/{referral.pk}/withdraw/").status_code == 403
        referral.refresh_from_db()
        assert referral.state == State.SENT

    def test_the_referring_team_withdraws(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_sm)
        response = client.post(f"/referrals/{referral.pk}/withdraw/", {"note": "Moved out of area."})
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.state == State.WITHDRAWN
        assert referral.events.last().note == "Moved out of area."

    def test_a_draft_is_sent_from_its_page(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_sm)
        assert "Send referral" in client.get(f"/referrals/{referral.pk}/").content.decode()
        client.post(f"/referrals/{referral.pk}/send/")
        referral.refresh_from_db()
        assert referral.state == State.SENT


class HandoverTests:
    def test_it_records_the_three_way_handover_and_closes(self, world, client):
        referral = make_referral(world)
        services.referral_accept(referral=referral, by=world.keyworker_mh)
        client.force_login(world.keyworker_mh)
        today = timezone.localdate()
        response = client.post(
            f"/referrals/{referral.pk}/handover/",
            {
                "held_on_day": today.day,
                "held_on_month": today.month,
                "held_on_year": today.year,
                "attended": ["referrer", "receiver", "service_user"],
                "others_attending": "Mother",
                "agreed": "Weekly appointments at the CMHT; Recovery Team keeps the prescription.",
            },
        )
        assert response.status_code == 302, response.content.decode()
        handover = Handover.objects.get(referral=referral)
        assert handover.service_user_attended and handover.others_attending == "Mother"
        assert client.post(f"/referrals/{referral.pk}/close/").status_code == 302
        referral.refresh_from_db()
        assert referral.state == State.CLOSED

    def test_it_needs_a_date_and_what_was_agreed(self, world, client):
        referral = make_referral(world)
        services.referral_accept(referral=referral, by=world.keyworker_mh)
        client.force_login(world.keyworker_sm)
        response = client.post(f"/referrals/{referral.pk}/handover/", {"attended": ["referrer"]})
        page = response.content.decode()
        assert "Enter the date of the handover." in page and "Write down what was agreed." in page
        assert not Handover.objects.exists()

    def test_it_refuses_a_handover_before_acceptance(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_mh)
        today = timezone.localdate()
        response = client.post(
            f"/referrals/{referral.pk}/handover/",
            {
                "held_on_day": today.day,
                "held_on_month": today.month,
                "held_on_year": today.year,
                "agreed": "x",
            },
        )
        assert "A handover can only be recorded for an accepted referral." in response.content.decode()
        assert not Handover.objects.exists()


class HistoryTests:
    def test_the_person_sees_their_referrals_in_plain_words(self, world, client):
        referral = make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.charity_team
        )
        services.referral_decline(
            referral=referral,
            by=world.outsider,
            reason="Full.",
            signposting_service="Testshire Recovery Cafe",
            signposting_next_steps="Drop in on Tuesdays.",
        )
        client.force_login(world.service_user_login)
        page = client.get("/referrals/mine/").content.decode()
        assert "You were referred to <strong>Peer Support</strong>" in page
        assert "They suggest you go to <strong>Testshire Recovery Cafe</strong>" in page
        assert "Full." not in page  # the team's reason is for staff; the person gets the way forward

    def test_staff_of_other_involved_teams_see_the_history_but_open_only_their_own(self, world):
        from referrals.selectors import referrals_for_service_user

        referral = make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.charity_team
        )
        rows = referrals_for_service_user(world.keyworker_mh, world.service_user)
        assert [r.pk for r in rows] == [referral.pk] and rows[0].can_open is False
        rows = referrals_for_service_user(world.keyworker_sm, world.service_user)
        assert rows[0].can_open is True
        assert referrals_for_service_user(world.pharmacist, world.service_user) == []
        assert (
            referrals_for_service_user(world.mh_only and world.keyworker_mh_south, world.service_user) == []
        )

    def test_the_history_fragment_renders(self, world, rf):
        from django.template.loader import render_to_string

        from referrals.selectors import referrals_for_service_user

        make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.charity_team
        )
        rows = referrals_for_service_user(world.keyworker_sm, world.service_user)
        html = render_to_string("referrals/_history.html", {"referrals": rows})
        assert "Peer Support" in html and f"/referrals/{rows[0].pk}/" in html


class DeadlineWordsTests:
    def test_a_midnight_deadline_is_the_end_of_the_day_before(self):
        from zoneinfo import ZoneInfo

        from referrals.templatetags.referral_tags import deadline

        london = ZoneInfo("Europe/London")
        assert deadline(dt.datetime(2026, 11, 24, 0, 0, tzinfo=london)) == "the end of 23 November 2026"
        assert deadline(dt.datetime(2026, 11, 24, 15, 30, tzinfo=london)) == "24 November 2026, 15:30"
        assert deadline(None) == ""


class HistorySectionTests:
    def render(self, rf, user, person):
        from django.template import Context, Template

        request = rf.get("/")
        request.user = user
        template = Template("{% load referral_tags %}{% referral_history person %}")
        return template.render(Context({"request": request, "person": person}))

    def test_staff_of_an_involved_team_see_the_history_and_can_refer(self, world, rf):
        referral = make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.charity_team
        )
        html = self.render(rf, world.keyworker_mh, world.service_user)
        assert "Peer Support" in html and "Refer to another team" in html
        assert f"/referrals/{referral.pk}/" not in html  # North CMHT is not a party to it
        html = self.render(rf, world.keyworker_sm, world.service_user)
        assert f"/referrals/{referral.pk}/" in html

    def test_the_person_sees_their_own_in_plain_words_without_the_refer_button(self, world, rf):
        make_referral(
            world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.charity_team
        )
        html = self.render(rf, world.service_user_login, world.service_user)
        assert "Your referrals" in html and "You were referred to" in html
        assert "Refer to another team" not in html


class DraftTests:
    """A draft's author can finish it from its page: confirm consent, change it, or delete it."""

    def test_a_draft_without_consent_confirms_it_as_it_is_sent(self, world, client):
        referral = make_referral(world, send=False, consent_confirmed=False)
        client.force_login(world.keyworker_sm)
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert 'name="consent_confirmed"' in page and "The person has agreed to this referral" in page
        client.post(f"/referrals/{referral.pk}/send/", {"consent_confirmed": "on"})
        referral.refresh_from_db()
        assert (referral.state, referral.consent_confirmed) == (State.SENT, True)
        assert referral.consent_confirmed_by == world.keyworker_sm
        assert 'name="consent_confirmed"' not in client.get(f"/referrals/{referral.pk}/").content.decode()

    def test_sending_without_consent_links_the_error_to_the_checkbox(self, world, client):
        referral = make_referral(world, send=False, consent_confirmed=False)
        client.force_login(world.keyworker_sm)
        response = client.post(f"/referrals/{referral.pk}/send/")
        assert response.status_code == 400
        page = response.content.decode()
        assert (
            '<a href="#send-consent_confirmed">Confirm that the person agrees to this referral '
            "before you send it.</a>" in page
        )
        assert 'id="send-consent_confirmed"' in page and 'id="send-consent_confirmed-error"' in page
        referral.refresh_from_db()
        assert referral.state == State.DRAFT

    def test_the_author_changes_the_draft_and_sends_it(self, world, client):
        referral = make_referral(world, send=False, consent_confirmed=False, urgency="")
        client.force_login(world.keyworker_sm)
        assert (
            f'href="/referrals/{referral.pk}/edit/"'
            in client.get(f"/referrals/{referral.pk}/").content.decode()
        )
        form = client.get(f"/referrals/{referral.pk}/edit/")
        assert form.status_code == 200 and "Low mood and not sleeping" in form.content.decode()
        response = client.post(
            f"/referrals/{referral.pk}/edit/",
            {**VALID, "to_team": world.cmht_south.pk, "reason": "Now hearing voices too."},
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert (referral.state, referral.to_team, referral.urgency) == (
            State.SENT,
            world.cmht_south,
            "urgent",
        )
        assert referral.reason == "Now hearing voices too." and referral.consent_confirmed

    def test_saving_a_changed_draft_keeps_it_a_draft(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_sm)
        client.post(
            f"/referrals/{referral.pk}/edit/", {**VALID, "to_team": world.cmht_north.pk, "action": "draft"}
        )
        referral.refresh_from_db()
        assert referral.state == State.DRAFT and referral.reason == VALID["reason"]

    def test_the_author_deletes_a_draft_and_the_audit_keeps_it(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_sm)
        assert (
            f'href="/referrals/{referral.pk}/delete/"'
            in client.get(f"/referrals/{referral.pk}/").content.decode()
        )
        assert client.get(f"/referrals/{referral.pk}/delete/").status_code == 200
        response = client.post(f"/referrals/{referral.pk}/delete/")
        assert response.status_code == 302 and response["Location"] == "/referrals/sent/"
        assert not Referral.objects.filter(pk=referral.pk).exists()
        assert AuditEvent.objects.filter(action="referral.delete_draft", target_id=str(referral.pk)).exists()

    def test_a_sent_referral_cannot_be_changed_or_deleted(self, world, client):
        referral = make_referral(world)
        client.force_login(world.keyworker_sm)
        page = client.get(f"/referrals/{referral.pk}/").content.decode()
        assert "/edit/" not in page and "/delete/" not in page
        assert client.get(f"/referrals/{referral.pk}/edit/").status_code == 404
        assert client.post(f"/referrals/{referral.pk}/delete/").status_code == 404
        assert Referral.objects.filter(pk=referral.pk, state=State.SENT).exists()

    def test_other_teams_cannot_change_or_delete_a_draft(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_mh)  # the receiving team: a draft is not theirs to see
        assert client.get(f"/referrals/{referral.pk}/edit/").status_code == 404
        assert client.post(f"/referrals/{referral.pk}/delete/").status_code == 404
        client.force_login(world.pharmacist)
        assert client.post(f"/referrals/{referral.pk}/delete/").status_code in (403, 404)
        assert Referral.objects.filter(pk=referral.pk, state=State.DRAFT).exists()

    def test_a_draft_to_a_team_with_an_open_referral_is_refused(self, world, client):
        make_referral(world)  # sent to North CMHT
        client.force_login(world.keyworker_sm)
        data = {**VALID, "to_team": world.cmht_north.pk, "action": "draft"}
        response = client.post(f"/referrals/people/{world.sm_only.pk}/new/", data)
        assert response.status_code == 200
        assert response.context["form"].errors["to_team"] == [services.OPEN_REFERRAL_EXISTS]
        assert Referral.objects.count() == 1

    def test_a_draft_cannot_be_changed_to_a_team_with_an_open_referral(self, world, client):
        make_referral(world)  # sent to North CMHT
        draft = make_referral(world, send=False, to_team=world.cmht_south)
        client.force_login(world.keyworker_sm)
        data = {**VALID, "to_team": world.cmht_north.pk, "action": "draft"}
        response = client.post(f"/referrals/{draft.pk}/edit/", data)
        assert response.context["form"].errors["to_team"] == [services.OPEN_REFERRAL_EXISTS]
        draft.refresh_from_db()
        assert draft.to_team == world.cmht_south
