"""Each dashboard page runs the same number of queries whatever the data: more weeks, more values,
more annotations and baselines, and more real records. The team and organisation dashboards and
the locality read the weekly measures the beat stored (two queries: the stored weeks, the scope's
values), never the providers."""

import datetime as dt

import pytest
from django.urls import reverse

from dualcare.dashboards import measures, services

from .conftest import CASELOAD, MEETINGS, SHARE

pytestmark = pytest.mark.django_db

# Session read, user, the manager's organisations, the team, the stored weeks, the team's stored
# values, annotations, baselines; the page adds the header's roles and unread alerts; every
# request ends with the session saved (savepoint, update, release). (Before the store, the fake
# provider's one query stood where the two stored reads are: 10 and 12; with the real providers,
# about twenty more.)
TEAM_CSV = 11
TEAM_PAGE = 13
ORGANISATION_PAGE = 14  # + its teams for the links (no longer the organisation's team ids: was 14)
# The organisation dashboard on the real providers' measures, stored: the same as the fake's.
REAL_ORGANISATION_PAGE = ORGANISATION_PAGE
INDEX_PAGE = 11  # the organisations, their teams (prefetched), the locality check
# Participating check, organisations, the locality's teams, the stored weeks, the stored values (they
# replaced the fake provider's two queries; on the real providers, forty-odd); no scope.
LOCALITY_PAGE = 13


def grow(world, fake, weeks, *, count: int, notes: int) -> None:
    for team in (world.cmht_north, world.cmht_south):
        for key in (SHARE.key, CASELOAD.key, MEETINGS.key):
            fake.series(key, team, weeks[-count], [50 + (i % 7) for i in range(count)], n=6)
    services.weekly_values_refresh()
    for i in range(notes):
        services.annotation_add(
            organisation=world.mh,
            team=world.cmht_north,
            measure_key=SHARE.key if i % 2 else "",
            date=weeks[-count] + dt.timedelta(weeks=i),
            text=f"Change {i}",
            by=world.manager_mh,
        )
        services.baseline_set(
            organisation=world.mh,
            team=world.cmht_north,
            measure_key=SHARE.key,
            first_week=weeks[-count],
            last_week=weeks[-count + 2 + i],
            reason=f"Reason {i}",
            by=world.manager_mh,
        )


class QueryCountTests:
    @pytest.mark.parametrize("count,notes", [(5, 1), (52, 6)])
    def test_the_team_dashboard_is_constant(
        self, world, fake, login, period_weeks, django_assert_num_queries, count, notes
    ):
        grow(world, fake, period_weeks, count=count, notes=notes)
        client = login(world.manager_mh)
        url = reverse("dashboards:team", args=[world.cmht_north.pk])
        with django_assert_num_queries(TEAM_PAGE):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(TEAM_CSV):
            assert client.get(reverse("dashboards:team_csv", args=[world.cmht_north.pk])).status_code == 200
        with django_assert_num_queries(TEAM_PAGE):
            page = reverse("dashboards:team_measure", args=[world.cmht_north.pk, SHARE.key])
            assert client.get(page).status_code == 200

    @pytest.mark.parametrize("count,notes", [(5, 1), (52, 6)])
    def test_the_organisation_and_locality_pages_are_constant(
        self, world, fake, login, period_weeks, django_assert_num_queries, count, notes
    ):
        grow(world, fake, period_weeks, count=count, notes=notes)
        client = login(world.manager_mh)
        with django_assert_num_queries(ORGANISATION_PAGE):
            assert client.get(reverse("dashboards:organisation", args=[world.mh.pk])).status_code == 200
        with django_assert_num_queries(LOCALITY_PAGE):
            assert client.get(reverse("dashboards:locality")).status_code == 200

    def test_the_list_of_dashboards_is_constant(self, world, login, django_assert_num_queries):
        from tests.factories import TeamFactory

        client = login(world.manager_mh)
        url = reverse("dashboards:index")
        with django_assert_num_queries(INDEX_PAGE):
            assert client.get(url).status_code == 200
        for i in range(6):
            TeamFactory(organisation=world.mh, name=f"Extra team {i}")
        with django_assert_num_queries(INDEX_PAGE):
            page = client.get(url).content.decode()
        assert "Extra team 5" in page


