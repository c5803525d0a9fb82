"""The demo reads one clock: a build that starts a moment before midnight and runs into the next
day gives a consistent demo (issue 14 item 4: "The handover cannot be before the referral was
accepted", seen in a full run across midnight)."""

import datetime as dt

from django.test import TestCase, override_settings
from django.utils import timezone
from freezegun import freeze_time

from dualcare import clock
from dualcare.management import demo_data
from referrals.models import Handover, Referral

PASSWORD = "demo-password-for-tests-only"
LAST_MOMENT = "2026-12-02 23:59:59.9"  # UTC, which is London time in December


class ClockTests(TestCase):
    def test_it_is_the_real_time_unless_frozen(self):
        with freeze_time("2026-07-01 23:30:00"):
            self.assertEqual(clock.now(), timezone.now())
            self.assertEqual(clock.today(), dt.date(2026, 7, 2))  # London is an hour ahead in summer
        moment = timezone.make_aware(dt.datetime(2026, 3, 1, 12, 0))
        with clock.frozen(moment):
            self.assertEqual(clock.now(), moment)
            self.assertEqual(clock.today(), dt.date(2026, 3, 1))
            self.assertTrue(clock.is_frozen())
        self.assertFalse(clock.is_frozen())
        self.assertNotEqual(clock.now(), moment)

    def test_a_naive_moment_is_refused(self):
        with self.assertRaises(ValueError), clock.frozen(dt.datetime(2026, 3, 1, 12, 0)):
            pass


@override_settings(DEMO_HISTORY=False)
class DemoAcrossMidnightTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Each reading of the time moves it on 10 ms: the first readings are before midnight, the
        # rest after, whatever the machine's load.
        with freeze_time(LAST_MOMENT, auto_tick_seconds=0.01):
            cls.demo = demo_data.build(password=PASSWORD)
            cls.finished_on = timezone.localdate()

    def test_the_build_ran_into_the_next_day(self):
        self.assertEqual(self.finished_on, dt.date(2026, 12, 3))

    def test_the_whole_demo_is_dated_by_the_day_it_started(self):
        self.assertEqual(self.demo.today, dt.date(2026, 12, 2))
        # The handover (held "today") is on or after the day the referral was accepted ("now").
        handovers = Handover.objects.select_related("referral")
        self.assertTrue(handovers.exists())
        for handover in handovers:
            accepted_on = timezone.localtime(handover.referral.accepted_at).date()
            self.assertLessEqual(accepted_on, handover.held_on)
            self.assertLessEqual(handover.held_on, dt.date(2026, 12, 2))
        self.assertFalse(Referral.objects.filter(sent_at__date__gt=dt.date(2026, 12, 2)).exists())
