"""Every legal and illegal move of a referral, through the services."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Involvement
from referrals import services
from referrals.models import TRANSITIONS, Referral, ReferralEvent, State

from .helpers import make_referral

pytestmark = pytest.mark.django_db


def _to_state(world, state: str) -> Referral:
    """A fresh referral driven to `state` by the right people."""
    referral = make_referral(world, send=state != State.DRAFT)
    if state in (State.ACKNOWLEDGED,):
        referral = services.referral_acknowledge(referral=referral, by=world.keyworker_mh)
    elif state == State.ACCEPTED:
        referral = services.referral_accept(referral=referral, by=world.keyworker_mh)
    elif state == State.DECLINED:
        referral = _decline(world, referral)
    elif state == State.WITHDRAWN:
        referral = services.referral_withdraw(referral=referral, by=world.keyworker_sm)
    elif state == State.CLOSED:
        referral = services.referral_accept(referral=referral, by=world.keyworker_mh)
        referral = services.referral_close(referral=referral, by=world.keyworker_mh)
    assert referral.state == state
    return referral


def _decline(world, referral):
    return services.referral_decline(
        referral=referral,
        by=world.keyworker_mh,
        reason="Needs are met by primary care.",
        signposting_service="Testshire Talking Therapies",
        signposting_next_steps="Self-refer online or by phone.",
    )


def _attempt(world, referral, to: str):
    if to == State.SENT:
        return services.referral_send(referral=referral, by=world.keyworker_sm)
    if to == State.ACKNOWLEDGED:
        return services.referral_acknowledge(referral=referral, by=world.keyworker_mh)
    if to == State.ACCEPTED:
        return services.referral_accept(referral=referral, by=world.keyworker_mh)
    if to == State.DECLINED:
        return _decline(world, referral)
    if to == State.WITHDRAWN:
        return services.referral_withdraw(referral=referral, by=world.keyworker_sm)
    if to == State.CLOSED:
        return services.referral_close(referral=referral, by=world.keyworker_mh)
    raise AssertionError(to)


ALL_MOVES = [(a, b) for a in State.values for b in State.values if b != State.DRAFT]
LEGAL = [(a, b) for a, b in ALL_MOVES if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_MOVES if b not in TRANSITIONS[a]]


class TransitionTests:
    def test_it_defines_exactly_the_designed_moves(self):
        assert sorted(LEGAL) == sorted(
            [
                ("draft", "sent"),
                ("sent", "acknowledged"),
                ("sent", "accepted"),
                ("sent", "declined"),
                ("sent", "withdrawn"),
                ("acknowledged", "accepted"),
                ("acknowledged", "declined"),
                ("acknowledged", "withdrawn"),
                ("accepted", "closed"),
            ]
        )

    @pytest.mark.parametrize(("from_state", "to_state"), LEGAL)
    def test_it_makes_every_legal_move_and_records_who_when_and_from_where(self, world, from_state, to_state):
        referral = _to_state(world, from_state)
        events_before = referral.events.count()
        moved = _attempt(world, referral, to_state)
        moved.refresh_from_db()
        assert moved.state == to_state
        event = moved.events.order_by("-at", "-pk").first()
        assert moved.events.count() == events_before + 1
        assert (event.from_state, event.to_state) == (from_state, to_state)
        assert event.by in (world.keyworker_mh, world.keyworker_sm)
        time_field = {
            "sent": "sent_at",
            "acknowledged": "acknowledged_at",
            "accepted": "accepted_at",
            "declined": "declined_at",
            "withdrawn": "withdrawn_at",
            "closed": "closed_at",
        }[to_state]
        assert getattr(moved, time_field) == event.at

    @pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
    def test_it_refuses_every_illegal_move_and_changes_nothing(self, world, from_state, to_state):
        referral = _to_state(world, from_state)
        before = Referral.objects.filter(pk=referral.pk).values().get()
        events = ReferralEvent.objects.filter(referral=referral).count()
        if from_state == State.DRAFT and to_state != State.WITHDRAWN:
            # A draft is not yet the receiving team's to see, let alone answer.
            with pytest.raises(PermissionDenied):
                _attempt(world, referral, to_state)
        else:
            with pytest.raises(ApplicationError) as refused:
                _attempt(world, referral, to_state)
            assert f"is {State(from_state).label.lower()}, so it cannot be" in refused.value.message
        assert Referral.objects.filter(pk=referral.pk).values().get() == before
        assert ReferralEvent.objects.filter(referral=referral).count() == events


class SendTests:
    def test_it_refuses_to_send_without_the_persons_consent(self, world):
        referral = make_referral(world, send=False, consent_confirmed=False)
        with pytest.raises(ApplicationError) as refused:
            services.referral_send(referral=referral, by=world.keyworker_sm)
        assert refused.value.field == "consent_confirmed"
        referral.refresh_from_db()
        assert referral.state == State.DRAFT and referral.sent_at is None

    def test_it_records_who_confirmed_consent_and_when(self, world):
        referral = make_referral(world)
        assert referral.consent_confirmed_by == world.keyworker_sm
        assert referral.consent_confirmed_at is not None

    def test_it_sets_both_deadlines_when_sent(self, world):
        referral = make_referral(world, urgency="emergency")
        assert referral.acknowledge_due_at - referral.sent_at == __import__("datetime").timedelta(hours=4)
        assert referral.decide_due_at > referral.acknowledge_due_at

    def test_it_refuses_a_second_open_referral_to_the_same_team(self, world):
        second = make_referral(world, send=False)  # a draft written before the first was sent
        make_referral(world)
        with pytest.raises(ApplicationError) as refused:
            services.referral_send(referral=second, by=world.keyworker_sm)
        assert refused.value.field == "to_team"

    def test_it_refuses_a_draft_to_a_team_with_an_open_referral_for_the_person(self, world):
        make_referral(world)
        with pytest.raises(ApplicationError) as refused:
            make_referral(world, send=False)
        assert refused.value.field == "to_team" and refused.value.message == services.OPEN_REFERRAL_EXISTS

    def test_it_allows_a_referral_within_the_same_organisation(self, world):
        referral = make_referral(
            world, by=world.keyworker_mh, service_user=world.mh_only, to_team=world.cmht_south
        )
        assert referral.state == State.SENT and referral.from_team == world.cmht_north

    def test_it_refuses_a_referral_to_the_referrers_own_team(self, world):
        with pytest.raises(ApplicationError) as refused:
            make_referral(world, to_team=world.sm_team)
        assert refused.value.field == "to_team"
        assert not Referral.objects.exists()

    def test_it_needs_a_reason(self, world):
        with pytest.raises(ApplicationError) as refused:
            make_referral(world, reason="   ")
        assert refused.value.field == "reason"

    def test_it_refuses_staff_whose_team_is_not_involved_with_the_person(self, world):
        with pytest.raises(ApplicationError):
            make_referral(world, by=world.outsider, to_team=world.cmht_north)
        with pytest.raises(ApplicationError):
            make_referral(world, by=world.pharmacist, service_user=world.service_user)
        assert not Referral.objects.exists()


class DeclineTests:
    @pytest.mark.parametrize(
        ("missing", "field"),
        [
            ("reason", "reason"),
            ("signposting_service", "signposting_service"),
        ],
    )
    def test_it_needs_a_reason_and_signposting(self, world, missing, field):
        referral = make_referral(world)
        values = {
            "reason": "Not for us.",
            "signposting_service": "Testshire Talking Therapies",
            "signposting_next_steps": "Self-refer online.",
        }
        values[missing] = " "
        with pytest.raises(ApplicationError) as refused:
            services.referral_decline(referral=referral, by=world.keyworker_mh, **values)
        assert refused.value.field == field
        referral.refresh_from_db()
        assert referral.state == State.SENT and referral.decline_reason == ""


class AcceptTests:
    def test_it_starts_the_receiving_teams_involvement_and_access_follows_at_once(self, world):
        referral = make_referral(world)
        assert not access.can_view_record(world.keyworker_mh, world.sm_only)
        services.referral_accept(referral=referral, by=world.keyworker_mh, key_worker=world.keyworker_mh)
        involvement = Involvement.objects.get(
            service_user=world.sm_only, team=world.cmht_north, end__isnull=True
        )
        assert involvement.key_worker == world.keyworker_mh
        assert access.can_view_record(world.keyworker_mh, world.sm_only)
        referral.refresh_from_db()
        assert referral.receiving_key_worker == world.keyworker_mh

    def test_it_still_accepts_when_the_team_is_already_involved(self, world):
        referral = make_referral(world, by=world.keyworker_sm, service_user=world.service_user)
        accepted = services.referral_accept(referral=referral, by=world.keyworker_mh)
        assert accepted.state == State.ACCEPTED
        assert (
            Involvement.objects.filter(
                service_user=world.service_user, team=world.cmht_north, end__isnull=True
            ).count()
            == 1
        )

    def test_it_refuses_a_key_worker_from_another_team_and_changes_nothing(self, world):
        referral = make_referral(world)
        with pytest.raises(ApplicationError) as refused:
            services.referral_accept(referral=referral, by=world.keyworker_mh, key_worker=world.keyworker_sm)
        assert refused.value.field == "key_worker"
        referral.refresh_from_db()
        assert referral.state == State.SENT
        assert not Involvement.objects.filter(service_user=world.sm_only, team=world.cmht_north).exists()


class WhoMayActTests:
    def test_it_lets_only_the_receiving_team_answer(self, world):
        referral = make_referral(world)
        for user in (
            world.keyworker_sm,
            world.outsider,
            world.pharmacist,
            world.orgadmin_mh,
            world.manager_mh,
        ):
            with pytest.raises(PermissionDenied):
                services.referral_acknowledge(referral=referral, by=user)
        referral.refresh_from_db()
        assert referral.state == State.SENT

    def test_it_lets_only_the_referring_team_withdraw(self, world):
        referral = make_referral(world)
        with pytest.raises(PermissionDenied):
            services.referral_withdraw(referral=referral, by=world.keyworker_mh)
        referral.refresh_from_db()
        assert referral.state == State.SENT

    def test_it_lets_a_link_worker_of_the_receiving_team_accept(self, world):
        referral = make_referral(world)
        services.referral_accept(referral=referral, by=world.linkworker_mh)
        referral.refresh_from_db()
        assert referral.state == State.ACCEPTED


class DraftTests:
    def test_the_referring_team_changes_a_draft_and_records_consent_when_given(self, world):
        referral = make_referral(world, send=False, consent_confirmed=False)
        services.referral_update(
            referral=referral,
            by=world.keyworker_sm,
            urgency="urgent",
            consent_confirmed=True,
            reason=" New. ",
        )
        referral.refresh_from_db()
        assert (referral.urgency, referral.reason) == ("urgent", "New.")
        assert referral.consent_confirmed_by == world.keyworker_sm and referral.consent_confirmed_at

    def test_it_refuses_changes_once_sent_and_from_the_receiving_team(self, world):
        referral = make_referral(world)
        with pytest.raises(ApplicationError):
            services.referral_update(
                referral=referral, by=world.keyworker_sm, reason="Changed after sending."
            )
        with pytest.raises(PermissionDenied):
            services.referral_update(referral=referral, by=world.keyworker_mh, reason="Not ours.")
        referral.refresh_from_db()
        assert referral.reason.startswith("Low mood")


class UrgencyConstraintTests:
    def test_the_database_refuses_a_sent_referral_without_an_urgency(self, world):
        referral = make_referral(world)
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(urgency="")