class RealProviderTests:
    """Every capability's measures, through measures.collect, with no fake."""

    def test_every_real_measure_is_on_the_dashboard_and_the_count_does_not_grow(
        self, world, login, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.factories import person
        from tests.referrals.helpers import make_referral

        def refer(count):
            for _ in range(count):
                someone = person(world.sm_team, key_worker=world.keyworker_sm)
                make_referral(world, service_user=someone, to_team=world.cmht_north)

        client = login(world.manager_mh)
        url = reverse("dashboards:organisation", args=[world.mh.pk])
        definitions = measures.definitions()
        assert any(key.startswith("referrals.") for key in definitions)
        refer(1)
        with CaptureQueriesContext(connection) as first:
            response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        for definition in definitions.values():
            assert definition.title in page
        if any("HoNOS" in d.title for d in definitions.values()):
            assert "HoNOS © Royal College of Psychiatrists" in page
        refer(6)
        # Before the beat has stored the weeks, they are worked out per request: more queries,
        # but as many for 7 referrals as for 1.
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(url).status_code == 200
        services.weekly_values_refresh()
        with django_assert_num_queries(REAL_ORGANISATION_PAGE):
            assert client.get(url).status_code == 200
        refer(6)
        services.weekly_values_refresh()
        with django_assert_num_queries(REAL_ORGANISATION_PAGE):
            page = client.get(url).content.decode()
        assert len(first.captured_queries) > REAL_ORGANISATION_PAGE + 10
        for definition in definitions.values():
            assert definition.title in page


class MemoTests:
    """A dashboard seen before, over weeks the beat has not worked out since, is given back without
    reading its stored values again; a refresh (new computed_at) makes it read them, and the new
    figures show."""

    def test_a_dashboard_seen_before_reads_one_query_fewer_until_the_store_changes(
        self, world, fake, login, period_weeks, django_assert_num_queries
    ):
        from dualcare.dashboards import selectors

        fake.series(SHARE.key, world.cmht_north, period_weeks[-3], [10, 20, 30], n=10)
        services.weekly_values_refresh()
        selectors.memo_clear()
        client = login(world.manager_mh)
        url = reverse("dashboards:team_measure", args=[world.cmht_north.pk, SHARE.key])
        with django_assert_num_queries(TEAM_PAGE):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(TEAM_PAGE - 1):  # the stored values are not read
            assert "30%" in client.get(url).content.decode()
        fake.set(SHARE.key, world.cmht_north, period_weeks[-1], 77, n=10)
        with django_assert_num_queries(TEAM_PAGE - 1):  # the store still says 30: so does the page
            page = client.get(url).content.decode()
        assert "30%" in page and "77%" not in page
        services.weekly_values_refresh()
        with django_assert_num_queries(TEAM_PAGE):
            assert "77%" in client.get(url).content.decode()

    def test_the_locality_seen_before_reads_one_query_fewer_until_the_store_changes(
        self, world, fake, login, period_weeks, django_assert_num_queries
    ):
        from dualcare.dashboards import selectors

        fake.series(SHARE.key, world.cmht_north, period_weeks[-3], [10, 20, 30], n=10)
        services.weekly_values_refresh()
        selectors.memo_clear()
        client = login(world.manager_mh)
        url = reverse("dashboards:locality")
        with django_assert_num_queries(LOCALITY_PAGE):
            assert client.get(url).status_code == 200
        with django_assert_num_queries(LOCALITY_PAGE - 1):
            assert client.get(url).status_code == 200
        services.weekly_values_refresh()
        with django_assert_num_queries(LOCALITY_PAGE):
            assert client.get(url).status_code == 200
