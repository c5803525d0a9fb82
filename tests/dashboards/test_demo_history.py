"""The demo's year of history: every measure has about a year of weekly points, the daily
referral huddle shows as a shift, the history's people still in care are the teams' caseloads
(the chart's last week and the caseload pages count the same people, for every team), the demo
logins' own lists do not change, and loading again adds nothing."""

import datetime as dt

import nhs_number as nhs
from django.apps import apps
from django.db.models import Q
from django.test import TestCase, override_settings
from django.utils import timezone

from careplans.measures import DASHBOARD_MEASURES as CAREPLAN_MEASURES
from cohorts.measures import DASHBOARD_MEASURES as CASELOAD_MEASURES
from dualcare import access
from dualcare.dashboards.measures import collect, week_of
from dualcare.management import demo_data
from dualcare.management.demo_import import HISTORY_NHS_PREFIXES
from dualcare.people import selectors as people_selectors
from dualcare.people.models import (
    Consent,
    Involvement,
    ServiceUser,
    ServiceUserUserObjectPermission,
    Team,
    User,
)
from dualcare.spc.rules import xmr
from linkworkers.measures import DASHBOARD_MEASURES as LINKWORKER_MEASURES
from referrals import demo_history
from referrals import selectors as referral_selectors
from referrals.measures import DASHBOARD_MEASURES as REFERRAL_MEASURES
from referrals.models import OPEN_STATES, Referral

from ..demo_db import OnSharedDemo

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
        "key worker of": {
            username: set(
                Involvement.objects.filter(key_worker__username=username, end__isnull=True).values_list(
                    "service_user_id", flat=True
                )
            )
            for username, _ in demo_data.logins(None)
        },
        "live people keyworker.mh sees": set(
            access.service_users_visible_to(keyworker)
            .filter(nhs_number__startswith="9990")
            .values_list("pk", flat=True)
        ),
        "inbox": set(referral_selectors.team_inbox(manager).values_list("pk", flat=True)),
        "open referrals": set(Referral.objects.filter(state__in=OPEN_STATES).values_list("pk", flat=True)),
    }


def historic_people():
    prefixes = Q()
    for prefix in HISTORY_NHS_PREFIXES:
        prefixes |= Q(nhs_number__startswith=prefix)
    return ServiceUser.objects.filter(prefixes)


# A member of each team and no other, and what their caseload page lists.
ONE_TEAM_STAFF = {
    "north": "gareth.demoford",
    "south": "tom.fictonby",
    "recovery": "amir.testham",
    "prescribing": "eve.mockton",
    "peer": "ola.samplefield",
    "pharmacy": "grace.sampleby",
}


def caseload_page(username: str):
    user = User.objects.get(username=username)
    if username == "grace.sampleby":
        return people_selectors.pharmacy_people(user)  # the pharmacy's people page
    return access.service_users_on_caseload(user)  # what the caseload page lists


