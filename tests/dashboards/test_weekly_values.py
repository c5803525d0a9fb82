"""The stored weekly measures: the beat works every measure out for every team and organisation
(services.weekly_values_refresh) and the dashboards read the stored rows. The figures are the
same as working them out from the records per request (measures.collect, the reference), on the
demo's year of history and on a fake provider the test controls; a settled week is worked out
once, the open and settling weeks on every run, a stale week again."""

import datetime as dt
import math

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dualcare.celery import app
from dualcare.dashboards import measures, selectors, services, tasks
from dualcare.dashboards.models import MeasureWeek, WeeklyValue
from dualcare.dashboards.selectors import Scope, period_for
from dualcare.people.models import Organisation, Team, User

from ..demo_db import OnSharedDemo
from .conftest import CASELOAD, SHARE

LONGEST = max(selectors.PERIOD_CHOICES)


def live(scope: Scope, period) -> dict:
    """The reference: the scope's measures worked out from the records now."""
    return measures.collect(scope.team_ids(), period.first, period.last)


def comparable(values: dict) -> dict:
    """Measure -> {week: (value, its type, n)}, measures with no week left out (a provider may give
    an empty dict for a measure it has nothing for; the store then has no row). The type too: a
    count read back as 12.0 would show so in the CSV."""
    return {
        key: {week: (cell.value, type(cell.value).__name__, cell.n) for (_, week), cell in cells.items()}
        for key, cells in values.items()
        if cells
    }


def chart_figures(board: selectors.Dashboard) -> dict:
    """Everything a dashboard shows of each measure: the weeks, values, n, special causes, the
    limits as drawn, the words, the baseline, the annotations and the chart itself."""
    figures = {}
    for chart in board.charts:
        analysis = chart.analysis
        figures[chart.key] = {
            "rows": [
                (row.week, row.value, row.n, row.suppressed, row.rules_text, row.special_cause_text)
                for row in chart.rows
            ],
            "kind": analysis and analysis.kind,
            "centre": analysis and (analysis.mean if analysis.kind == "xmr" else analysis.median),
            "limits": chart.limits,
            "status": chart.status,
            "summary": chart.summary,
            "baseline": chart.baseline_text,
            "annotations": [a.text for a in chart.annotations],
            "svg": str(chart.svg),
        }
    return figures


def drop_empty(values: dict) -> dict:
    return {key: cells for key, cells in values.items() if cells}


def locality_figures(place: selectors.Locality) -> dict:
    return {
        item.definition.key: (
            [(w.week, w.cells, w.total) for w in item.weeks],
            [(row.week, row.value, row.n, row.suppressed, row.rules_text) for row in item.chart.rows],
            item.chart.summary,
            str(item.chart.svg),
        )
        for item in place.measures
    }


