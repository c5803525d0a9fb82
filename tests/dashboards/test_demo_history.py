"""The demo's year of history: every measure has about a year of weekly points, the daily
referral huddle shows as a shift, the live demo's caseloads and lists do not change, and loading
again adds nothing."""

import datetime as dt

import nhs_number as nhs
from django.apps import apps
from django.test import TestCase, override_settings
from django.utils import timezone

from careplans.measures import DASHBOARD_MEASURES as CAREPLAN_MEASURES
from cohorts.measures import DASHBOARD_MEASURES as CASELOAD_MEASURES
from dualcare import access
from dualcare.dashboards.measures import collect, week_of
from dualcare.management import demo_data, demo_history
from dualcare.people import selectors as people_selectors
from dualcare.people.models import Involvement, ServiceUser, ServiceUserUserObjectPermission, Team, User
from dualcare.spc.rules import xmr
from linkworkers.measures import DASHBOARD_MEASURES as LINKWORKER_MEASURES
from referrals import selectors as referral_selectors
from referrals.measures import DASHBOARD_MEASURES as REFERRAL_MEASURES
from referrals.models import OPEN_STATES, Referral

PASSWORD = "demo-password-for-tests-only"
MEASURES = [
    *REFERRAL_MEASURES,
    *CAREPLAN_MEASURES,
    *CASELOAD_MEASURES,
    *LINKWORKER_MEASURES,
]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def what_the_logins_see() -> dict:
    keyworker = User.objects.get(username="keyworker.mh")
    manager = User.objects.get(username="manager.mh")
    return {
        "caseload": set(access.service_users_on_caseload(keyworker).values_list("pk", flat=True)),
        "manager sees": set(access.service_users_visible_to(manager).values_list("pk", flat=True)),
        "inbox": set(referral_selectors.team_inbox(manager).values_list("pk", flat=True)),
        "open referrals": set(Referral.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)),
    }


class DemoHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with override_settings(DEMO_HISTORY=False):
            demo_data.build(password=PASSWORD)
        cls.before = what_the_logins_see()
        with override_settings(DEMO_HISTORY=True):
            cls.demo = demo_data.build(password=PASSWORD)
        cls.north = Team.objects.get(name="Northgate North CMHT")
        today = timezone.localdate()
        cls.last_week = week_of(today) - dt.timedelta(weeks=1)
        cls.weeks_in_year = (cls.last_week - demo_history.HISTORY_START).days // 7 + 1
        cls.measures = collect([cls.north.pk], demo_history.HISTORY_START, cls.last_week)

    def series(self, key: str) -> list[tuple[dt.date, float]]:
        return sorted((week, cell.value) for (_, week), cell in self.measures[key].items())

    def test_it_is_off_under_the_test_runner_unless_asked_for(self):
        with override_settings(DEMO_HISTORY=False):
            self.assertFalse(demo_history.history_enabled())
        self.assertTrue(self.demo.created["history: referrals"] > 1000)

    def test_every_measure_has_about_a_year_of_weekly_points(self):
        for measure in MEASURES:
            points = len(self.measures[measure.key])
            if measure.key == "linkworkers.meeting_attendance":
                self.assertGreaterEqual(points, 8, measure.key)  # monthly meetings
            else:
                self.assertGreaterEqual(points, self.weeks_in_year - 6, measure.key)

    def test_the_daily_referral_huddle_shows_as_a_shift_up(self):
        points = self.series("referrals.acknowledged_in_time")
        before = [v for week, v in points if week < demo_history.HUDDLE_FROM]
        after = [v for week, v in points if week >= demo_history.HUDDLE_FROM]
        self.assertTrue(50 <= sum(before) / len(before) <= 68, sum(before) / len(before))
        self.assertTrue(sum(after) / len(after) >= 84, sum(after) / len(after))
        chart = xmr([v for _, v in points], improvement="up", baseline=(0, len(before)))
        shifted = [
            week for (week, _), point in zip(points, chart.points, strict=True) if "shift" in point.rules
        ]
        self.assertGreaterEqual(len(shifted), 7)
        self.assertTrue(all(week >= demo_history.HUDDLE_FROM for week in shifted))

    def test_other_teams_stay_level(self):
        recovery = Team.objects.get(name="Harbourside Recovery Team")
        measures = collect([recovery.pk], demo_history.HISTORY_START, self.last_week)
        values = [cell.value for _, cell in sorted(measures["referrals.acknowledged_in_time"].items())]
        half = len(values) // 2
        self.assertLess(abs(sum(values[:half]) / half - sum(values[half:]) / (len(values) - half)), 8)

    def test_historic_people_are_closed_and_nobody_is_given_access(self):
        historic = ServiceUser.objects.filter(nhs_number__startswith=demo_history.NHS_PREFIX)
        self.assertGreater(historic.count(), 1000)
        for number in historic.values_list("nhs_number", flat=True)[:200]:
            self.assertTrue(nhs.is_valid(number), number)
        self.assertFalse(Involvement.objects.filter(service_user__in=historic, end__isnull=True).exists())
        self.assertFalse(ServiceUserUserObjectPermission.objects.filter(content_object__in=historic).exists())

    def test_the_caseload_chart_counts_last_week_the_people_the_caseload_page_lists(self):
        # Issue 13: the chart counted about 200 for North last week, the page listed 22.
        manager = User.objects.get(username="manager.mh")
        self.assertEqual(list(access.teams_of(manager)), [self.north])
        listed = len(people_selectors.caseload_rows(manager))
        charted = sum(self.measures[measure.key][(None, self.last_week)].n for measure in CASELOAD_MEASURES)
        self.assertGreater(listed, 0)
        self.assertEqual(charted, listed)

    def test_the_logins_caseloads_and_lists_are_as_before(self):
        self.assertEqual(what_the_logins_see(), self.before)

    def test_nothing_happens_in_the_future(self):
        now = timezone.now()
        historic = Referral.objects.filter(service_user__nhs_number__startswith=demo_history.NHS_PREFIX)
        for field in (
            "sent_at",
            "acknowledged_at",
            "accepted_at",
            "declined_at",
            "closed_at",
            "withdrawn_at",
        ):
            self.assertFalse(historic.filter(**{f"{field}__gt": now}).exists(), field)
        self.assertFalse(historic.filter(state__in=OPEN_STATES).exists())

    def test_loading_again_adds_nothing(self):
        before = row_counts()
        with override_settings(DEMO_HISTORY=True):
            demo_data.build(password=PASSWORD)
        self.assertEqual(row_counts(), before)