class DemoHistoryTests(OnSharedDemo, TestCase):
    """On the shared demo with its history (tests/demo_db.py); what the logins saw is measured on
    the shared live demo, the same demo before its history."""

    demo_variant = "history"
    on_live_demo = what_the_logins_see

    @classmethod
    def setUpTestData(cls):
        cls.before = cls.on_live
        cls.demo = cls.shared.demo
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

    def test_historic_people_in_care_have_the_access_of_a_live_person_and_the_rest_none(self):
        historic = ServiceUser.objects.filter(nhs_number__startswith=demo_history.NHS_PREFIX)
        self.assertGreater(historic.count(), 1000)
        for number in historic.values_list("nhs_number", flat=True)[:200]:
            self.assertTrue(nhs.is_valid(number), number)
        in_care = historic_people().filter(involvements__end__isnull=True).distinct()
        self.assertGreater(in_care.count(), 500)
        ended = historic_people().exclude(pk__in=in_care.values("pk"))
        self.assertFalse(ServiceUserUserObjectPermission.objects.filter(content_object__in=ended).exists())
        # Each is seen by their own team's staff (the grants of access.permissions_sync), no one else.
        for involvement in Involvement.objects.filter(
            service_user__in=in_care, end__isnull=True
        ).select_related("key_worker", "service_user")[:300]:
            self.assertTrue(access.can_view_record(involvement.key_worker, involvement.service_user))
        outsider = User.objects.get(username="pharmacist")
        self.assertFalse(
            access.service_users_visible_to(outsider).filter(pk__in=in_care.values("pk")).exists()
        )
        # Consent follows the referral: some shared with the receiving organisation, none withdrawn.
        consents = Consent.objects.filter(service_user__in=historic)
        self.assertTrue(consents.exists())
        self.assertFalse(consents.filter(withdrawn_at__isnull=False).exists())

    def test_the_caseload_chart_counts_last_week_the_people_the_caseload_page_lists(self):
        # Issue 13: the chart counted about 200 for North last week, the page listed 22: the
        # history's people still in care are the team's caseload, on the page and on the chart.
        for team_key, username in ONE_TEAM_STAFF.items():
            team = self.demo.teams[team_key]
            user = User.objects.get(username=username)
            self.assertEqual(list(access.teams_of(user)), [team])
            listed = set(caseload_page(username).values_list("pk", flat=True))
            charted = collect([team.pk], self.last_week, self.last_week)
            counted = sum(charted[measure.key][(None, self.last_week)].n for measure in CASELOAD_MEASURES)
            self.assertGreater(len(listed), 0, team_key)
            self.assertEqual(counted, len(listed), team_key)
            # The same people: everyone in care with the team today, and in care at last week's end.
            in_care = set(
                Involvement.objects.filter(team=team, end__isnull=True).values_list(
                    "service_user_id", flat=True
                )
            )
            self.assertEqual(listed, in_care, team_key)

    def test_caseloads_are_realistic_and_level_all_year(self):
        sizes = {}
        for team_key in ("north", "south", "recovery", "prescribing", "peer"):
            team = self.demo.teams[team_key]
            weekly = collect([team.pk], demo_history.HISTORY_START, self.last_week)
            per_week = {}
            for measure in CASELOAD_MEASURES:
                for (_, week), cell in weekly[measure.key].items():
                    per_week[week] = per_week.get(week, 0) + cell.n
            counts = [per_week[week] for week in sorted(per_week)]
            self.assertGreaterEqual(len(counts), self.weeks_in_year, team_key)
            # The year to last week (52 weeks): the history starts on a fixed day (HISTORY_START), so
            # it grows longer than a year as today's date moves on.
            counts = counts[-52:]
            mean = sum(counts) / len(counts)
            # No cliff: every week within a quarter of the year's mean, the last week too, and the
            # last quarter of the year within a fifth of the first (measured: within 16%).
            self.assertTrue(all(0.75 * mean <= n <= 1.25 * mean for n in counts), (team_key, mean, counts))
            quarter = len(counts) // 4
            first, last = sum(counts[:quarter]) / quarter, sum(counts[-quarter:]) / quarter
            # A fifth of the mean, or 20 people for a small team (the charity's peer team, ~80):
            # its caseload drifts with today's date, as the history starts on a fixed day (a window
            # relative to today is the proper fix, in every app's history).
            self.assertLess(abs(last - first), max(0.2 * mean, 20), (team_key, first, last))
            sizes[team_key] = counts[-1]
            # The history's people in care are spread over the team's key workers without a demo
            # login (the demo logins keep their own caseloads of the demo's story): 20 to 60 each.
            for username in demo_data.HISTORY_KEY_WORKERS[team_key]:
                held = Involvement.objects.filter(
                    team=team,
                    key_worker__username=username,
                    end__isnull=True,
                    service_user__in=historic_people(),
                )
                self.assertTrue(20 <= held.count() <= 60, (team_key, username, held.count()))
        for team_key in ("north", "south", "recovery", "prescribing"):
            self.assertTrue(150 <= sizes[team_key] <= 330, (team_key, sizes[team_key]))
        self.assertLess(sizes["peer"], min(sizes[key] for key in ("north", "south", "recovery")))

    def test_the_logins_own_caseloads_and_lists_are_as_before(self):
        # The teams' caseloads grow by the history's people in care; each demo login's own
        # people (those they are key worker of), the live people they see, their inbox and the
        # open referrals do not change.
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
            demo_data.build(password=self.demo.password)
        self.assertEqual(row_counts(), before)