class StoredEqualsComputedOnTheDemoTests(OnSharedDemo, TestCase):
    """The demo with its year of history (every capability's measures), stored by the beat's
    first run: the shared demo of tests/demo_db.py."""

    demo_variant = "history"

    @classmethod
    def setUpTestData(cls):
        cls.demo = cls.shared.demo
        cls.refreshed = cls.shared.refreshed
        cls.stored_by_the_first_run = WeeklyValue.objects.count()
        # The beat again now: the shared demo was stored minutes ago, and the settling weeks'
        # figures move with the clock (a plan published 4 weeks ago becomes answerable).
        cls.again = services.weekly_values_refresh()
        cls.period = period_for(LONGEST)

    def test_the_first_run_stores_every_week_of_the_longest_period_and_the_open_week(self):
        assert self.refreshed.weeks == LONGEST + 1
        assert self.again.weeks == services.settling_weeks() + 1
        assert MeasureWeek.objects.count() == LONGEST + 1 and not MeasureWeek.objects.filter(stale=True)
        assert self.refreshed.rows == self.stored_by_the_first_run > 1000

    def test_every_measure_of_every_team_is_the_same_both_ways(self):
        empty_weeks = 0
        for team in Team.objects.select_related("organisation"):
            scope = Scope(organisation=team.organisation, team=team)
            reference = comparable(live(scope, self.period))
            stored = comparable(selectors.stored_measures(scope, self.period))
            assert stored == reference, team.name
            empty_weeks += sum(LONGEST - len(weeks) for weeks in reference.values())
        # Weeks with nothing to measure are left out both ways (and there are many: teams that do
        # not refer, pharmacies with no caseload, the weeks before the history starts).
        assert empty_weeks > 1000

    def test_every_measure_of_every_organisation_is_the_same_both_ways(self):
        measured = set()
        for organisation in Organisation.objects.all():
            scope = Scope(organisation=organisation)
            reference = comparable(live(scope, self.period))
            assert comparable(selectors.stored_measures(scope, self.period)) == reference, organisation.name
            measured |= set(reference)
        # Every capability's measures have figures in the demo, so every one is compared.
        assert measured == set(measures.definitions())

    def test_the_set_based_measures_give_the_figures_the_subqueries_gave(self):
        from cohorts import measures as cohorts
        from dualcare.contacts import measures as contacts

        from . import reference_measures as before

        team_ids = list(Team.objects.values_list("pk", flat=True))
        first, last = self.period.first, self.period.last
        for group in measures.GROUPS:
            caseload = cohorts.weekly_measures(team_ids, first, last, group=group)
            assert caseload == before.caseload_by_quadrant(team_ids, first, last, group=group), group
            assert sum(cell.n for cell in caseload["cohorts.caseload_iv"].values()) > 100
            now = contacts.weekly_measures(team_ids, first, last, group=group)
            old = before.collections(team_ids, first, last, group=group)
            for key, cells in old.items():
                assert now[key] == cells, (group, key)
            assert len(old["contacts.collections_recorded_on_the_day"]) > 20

    def test_proportions_stay_within_0_and_100_stored_as_worked_out(self):
        definitions = measures.definitions()
        proportions = WeeklyValue.objects.filter(
            measure_key__in=[key for key, d in definitions.items() if d.is_proportion]
        )
        assert proportions.exists()
        assert not proportions.filter(value__lt=0) and not proportions.filter(value__gt=100)

    def test_the_dashboards_show_the_same_charts_limits_and_annotations_both_ways(self):
        north = self.demo.teams["north"]
        for scope in (
            Scope(organisation=north.organisation, team=north),
            Scope(organisation=north.organisation),
        ):
            for weeks in (13, 52, LONGEST):
                period = period_for(weeks)
                stored = chart_figures(selectors.dashboard(scope, period))
                selectors.memo_clear()  # else the same stored weeks give the same dashboard back
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(
                        selectors, "stored_measures", lambda scope, period, **_: live(scope, period)
                    )
                    reference = chart_figures(selectors.dashboard(scope, period))
                selectors.memo_clear()
                assert stored == reference, (scope.name, weeks)
        # The demo's story is on them: the huddle's shift, its annotation, the recalculated limits.
        team = chart_figures(
            selectors.dashboard(Scope(organisation=north.organisation, team=north), period_for())
        )
        chart = team["referrals.acknowledged_in_time"]
        # (Whether the huddle's shift reads as an improvement over the default period depends on
        # the demo's referral history: tests/referrals' history tests check the shift itself.)
        assert chart["kind"] == "xmr" and chart["status"] in ("improvement", "common", "concern")
        assert "Daily referral huddle started" in chart["annotations"]
        assert chart["baseline"].startswith("Limits calculated from")
        lower, upper, _ = chart["limits"]
        assert 0 <= lower < upper <= 100

    def test_the_locality_is_the_same_both_ways(self):
        team_ids = selectors.locality_team_ids()
        per_org, totals = selectors.stored_locality(team_ids, self.period)
        first, last = self.period.first, self.period.last
        assert per_org == drop_empty(measures.collect(team_ids, first, last, group="organisation"))
        assert totals == drop_empty(measures.collect(team_ids, first, last, group="all"))
        organisations = {organisation for cells in per_org.values() for organisation, _ in cells}
        assert len(organisations) >= 3 and len(totals) == len(measures.definitions())
        # And what the page, CSV and API show of it: every cell, suppressed or not, and the charts.
        stored = locality_figures(selectors.locality(period_for()))
        selectors.memo_clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(
                selectors,
                "stored_locality",
                lambda team_ids, period, **_: (
                    measures.collect(team_ids, period.first, period.last, group="organisation"),
                    measures.collect(team_ids, period.first, period.last, group="all"),
                ),
            )
            assert locality_figures(selectors.locality(period_for())) == stored
        selectors.memo_clear()

    def test_the_csv_and_api_are_the_same_from_the_store_as_from_the_records_with_fewer_queries(self):
        manager = User.objects.get(username="manager.mh")
        self.client.force_login(manager)
        north = self.demo.teams["north"]
        urls = [
            reverse("dashboards:team_csv", args=[north.pk]),
            reverse("api-dashboard-team", args=[north.pk]),
            reverse("api-dashboard-organisation", args=[north.organisation_id]),
        ]
        stored = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                stored[url] = self.client.get(url).content
            stored[url + " queries"] = len(queries)
        MeasureWeek.objects.all().delete()  # nothing stored: every week worked out per request
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert self.client.get(url).content == stored[url], url
            assert len(queries) > stored[url + " queries"] + 10, url


