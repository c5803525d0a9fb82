"""Who reads a case conversation (issue 16 item 10): every access case, on the page, the service
and the selector alike."""

import pytest
from django.urls import reverse

from conversations import selectors, services
from conversations.models import Kind
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.people import services as people
from dualcare.people.models import Consent, Involvement, Scope
from referrals import services as referrals

pytestmark = pytest.mark.django_db


def can_read(user, conversation) -> bool:
    return selectors.conversations_visible_to(user).filter(pk=conversation.pk).exists()


class ConversationAccessTests:
    def test_it_lets_the_addressed_and_the_starter_read(self, world, ask):
        conversation = ask()
        assert can_read(world.keyworker_mh, conversation)
        assert can_read(world.keyworker_sm, conversation)

    def test_it_lets_colleagues_of_an_organisation_in_it_read(self, world, ask):
        # The link worker shares the CMHT's caseload: they cover for the key worker.
        conversation = ask()
        assert can_read(world.linkworker_mh, conversation)

    def test_it_hides_it_from_an_involved_organisation_not_addressed(self, world, ask):
        # The pharmacy works with Sam but is not in this care-plan conversation.
        conversation = ask()
        assert not can_read(world.pharmacist, conversation)

    def test_it_hides_it_from_the_outsider_the_carer_and_the_admin(self, world, ask):
        conversation = ask()
        for user in (world.outsider, world.carer, world.orgadmin_mh):
            assert not can_read(user, conversation)

    def test_it_refuses_to_address_an_organisation_without_that_consent(self, world, ask):
        # Sam has not agreed to share risk information with the drug and alcohol service.
        with pytest.raises(ApplicationError) as refused:
            ask(by=world.keyworker_mh, kind=Kind.RISK, staff=[world.keyworker_sm])
        assert refused.value.field == "staff"
        with pytest.raises(ApplicationError) as refused:
            ask(by=world.keyworker_mh, kind=Kind.RISK, staff=[], teams=[world.sm_team])
        assert refused.value.field == "teams"

    def test_it_refuses_to_address_the_outsider_and_the_pharmacy_about_the_care_plan(self, world, ask):
        for addressed in ({"staff": [world.outsider]}, {"staff": [], "teams": [world.pharmacy_team]}):
            with pytest.raises(ApplicationError):
                ask(**addressed)

    def test_it_addresses_the_pharmacy_about_collections(self, world, ask):
        conversation = ask(kind=Kind.CONTACTS, staff=[world.pharmacist])
        assert can_read(world.pharmacist, conversation)

    def test_it_hides_it_at_once_when_consent_is_withdrawn_and_tells_the_others(self, world, ask, login):
        conversation = ask(by=world.keyworker_mh, staff=[world.keyworker_sm])
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.CARE_PLAN
        )
        people.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert not can_read(world.keyworker_sm, conversation)
        url = reverse("conversations:detail", args=[conversation.pk])
        assert login(world.keyworker_sm).get(url).status_code == 404
        assert AuditEvent.objects.filter(actor=world.keyworker_sm, outcome="denied").exists()
        page = login(world.keyworker_mh).get(url)
        assert page.status_code == 200
        assert "Testshire Drug and Alcohol Service has left this conversation" in page.content.decode()
        with pytest.raises(access.Hidden):
            services.message_reply(conversation=conversation, by=world.keyworker_sm, text="Still here?")

    def test_it_hides_it_when_the_involvement_ends(self, world, ask, login):
        conversation = ask()
        involvement = Involvement.objects.get(
            service_user=world.service_user, team=world.sm_team, end__isnull=True
        )
        people.involvement_end(involvement=involvement, reason="Discharged", by=world.keyworker_sm)
        assert not can_read(world.keyworker_sm, conversation)
        assert (
            login(world.keyworker_sm).get(reverse("conversations:detail", args=[conversation.pk])).status_code
            == 404
        )
        page = login(world.keyworker_mh).get(reverse("conversations:detail", args=[conversation.pk]))
        assert "Testshire Drug and Alcohol Service has left this conversation" in page.content.decode()

    def test_it_shows_the_person_only_what_they_are_included_in(self, world, ask):
        left_out = ask()
        included = ask(includes_service_user=True, subject="How are things")
        visible = set(selectors.conversations_visible_to(world.service_user_login))
        assert visible == {included}
        assert left_out not in visible

    def test_it_never_shows_the_carer_even_when_the_person_is_included(self, world, ask):
        ask(includes_service_user=True)
        assert not selectors.conversations_visible_to(world.carer).exists()
        assert not selectors.messages_visible_to(world.carer).exists()

    def test_it_gives_the_timeline_only_the_messages_the_viewer_may_read(self, world, ask):
        shared = ask()
        services.message_reply(conversation=shared, by=world.keyworker_mh, text="Yes, Friday.")
        ask(by=world.keyworker_mh, kind=Kind.CONTACTS, staff=[world.pharmacist], subject="Collections")
        mine = list(selectors.messages_for_timeline(world.keyworker_sm, world.service_user))
        assert [m.text for m in mine] == ["Yes, Friday.", shared.messages.order_by("created_at").first().text]
        assert selectors.messages_for_timeline(world.pharmacist, world.service_user).count() == 1
        assert not selectors.messages_for_timeline(world.outsider, world.service_user).exists()

    def test_it_answers_a_404_for_a_conversation_that_does_not_exist(self, world, login):
        client = login(world.keyworker_mh)
        assert (
            client.get(
                reverse("conversations:detail", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12])
            ).status_code
            == 404
        )


