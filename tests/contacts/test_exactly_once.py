"""One event, one alert per recipient: tasks run twice, in two threads, two recorders at once."""

import datetime as dt
import os
import threading

import pytest
from django.db import connections
from django.utils import timezone

from dualcare.contacts import services, tasks
from dualcare.contacts.models import Contact, ContactOutcomeEvent
from dualcare.notifications.models import Notification

from .helpers import appointment, collection, schedule


@pytest.mark.django_db
class TaskTwiceTests:
    def test_generating_collections_twice_writes_one_per_day(self, world):
        sched = schedule(world)
        tasks.collections_generate.apply().get()
        tasks.collections_generate.apply().get()
        assert Contact.objects.filter(schedule=sched, due_on=timezone.localdate()).count() == 1

    def test_reminders_run_twice_remind_once(self, world):
        appointment(world, hours=5)
        assert tasks.reminders_send.apply().get() == 1
        assert tasks.reminders_send.apply().get() == 0
        assert Notification.objects.filter(kind="contacts.reminder").count() == 1

    def test_recording_a_miss_again_after_a_correction_adds_no_second_alert(self, world):
        contact = collection(world, schedule(world), timezone.localdate())
        for outcome in ("missed", "attended", "missed"):
            services.contact_record(contact=contact, by=world.pharmacist, outcome=outcome)
        assert (
            Notification.objects.filter(
                kind="contacts.missed_collection", recipient=world.keyworker_sm
            ).count()
            == 2
        )
        assert (
            Notification.objects.filter(
                kind="contacts.missed_collection", recipient=world.keyworker_sm, channel="in_app"
            ).count()
            == 1
        )
        assert ContactOutcomeEvent.objects.filter(contact=contact).count() == 3


def in_threads(count, work):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="A real race needs row locks: run with DATABASE_URL pointing at PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class RaceTests:
    def test_two_pharmacists_recording_the_same_miss_at_once_alert_once(self, world):
        contact = collection(world, schedule(world), timezone.localdate())
        results = in_threads(
            2,
            lambda: services.contact_record(
                contact=Contact.objects.get(pk=contact.pk), by=world.pharmacist, outcome="missed"
            )[1],
        )
        assert sorted(results) == [False, True]
        assert ContactOutcomeEvent.objects.filter(contact=contact).count() == 1
        assert (
            Notification.objects.filter(
                kind="contacts.missed_collection", recipient=world.keyworker_sm, channel="in_app"
            ).count()
            == 1
        )

    def test_two_reminder_scans_at_once_remind_once(self, world):
        appointment(world, hours=5)
        results = in_threads(2, services.reminders_send)
        assert sorted(results) == [0, 1]
        assert Notification.objects.filter(kind="contacts.reminder").count() == 1

    def test_two_disengagement_scans_at_once_alert_once(self, world):
        later = timezone.now() + dt.timedelta(days=40)
        in_threads(2, lambda: services.disengagement_scan(now=later))
        rows = Notification.objects.filter(
            kind="contacts.disengaged", url=f"/people/{world.service_user.pk}/"
        )
        assert sorted(rows.values_list("recipient__username", flat=True)) == ["keyworker.mh", "keyworker.sm"]

    def test_two_collection_generators_at_once_write_one_row(self, world):
        sched = schedule(world)
        Contact.objects.filter(schedule=sched).delete()
        in_threads(2, services.collections_generate)
        assert Contact.objects.filter(schedule=sched, due_on=timezone.localdate()).count() == 1