@pytest.mark.django_db
class IncrementalRefreshTests:
    """On the fake provider (conftest), whose values the test changes behind the store's back."""

    def test_a_settled_week_is_worked_out_once_and_the_settling_weeks_every_run(self, world, fake):
        first = services.weekly_values_refresh()
        assert first.weeks == LONGEST + 1
        fake.calls.clear()
        again = services.weekly_values_refresh()
        assert again.weeks == services.settling_weeks() + 1  # the open week and the settling ones
        today = dt.date.today()
        oldest_asked = min(start for _, start, _, _ in fake.calls)
        assert oldest_asked == measures.week_of(today) - dt.timedelta(weeks=services.settling_weeks())
        # Each team, each organisation; the locality's organisations and all of them together.
        assert {group for *_, group in fake.calls} == {"team", "organisation", "all"}

    def test_a_late_change_to_a_settling_week_is_picked_up_and_to_a_settled_week_only_when_marked(
        self, world, fake, login, period_weeks
    ):
        settled, settling = period_weeks[-20], period_weeks[-2]
        for week in (settled, settling):
            fake.set(SHARE.key, world.cmht_north, week, 50, n=10)
        services.weekly_values_refresh()
        team = Scope(organisation=world.mh, team=world.cmht_north)

        def stored(week):
            return selectors.stored_measures(team, period_for())[SHARE.key][(None, week)].value

        for week in (settled, settling):
            fake.set(SHARE.key, world.cmht_north, week, 80, n=10)
        # Until the next run the dashboard shows what was stored, not the records.
        assert (stored(settled), stored(settling)) == (50, 50)
        services.weekly_values_refresh()
        assert (stored(settled), stored(settling)) == (50, 80)
        assert services.weekly_values_mark_stale(since=settled, until=settled) == 1
        assert services.weekly_values_refresh().weeks == services.settling_weeks() + 2
        assert (stored(settled), stored(settling)) == (80, 80)
        page = login(world.manager_mh).get(reverse("dashboards:team_csv", args=[world.cmht_north.pk]))
        assert "80" in page.content.decode()

    def test_the_organisation_adds_up_its_teams_and_a_week_emptied_is_removed(
        self, world, fake, period_weeks
    ):
        week = period_weeks[-1]
        fake.set(SHARE.key, world.cmht_north, week, 60, n=10)
        fake.set(SHARE.key, world.cmht_south, week, 90, n=20)
        fake.set(CASELOAD.key, world.cmht_north, week, 30, n=30)
        services.weekly_values_refresh()
        organisation = selectors.stored_measures(Scope(organisation=world.mh), period_for())
        assert organisation[SHARE.key][(None, week)].value == pytest.approx(80)
        assert organisation[SHARE.key][(None, week)].n == 30
        del fake.values[(CASELOAD.key, world.cmht_north.pk, week)]
        services.weekly_values_refresh()
        assert not WeeklyValue.objects.filter(measure_key=CASELOAD.key, week=week).exists()

    def test_the_locality_is_worked_out_again_when_its_teams_change(self, world, fake, period_weeks):
        week = period_weeks[-20]  # settled
        fake.set(SHARE.key, world.cmht_north, week, 60, n=10)
        fake.set(SHARE.key, world.mh_admin_team, week, 90, n=30)
        Team.objects.filter(pk=world.mh_admin_team.pk).update(works_with_people=False)
        services.weekly_values_refresh()
        period = period_for()

        def locality_share():
            _, totals = selectors.stored_locality(selectors.locality_team_ids(), period)
            return totals[SHARE.key][(None, week)]

        assert locality_share() == measures.Cell(60, 10)
        Team.objects.filter(pk=world.mh_admin_team.pk).update(works_with_people=True)
        # Not stored for these teams: worked out for the request, until the next run stores it.
        fake.calls.clear()
        assert locality_share().n == 40 and fake.calls
        team = Scope(organisation=world.mh, team=world.cmht_north)
        before = selectors.stored_measures(team, period)
        fake.calls.clear()
        assert services.weekly_values_refresh().weeks == LONGEST + 1
        # The settled weeks have only their locality worked out again: the organisations' figures
        # stand, and only the one organisation with a team not in the locality is collected for it.
        settled_calls = [call for call in fake.calls if call[1] < period_weeks[-services.settling_weeks()]]
        assert settled_calls and {call[-1] for call in settled_calls} == {"all"}
        assert selectors.stored_measures(team, period) == before
        fake.calls.clear()
        assert locality_share().n == 40 and not fake.calls
        assert services.weekly_values_refresh().weeks == services.settling_weeks() + 1

    def test_running_twice_stores_each_value_once(self, world, fake, period_weeks):
        fake.series(SHARE.key, world.cmht_north, period_weeks[-30], [50 + i for i in range(30)], n=10)
        services.weekly_values_refresh()
        count = WeeklyValue.objects.count()
        services.weekly_values_refresh(full=True)
        services.weekly_values_refresh()
        # The team's, the organisation's, and the locality's (the organisation in it, and the total).
        assert WeeklyValue.objects.count() == count == 30 * 4
        assert MeasureWeek.objects.count() == LONGEST + 1

    def test_weeks_not_stored_yet_are_worked_out_for_the_request(self, world, fake, period_weeks):
        fake.series(SHARE.key, world.cmht_north, period_weeks[-3], [10, 20, 30], n=10)
        services.weekly_values_refresh()
        MeasureWeek.objects.filter(week=period_weeks[-2]).delete()  # as if never stored
        fake.set(SHARE.key, world.cmht_north, period_weeks[-2], 25, n=10)
        fake.set(SHARE.key, world.cmht_north, period_weeks[-1], 99, n=10)
        values = selectors.stored_measures(Scope(organisation=world.mh, team=world.cmht_north), period_for())
        by_week = {week: cell.value for (_, week), cell in values[SHARE.key].items()}
        assert by_week == {period_weeks[-3]: 10, period_weeks[-2]: 25, period_weeks[-1]: 30}

    def test_the_stored_pages_and_api_run_constant_queries(
        self, world, fake, login, period_weeks, django_assert_num_queries
    ):
        client = login(world.manager_mh)
        team_api = reverse("api-dashboard-team", args=[world.cmht_north.pk])
        organisation_api = reverse("api-dashboard-organisation", args=[world.mh.pk])
        for count in (3, 52):
            fake.series(SHARE.key, world.cmht_north, period_weeks[-count], [50] * count, n=10)
            services.weekly_values_refresh()
            # Session, user, the manager's organisations, the team (or the organisation), the stored
            # weeks, the values, annotations, baselines, the session saved (savepoint, update,
            # release).
            with django_assert_num_queries(11):
                assert client.get(team_api).status_code == 200
            with django_assert_num_queries(11):
                assert client.get(organisation_api).status_code == 200

    def test_another_organisations_stored_dashboard_is_a_404_for_every_staff_role(self, world, fake, login):
        fake.set(SHARE.key, world.cmht_north, period_for().last, 50, n=10)
        services.weekly_values_refresh()
        for who in (
            "manager_sm",
            "keyworker_sm",
            "keyworker_mh",
            "linkworker_mh",
            "orgadmin_mh",
            "pharmacist",
        ):
            client = login(getattr(world, who))
            for url in (
                reverse("dashboards:team", args=[world.cmht_north.pk]),
                reverse("dashboards:team_csv", args=[world.cmht_north.pk]),
                reverse("dashboards:organisation", args=[world.mh.pk]),
                reverse("api-dashboard-team", args=[world.cmht_north.pk]),
                reverse("api-dashboard-organisation", args=[world.mh.pk]),
            ):
                assert client.get(url).status_code == 404, (who, url)
        assert (
            login(world.manager_mh).get(reverse("dashboards:team", args=[world.cmht_north.pk])).status_code
            == 200
        )

    def test_the_beat_runs_it_every_15_minutes_and_the_task_reports_what_it_did(self, world, fake):
        entry = app.conf.beat_schedule["dashboards-weekly-values"]
        assert entry["task"] == tasks.weekly_values_refresh.name
        assert len(entry["schedule"].minute) == 4
        assert tasks.weekly_values_refresh.run()["weeks"] == LONGEST + 1
        assert tasks.weekly_values_refresh.run()["weeks"] == services.settling_weeks() + 1

    def test_the_horizon_is_the_longest_period_and_settling_covers_the_outcome_window(self, settings):
        assert services.HORIZON_WEEKS == LONGEST
        assert services.settling_weeks() == services.SETTLING_WEEKS
        settings.OUTCOME_TOLERANCE_DAYS = 60
        # The window either side of a start, and the week it starts in, all still settling.
        assert services.settling_weeks() >= math.ceil((60 + 7) / 7) + 1
