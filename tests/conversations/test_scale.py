"""The trust-scale demo's conversations (conversations/scale.py): rows the models accept, what the
services would have written (addressees, outbox rows, the times they keep), the access rules'
readers, and the same rows from the same seed. Built once per class at a tiny fraction (1/2000)."""

from fractions import Fraction

import pytest
from django.db import transaction

from conversations import selectors, services
from conversations.models import Conversation, Message, Participant
from conversations.scale import scale_add
from dualcare import access
from dualcare.management.scale import trust_scale_build
from dualcare.notifications.models import Notification
from dualcare.people.scale import trust_from_database

SCALE = Fraction(1, 2000)


@pytest.fixture(scope="class")
def trust(class_db):
    return trust_scale_build(scale=SCALE, seed=7, password="dualcare-demo-2026", say=lambda line: None)


@pytest.mark.django_db
@pytest.mark.usefixtures("trust")
class ConversationsScaleTests:
    def test_it_writes_the_share_asked_for(self, trust):
        # 25,000 conversations at full scale: 12 here, with about 3.6 messages each.
        assert trust["counts"]["conversations"] == Conversation.objects.count() == 12
        assert Participant.objects.count() == 12
        assert 12 <= Message.objects.count() <= 12 * 7
        assert Conversation.objects.filter(first_reply_at__isnull=True).count() < 12

    def test_it_leaves_rows_the_models_accept(self, trust):
        for model in (Conversation, Participant, Message, Notification):
            for row in model.objects.all():
                row.full_clean(validate_unique=False)

    def test_each_conversation_is_as_the_services_would_have_left_it(self, trust):
        for conversation in Conversation.objects.all():
            messages = list(conversation.messages.order_by("created_at"))
            assert messages[0].author_id == conversation.started_by_id
            assert conversation.last_message_at == messages[-1].created_at
            answers = [m for m in messages if m.organisation_id != conversation.organisation_id]
            assert conversation.first_reply_at == (answers[0].created_at if answers else None)
            assert all(m.kind == conversation.kind and m.service_user_id == conversation.service_user_id
                       for m in messages)  # fmt: skip
            # The starter addressed a team working with the person that holds the kind's consent.
            addressable = access.conversation_addressable_teams(
                conversation.service_user, conversation.kind, by_organisation_id=conversation.organisation_id
            )
            assert set(conversation.participants.values_list("team_id", flat=True)) <= set(
                addressable.values_list("pk", flat=True)
            )
            # One outbox row per addressed person (but the author) and channel, each message.
            told = services.addressed_people(conversation)
            for message in messages:
                rows = Notification.objects.filter(event_key=f"conversation.message:{message.pk}")
                in_app = set(rows.filter(channel="in_app").values_list("recipient_id", flat=True))
                assert in_app == {person.pk for person in told} - {message.author_id}
                assert rows.filter(channel="in_app").count() == len(in_app)
                assert set(rows.values_list("state", flat=True)) == {Notification.State.SENT}
            if conversation.overdue_alerted_at:
                assert conversation.first_reply_at is None
                assert conversation.reply_by < trust_today()

    def test_everyone_told_reads_the_thread_and_the_inbox_lists_it(self, trust):
        for conversation in Conversation.objects.order_by("pk")[:4]:
            for person in services.addressed_people(conversation):
                assert selectors.conversations_visible_to(person).filter(pk=conversation.pk).exists()
                assert selectors.addressed_to(person).filter(pk=conversation.pk).exists()

    def test_the_beat_finds_nothing_left_to_alert(self, trust):
        alerted = Conversation.objects.filter(overdue_alerted_at__isnull=False).count()
        assert services.conversations_alert_overdue() == 0
        assert Conversation.objects.filter(overdue_alerted_at__isnull=False).count() == alerted

    def test_the_same_seed_writes_the_same_rows(self, trust):
        def rows():
            return (
                list(Conversation.objects.order_by("pk").values_list("pk", "subject", "last_message_at")),
                list(Message.objects.order_by("pk").values_list("pk", "author_id", "text", "created_at")),
                list(Notification.objects.order_by("pk").values_list("pk", "recipient_id", "read_at")),
            )

        def again():
            for model in (Notification, Message, Participant, Conversation):
                model.objects.all().delete()
            read_back = trust_from_database(seed=7, scale=float(SCALE), today=trust_today(), now=trust_now())
            return scale_add(read_back)

        with transaction.atomic():
            sid = transaction.savepoint()
            counts = again()
            first = rows()
            assert again() == counts and rows() == first
            assert counts["conversations"] == 12 and first[1]
            transaction.savepoint_rollback(sid)


def trust_today():
    return trust_now().date()


def trust_now():
    from dualcare.audit.models import AuditEvent

    return AuditEvent.objects.get(action="demo.scale").at
