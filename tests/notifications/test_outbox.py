"""The outbox: one row per event and recipient, claimed before sending, swept when left behind."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from dualcare.notifications import services
from dualcare.notifications.models import Notification
from dualcare.notifications.selectors import notifications_for

pytestmark = pytest.mark.django_db


def event(world, key="test:1:event", recipients=None):
    return services.notify(
        event_key=key,
        recipients=recipients or [world.manager_mh, world.keyworker_mh],
        kind="test.event",
        subject="Something needs your attention",
        body="Open DualCare to see it.",
        url="/referrals/x/",
    )


class NotifyTests:
    def test_it_writes_one_row_per_recipient_and_channel_however_often_it_is_called(self, world):
        event(world)
        event(world)
        event(world, recipients=[world.manager_mh])
        assert Notification.objects.count() == 4  # two people, in-app and email each
        assert Notification.objects.filter(recipient=world.manager_mh, channel="in_app").count() == 1

    def test_it_skips_email_for_someone_without_an_address(self, world):
        world.keyworker_mh.email = ""
        world.keyworker_mh.save()
        event(world)
        assert not Notification.objects.filter(recipient=world.keyworker_mh, channel="email").exists()

    def test_it_writes_nothing_if_the_event_rolls_back(self, world):
        with pytest.raises(RuntimeError), transaction.atomic():
            event(world)
            raise RuntimeError("the event failed")
        assert not Notification.objects.exists()

    def test_it_queues_delivery_only_after_commit(self, world, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            event(world)
        assert len(callbacks) == 1

    def test_it_keeps_the_row_pending_when_the_broker_is_down(self, world, monkeypatch):
        from dualcare.notifications import tasks

        def broker_down(*args, **kwargs):
            raise ConnectionError("broker unreachable")

        monkeypatch.setattr(tasks.notifications_deliver_batch, "delay", broker_down)
        rows = event(world)
        services._queue_delivery([str(row.pk) for row in rows])
        assert Notification.objects.filter(state="pending").count() == 4

    def test_after_one_failed_broker_call_the_process_leaves_queuing_to_the_sweep_for_a_while(
        self, world, monkeypatch
    ):
        from dualcare.notifications import tasks

        calls = []
        clock = [1000.0]

        def broker_down(*args, **kwargs):
            calls.append(args)
            raise ConnectionError("broker unreachable")

        monkeypatch.setattr(tasks.notifications_deliver_batch, "delay", broker_down)
        monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
        with transaction.atomic():  # one request telling three teams: three batches
            batches = [event(world, key=f"test:{n}:event") for n in range(3)]
        for rows in batches:
            services._queue_delivery([str(row.pk) for row in rows])
        assert len(calls) == 1  # waited for the broker once, not three times
        assert Notification.objects.filter(state="pending").count() == 12
        clock[0] += services.BROKER_RETRY_AFTER_SECONDS + 1
        services._queue_delivery([str(batches[0][0].pk)])
        assert len(calls) == 2  # tried again after a while


class BatchDeliverTests:
    def test_the_hand_over_sends_one_broker_message_per_batch_of_rows(self, monkeypatch):
        from dualcare.notifications import tasks

        sent = []
        monkeypatch.setattr(tasks.notifications_deliver_batch, "delay", lambda ids: sent.append(ids))
        ids = [f"row-{n}" for n in range(2 * services.DELIVERY_BATCH + 50)]
        services._queue_delivery(ids)
        assert [len(batch) for batch in sent] == [services.DELIVERY_BATCH, services.DELIVERY_BATCH, 50]
        assert [pk for batch in sent for pk in batch] == ids

    def test_an_events_rows_are_handed_over_once_after_commit(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.notify_many(
                [
                    {
                        "event_key": f"test:{n}:event",
                        "recipients": [world.manager_mh],
                        "kind": "test.event",
                        "subject": "Something needs your attention",
                    }
                    for n in range(3)
                ]
            )
        assert len(callbacks) == 1 and Notification.objects.count() == 6

    def test_in_app_rows_are_delivered_set_wise_and_once(self, world, django_assert_num_queries):
        rows = services.notify(
            event_key="test:1:event",
            recipients=[world.manager_mh, world.keyworker_mh, world.keyworker_sm],
            kind="test.event",
            subject="Something needs your attention",
            channels=[Notification.Channel.IN_APP],
        )
        ids = [row.pk for row in rows]
        with django_assert_num_queries(2):  # the in-app UPDATE; the (empty) read of the others
            assert services.notifications_deliver_batch(notification_ids=ids) == 3
        assert services.notifications_deliver_batch(notification_ids=ids) == 0
        for row in Notification.objects.filter(pk__in=ids):
            assert row.state == "sent" and row.sent_at is not None and row.attempts == 1

    def test_a_row_another_worker_has_is_left_alone(self, world):
        rows = event(world)
        taken = next(r for r in rows if r.channel == "email" and r.recipient == world.manager_mh)
        Notification.objects.filter(pk=taken.pk).update(
            state="sending", sending_at=timezone.now(), attempts=1
        )
        assert services.notifications_deliver_batch(notification_ids=[row.pk for row in rows]) == 3
        assert [message.to for message in mail.outbox] == [[world.keyworker_mh.email]]
        assert Notification.objects.get(pk=taken.pk).state == "sending"

    def test_the_task_delivers_a_batch(self, world):
        from dualcare.notifications.tasks import notifications_deliver_batch

        rows = event(world)
        assert notifications_deliver_batch.apply(args=[[str(row.pk) for row in rows]]).get() == 4
        assert len(mail.outbox) == 2


class DeliverTests:
    def test_it_sends_an_email_once_even_if_delivered_twice(self, world):
        row = next(r for r in event(world) if r.channel == "email" and r.recipient == world.manager_mh)
        assert services.notification_deliver(notification_id=row.pk) is True
        assert services.notification_deliver(notification_id=row.pk) is False
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == [world.manager_mh.email]
        assert "/referrals/x/" in mail.outbox[0].body
        row.refresh_from_db()
        assert row.state == "sent" and row.sent_at is not None and row.attempts == 1

    def test_it_marks_in_app_rows_delivered(self, world):
        row = next(r for r in event(world) if r.channel == "in_app")
        services.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        assert row.state == "sent"
        assert len(mail.outbox) == 0

    def test_a_send_that_sent_nothing_is_failed_and_retried_with_backoff(self, world, monkeypatch):
        from dualcare.notifications.delivery import NothingSent

        row = next(r for r in event(world) if r.channel == "email")

        def refused(*args, **kwargs):
            raise NothingSent("mail server unreachable")

        monkeypatch.setattr(services.EmailMessage, "send", refused)
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed" and row.attempts == 1 and row.retry_at is not None
        services.notifications_sweep(now=row.retry_at - dt.timedelta(seconds=1))
        assert Notification.objects.get(pk=row.pk).attempts == 1  # not before its time
        for attempt in range(2, services.MAX_ATTEMPTS + 1):
            services.notifications_sweep(now=row.retry_at + dt.timedelta(seconds=1))
            row.refresh_from_db()
            assert row.attempts == attempt
        assert row.state == "failed" and row.retry_at is None  # given up: nothing more is tried
        services.notifications_sweep(now=timezone.now() + dt.timedelta(days=1))
        assert Notification.objects.get(pk=row.pk).attempts == services.MAX_ATTEMPTS

    def test_an_error_a_backend_cannot_explain_is_unknown_not_retried(self, world, monkeypatch):
        row = next(r for r in event(world) if r.channel == "email")
        monkeypatch.setattr(
            services.EmailMessage, "send", lambda *a, **k: (_ for _ in ()).throw(OSError("?"))
        )
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "unknown" and row.retry_at is None

    def test_the_task_delivers(self, world):
        from dualcare.notifications.tasks import notification_deliver

        row = next(r for r in event(world) if r.channel == "email")
        assert notification_deliver.apply(args=[str(row.pk)]).get() is True
        assert len(mail.outbox) == 1


class SweepTests:
    def test_it_sends_rows_left_pending_and_only_once(self, world):
        event(world)
        later = timezone.now() + dt.timedelta(minutes=2)
        assert services.notifications_sweep(now=later) == 4
        assert services.notifications_sweep(now=later) == 0
        assert len(mail.outbox) == 2

    def test_it_leaves_fresh_rows_to_the_delivery_queued_on_commit(self, world):
        event(world)
        assert services.notifications_sweep() == 0

    def test_it_resends_a_row_stuck_in_sending_by_a_dead_worker_once(self, world):
        rows = event(world)
        long_ago = timezone.now() - dt.timedelta(hours=1)
        Notification.objects.filter(pk=rows[0].pk).update(state="sending", sending_at=long_ago)
        assert services.notifications_sweep(now=timezone.now() + dt.timedelta(minutes=2)) == 4
        stuck = Notification.objects.get(pk=rows[0].pk)
        assert stuck.state == "sent" and stuck.resent_at is not None

    def test_every_row_has_its_own_message_id_on_the_site_domain(self, world):
        rows = event(world)
        ids = {row.message_id for row in rows}
        assert len(ids) == len(rows) == 4
        assert all(i.startswith("<") and i.endswith("@127.0.0.1>") for i in ids)
        assert not any(world.manager_mh.username in i or "manager" in i for i in ids)


class SelectorTests:
    def test_it_lists_only_the_users_own_in_app_notifications(self, world):
        event(world)
        mine = list(notifications_for(world.manager_mh))
        assert len(mine) == 1 and mine[0].channel == "in_app" and mine[0].recipient == world.manager_mh
