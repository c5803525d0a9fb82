"""Telling the addressed (issue 16 item 3): one notification per addressed person per message,
person-free words, the header's unread count, and the overdue reply alert, once."""

import datetime as dt

import pytest
from django.urls import reverse

from conversations import services
from conversations.models import Kind
from dualcare.notifications.models import Notification
from dualcare.notifications.selectors import unread_counts
from referrals.sla import next_working_day

pytestmark = pytest.mark.django_db


def in_app(kind=services.MESSAGE_KIND):
    return Notification.objects.filter(kind=kind, channel=Notification.Channel.IN_APP)


class MessageNotificationTests:
    def test_it_tells_each_addressed_person_once_per_message_and_not_the_author(self, world, ask):
        conversation = ask(teams=[world.cmht_north], staff=[world.keyworker_mh])
        # keyworker.mh named and in the North CMHT addressed as a whole: told once; so is the link worker.
        first = in_app().order_by("recipient__username")
        assert [row.recipient.username for row in first] == ["keyworker.mh", "linkworker.mh"]
        services.message_reply(conversation=conversation, by=world.keyworker_mh, text="Yes, Friday.")
        second = in_app().exclude(pk__in=[row.pk for row in first]).order_by("recipient__username")
        assert [row.recipient.username for row in second] == ["keyworker.sm", "linkworker.mh"]

    def test_it_adds_nothing_when_a_message_is_told_again(self, world, ask):
        conversation = ask()
        message = conversation.messages.get()
        before = Notification.objects.count()
        services._notify_message(message)  # a retry of the same event
        assert Notification.objects.count() == before

    def test_it_tells_the_person_when_included_and_never_the_carer(self, world, ask):
        ask(includes_service_user=True)
        told = set(in_app().values_list("recipient__username", flat=True))
        assert "serviceuser" in told and "carer" not in told

    def test_it_tells_nobody_who_may_no_longer_read_it(self, world, ask):
        from dualcare.people import services as people
        from dualcare.people.models import Consent, Scope

        conversation = ask(by=world.keyworker_mh, staff=[world.keyworker_sm])
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.CARE_PLAN
        )
        people.consent_withdraw(consent=consent, by=world.keyworker_mh)
        services.message_reply(conversation=conversation, by=world.keyworker_mh, text="Any news?")
        assert in_app().filter(recipient=world.keyworker_sm).count() == 1  # the first message only

    def test_its_email_names_nobody_and_carries_only_the_link(self, world, ask):
        conversation = ask()
        email = Notification.objects.get(kind=services.MESSAGE_KIND, channel=Notification.Channel.EMAIL)
        words = f"{email.subject} {email.body} {email.url}"
        for private in ("Sam", "Testwell", "depot", "Depot", "script", str(world.service_user.pk)):
            assert private not in words
        assert email.url.startswith(reverse("conversations:detail", args=[conversation.pk]))


class HeaderCountTests:
    def test_it_counts_unread_messages_beside_alerts_until_the_thread_is_opened(self, world, ask, login):
        conversation = ask()
        assert unread_counts(world.keyworker_mh) == (0, 1)
        client = login(world.keyworker_mh)
        home = client.get(reverse("conversations:inbox")).content.decode()
        assert '1<span class="nhsuk-u-visually-hidden"> unread message</span>' in home
        client.get(reverse("conversations:detail", args=[conversation.pk]))
        assert unread_counts(world.keyworker_mh) == (0, 0)

    def test_it_keeps_messages_out_of_the_alert_list(self, world, ask, login):
        ask()
        page = login(world.keyworker_mh).get(reverse("alerts:list")).content.decode()
        assert "Message in a conversation" not in page


class OverdueReplyTests:
    def _ask_by_a_working_day(self, world, ask, **overrides):
        reply_by = next_working_day(world.today)
        return ask(reply_by=reply_by, staff=[], teams=[world.cmht_north], **overrides), reply_by

    def test_it_alerts_the_addressed_teams_manager_once(self, world, ask):
        conversation, reply_by = self._ask_by_a_working_day(world, ask)
        assert services.conversations_alert_overdue(today=reply_by) == 0  # due today: not yet
        after = reply_by + dt.timedelta(days=1)
        assert services.conversations_alert_overdue(today=after) == 1
        assert services.conversations_alert_overdue(today=after) == 0  # the beat again, or a retry
        alerts = in_app(services.OVERDUE_KIND)
        # North CMHT has no manager of its own: the trust's team manager is told.
        assert [row.recipient.username for row in alerts] == ["manager.mh"]
        assert alerts.get().url == reverse("conversations:detail", args=[conversation.pk])

    def test_it_does_not_alert_when_answered_in_time(self, world, ask):
        conversation, reply_by = self._ask_by_a_working_day(world, ask)
        services.message_reply(conversation=conversation, by=world.keyworker_mh, text="Done.")
        assert services.conversations_alert_overdue(today=reply_by + dt.timedelta(days=3)) == 0

    def test_it_refuses_a_reply_by_date_on_a_weekend_naming_a_working_day(self, world, ask):
        from dualcare.exceptions import ApplicationError

        saturday = world.today + dt.timedelta(days=(5 - world.today.weekday()) % 7 or 7)
        with pytest.raises(ApplicationError) as refused:
            ask(reply_by=saturday)
        assert refused.value.field == "reply_by" and "working day" in refused.value.message

    def test_it_refuses_a_past_reply_by_date(self, world, ask):
        from dualcare.exceptions import ApplicationError

        with pytest.raises(ApplicationError):
            ask(reply_by=world.today - dt.timedelta(days=1), kind=Kind.GENERAL)

    def _three_overdue(self, world, ask):
        reply_by = next_working_day(world.today)
        asked = [
            ask(reply_by=reply_by, staff=[], teams=[world.cmht_north], subject=f"Question {n}")
            for n in range(3)
        ]
        return asked, reply_by + dt.timedelta(days=1)

    def test_it_alerts_in_batches_and_a_second_run_sends_nothing_twice(self, world, ask):
        asked, after = self._three_overdue(world, ask)
        assert services.conversations_alert_overdue(today=after, batch=2) == 3
        assert services.conversations_alert_overdue(today=after, batch=2) == 0
        alerts = in_app(services.OVERDUE_KIND)
        assert sorted(str(row.related_id) for row in alerts) == sorted(str(c.pk) for c in asked)
        assert {row.recipient.username for row in alerts} == {"manager.mh"}

    def test_a_run_killed_mid_batch_leaves_its_batch_for_the_next_run(self, world, ask, monkeypatch):
        asked, after = self._three_overdue(world, ask)
        real = services.notify_many
        calls = []

        def dies_on_the_second_batch(events, **kwargs):
            calls.append(len(events))
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return real(events, **kwargs)

        monkeypatch.setattr(services, "notify_many", dies_on_the_second_batch)
        with pytest.raises(RuntimeError):
            services.conversations_alert_overdue(today=after, batch=2)
        # The first batch committed (two alerted); the second rolled back, claim and rows alike.
        assert in_app(services.OVERDUE_KIND).count() == 2
        from conversations.models import Conversation

        assert Conversation.objects.filter(overdue_alerted_at__isnull=False).count() == 2
        assert services.conversations_alert_overdue(today=after, batch=2) == 1
        assert services.conversations_alert_overdue(today=after, batch=2) == 0
        alerts = in_app(services.OVERDUE_KIND)
        assert sorted(row.related_id for row in alerts) == sorted(str(c.pk) for c in asked)
        assert alerts.values("event_key", "recipient").distinct().count() == alerts.count() == 3
