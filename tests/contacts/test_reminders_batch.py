"""The reminder scan in batches: each appointment reminded once, by the way each person prefers,
and a batch costs the same queries however many appointments it holds."""

import os
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact
from dualcare.notifications.models import Notification
from tests.factories import person

from .helpers import appointment

KIND = "contacts.reminder"


def people_of_every_preference(world):
    """Appointments in the next day for Sam (who uses DualCare), one who prefers email and one
    who prefers texts (neither with a login)."""
    by_email = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Emma", family_name="Mail")
    by_email.preferred_contact_method = "email"
    by_email.email = "emma@example.org"
    by_text = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Tex", family_name="Ting")
    by_text.preferred_contact_method = "sms"
    by_text.phone = "07700900456"
    for someone in (by_email, by_text):
        someone.save()
    return [
        appointment(world, hours=hours, person=who)
        for hours, who in ((3, world.service_user), (4, by_email), (5, by_text))
    ]


@pytest.mark.django_db
class ReminderBatchTests:
    def test_a_scan_in_batches_reminds_each_appointment_once_as_each_person_prefers(self, world, settings):
        settings.NOTIFY_API_KEY = "test-" + "a" * 36 + "-" + "b" * 36
        settings.NOTIFY_SMS_TEMPLATE_ID = "c" * 36
        for_sam, for_emma, for_tex = people_of_every_preference(world)
        assert services.reminders_send(batch=2) == 3
        assert services.reminders_send(batch=2) == 0
        rows = Notification.objects.filter(kind=KIND)
        assert sorted(
            (row.related_id, row.channel, row.recipient_id, row.to_address) for row in rows
        ) == sorted(
            [
                (str(for_sam.pk), "in_app", world.service_user_login.pk, ""),
                (str(for_emma.pk), "email", None, "emma@example.org"),
                (str(for_tex.pk), "sms", None, "07700900456"),
            ]
        )
        # Beyond DualCare, the time and the place only: the team's name can say what the care is for.
        text = rows.get(channel="sms")
        assert text.body.startswith("Reminder: you have an appointment on ")
        assert "key worker" not in text.body and "Tex" not in text.body + text.subject
        assert text.url.startswith("/contacts/reply/")
        assert not Contact.objects.filter(
            pk__in=[for_sam.pk, for_emma.pk, for_tex.pk], reminder_claimed_at__isnull=True
        ).exists()

    def test_an_appointment_claimed_meanwhile_is_not_reminded_again(self, world):
        first, second = appointment(world, hours=3), appointment(world, hours=4)
        due = list(Contact.objects.filter(pk__in=[first.pk, second.pk]).select_related("team"))
        Contact.objects.filter(pk=second.pk).update(reminder_claimed_at=timezone.now())
        assert services._remind_batch(due, now=timezone.now()) == 1
        assert set(Notification.objects.filter(kind=KIND).values_list("related_id", flat=True)) == {
            str(first.pk)
        }

    def test_a_batch_costs_the_same_queries_however_many_appointments(self, world, django_assert_num_queries):
        appointment(world, hours=3)
        with django_assert_num_queries(14) as one:
            # The organisations' rules and the due appointments, their teams' rules; then per batch:
            # its savepoint and release (2), the locking read and the claim, the reply links'
            # INSERT, the people and their do-not-contact rows, the in-app INSERT and its read back
            # (the text and email INSERT only when there are some); then tomorrow's collections: the
            # organisations' rules and the due schedules (none).
            assert services.reminders_send() == 1
        for hours in (4, 5, 6, 7):
            appointment(world, hours=hours)
        with django_assert_num_queries(len(one.captured_queries)):
            assert services.reminders_send() == 4


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="Row locks need PostgreSQL: run with DATABASE_URL pointing at PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class ReminderBatchLockTests:
    def test_an_appointment_held_by_another_scan_is_left_to_it(self, world):
        held, free = appointment(world, hours=3), appointment(world, hours=4)
        locked, release, done = threading.Event(), threading.Event(), []

        def other_scan():
            try:
                with transaction.atomic():
                    Contact.objects.select_for_update().get(pk=held.pk)
                    locked.set()
                    release.wait(10)
            finally:
                connections.close_all()

        thread = threading.Thread(target=other_scan)
        thread.start()
        assert locked.wait(10)
        try:
            done.append(services.reminders_send())
        finally:
            release.set()
            thread.join(10)
        assert done == [1]
        assert set(Notification.objects.filter(kind=KIND).values_list("related_id", flat=True)) == {
            str(free.pk)
        }
        assert Contact.objects.get(pk=held.pk).reminder_claimed_at is None
        assert connection.vendor == "postgresql"