class ReferralReceivingTeamTests:
    """The team a referral is with (no involvement yet) may be addressed and reads the thread while
    the referral is open, as far as the person's consent of the conversation's kind allows."""

    @pytest.fixture
    def referred(self, world):
        # keyworker.mh refers Sam to the charity's peer support; Sam agrees to share the care plan.
        people.consent_record(
            service_user=world.service_user,
            organisation=world.charity,
            scope=Scope.CARE_PLAN,
            by=world.keyworker_mh,
        )
        return referrals.referral_create(
            by=world.keyworker_mh,
            service_user=world.service_user,
            to_team=world.charity_team,
            reason="Peer support alongside the CMHT",
            urgency="routine",
            consent_confirmed=True,
            send=True,
        )

    def ask_charity(self, world, ask, **overrides):
        return ask(by=world.keyworker_mh, staff=[], teams=[world.charity_team], **overrides)

    def test_it_addresses_the_team_and_lets_it_read_and_reply_while_the_referral_is_open(
        self, world, ask, referred, login
    ):
        conversation = self.ask_charity(world, ask)
        assert can_read(world.outsider, conversation)
        assert world.outsider in services.addressed_people(conversation)
        page = login(world.outsider).get(reverse("conversations:detail", args=[conversation.pk]))
        assert page.status_code == 200
        assert "Is the depot still due on Friday?" in page.content.decode()
        assert "has left this conversation" not in page.content.decode()
        assert AuditEvent.objects.filter(
            actor=world.outsider, action="conversation.view", outcome="allowed"
        ).exists()
        services.message_reply(
            conversation=conversation, by=world.outsider, text="We can see Sam on Tuesday."
        )
        assert [
            m.text
            for m in selectors.messages_visible_to(world.keyworker_mh)
            .filter(conversation=conversation)
            .order_by("created_at")
        ][-1] == "We can see Sam on Tuesday."
        # The referral is the way in to the thread, not to the record.
        assert not access.service_users_visible_to(world.outsider).filter(pk=world.service_user.pk).exists()

    def test_it_names_a_member_of_the_team(self, world, ask, referred):
        conversation = ask(by=world.keyworker_mh, staff=[world.outsider])
        assert can_read(world.outsider, conversation)

    def test_it_refuses_the_team_without_consent_of_the_kind(self, world, ask, referred):
        # Sam agreed to share the care plan with the charity, not risk information.
        with pytest.raises(ApplicationError) as refused:
            self.ask_charity(world, ask, kind=Kind.RISK)
        assert refused.value.field == "teams"

    def test_it_refuses_the_team_once_the_referral_is_declined(self, world, ask, referred):
        referrals.referral_decline(
            referral=referred,
            by=world.outsider,
            reason="Not for us",
            signposting_service="Local recovery café",
        )
        with pytest.raises(ApplicationError):
            self.ask_charity(world, ask)

    # A referral is closed only once accepted, when the involvement it starts is the way in.
    @pytest.mark.parametrize("answer", ["decline", "withdraw"])
    def test_it_hides_the_thread_at_once_when_the_referral_ends(self, world, ask, referred, login, answer):
        conversation = self.ask_charity(world, ask)
        assert can_read(world.outsider, conversation)
        if answer == "decline":
            referrals.referral_decline(
                referral=referred, by=world.outsider, reason="Not for us", signposting_service="Recovery café"
            )
        else:
            referrals.referral_withdraw(referral=referred, by=world.keyworker_mh)
        assert not can_read(world.outsider, conversation)
        assert not selectors.messages_visible_to(world.outsider).exists()
        url = reverse("conversations:detail", args=[conversation.pk])
        assert login(world.outsider).get(url).status_code == 404
        assert AuditEvent.objects.filter(actor=world.outsider, outcome="denied").exists()
        with pytest.raises(access.Hidden):
            services.message_reply(conversation=conversation, by=world.outsider, text="Still here?")
        page = login(world.keyworker_mh).get(url)
        assert "Test Recovery Charity has left this conversation" in page.content.decode()

    def test_it_keeps_the_thread_once_the_referral_is_accepted(self, world, ask, referred):
        conversation = self.ask_charity(world, ask)
        referrals.referral_accept(referral=referred, by=world.outsider)
        assert can_read(world.outsider, conversation)
        assert selectors.messages_visible_to(world.outsider).filter(conversation=conversation).count() == 1

    def test_it_hides_the_thread_when_the_charity_withdraws_consent(self, world, ask, referred):
        conversation = self.ask_charity(world, ask)
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.charity, scope=Scope.CARE_PLAN
        )
        people.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert not can_read(world.outsider, conversation)

    def test_it_keeps_the_thread_from_another_team_of_the_organisation_not_addressed(
        self, world, ask, referred
    ):
        conversation = ask()  # keyworker.sm to keyworker.mh: the charity is not in it
        assert not can_read(world.outsider, conversation)
