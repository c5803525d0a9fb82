"""A fake measure provider, so the dashboards are tested on data the test controls.

It honours the contract of dualcare.dashboards.measures: DASHBOARD_MEASURES and
weekly_measures(team_ids, start, end, group=...), a fixed number of queries (one, mapping teams
to organisations) whatever the number of values, weeks left out when there is nothing to measure.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dualcare.dashboards import measures
from dualcare.dashboards.measures import Cell, MeasureDef
from dualcare.people.models import Team
from tests.browser.conftest import chromium_browser, page  # noqa: F401  (the browser journey's fixtures)

SHARE = MeasureDef(
    key="fake.in_time",
    title="Referrals answered in time",
    capability="Referrals",
    unit="%",
    improvement="up",
    description="Of the referrals received that week, the share answered in time.",
)
CASELOAD = MeasureDef(
    key="fake.caseload",
    title="People on the caseload",
    capability="Caseload by quadrant",
    unit="people",
    improvement="neither",
    description="People with an open involvement at the end of the week.",
)
MEETINGS = MeasureDef(
    key="fake.meetings",
    title="Link meetings held",
    capability="Link workers",
    unit="meetings",
    improvement="up",
    description="Link meetings finalised that week.",
    counts_people=False,
)
FAKE_MEASURES = [SHARE, CASELOAD, MEETINGS]


class FakeProvider:
    """values[(measure_key, team_id, week)] = (value, n); aggregated like a provider would."""

    def __init__(self):
        self.DASHBOARD_MEASURES = FAKE_MEASURES
        self.values: dict = {}
        self.calls: list = []

    def set(self, key: str, team, week: dt.date, value: float, n: int) -> None:
        self.values[(key, team.pk, measures.week_of(week))] = (value, n)

    def series(self, key: str, team, first_week: dt.date, values, n: int = 10) -> None:
        for i, value in enumerate(values):
            self.set(key, team, first_week + dt.timedelta(weeks=i), value, n)

    def weekly_measures(self, team_ids, start, end, *, group="all"):
        self.calls.append((tuple(team_ids), start, end, group))
        org_of = dict(Team.objects.filter(pk__in=list(team_ids)).values_list("pk", "organisation_id"))
        sums: dict = {}
        for (key, team_id, week), (value, n) in self.values.items():
            if team_id not in org_of or not start <= week <= end:
                continue
            group_key = {"organisation": org_of[team_id], "team": team_id}.get(group)
            total = sums.setdefault((key, group_key, week), [0.0, 0])
            total[0] += value * n if key == SHARE.key else value
            total[1] += n
        result: dict = {m.key: {} for m in FAKE_MEASURES}
        for (key, group_key, week), (value, n) in sums.items():
            result[key][(group_key, week)] = Cell(value / n if key == SHARE.key else value, n)
        return result


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr(measures, "providers", lambda: (provider,))
    return provider


@pytest.fixture
def period_weeks():
    """The Mondays of the default 52-week period, oldest first."""
    from dualcare.dashboards.selectors import period_for

    return period_for().mondays


@pytest.fixture
def shifted(world, fake, period_weeks):
    """North CMHT's share answered in time: 20 weeks about 60%, then 12 weeks about 90% (a shift)."""
    start = period_weeks[-32]
    before = [58, 62, 60, 61, 59, 63, 57, 60, 62, 58, 61, 60, 59, 62, 60, 58, 61, 63, 59, 60]
    after = [88, 91, 90, 92, 89, 90, 93, 91, 88, 90, 92, 91]
    fake.series(SHARE.key, world.cmht_north, start, before + after, n=10)
    fake.series(CASELOAD.key, world.cmht_north, period_weeks[-10], [30, 31, 29, 30, 32, 31, 30, 29, 31, 30])
    world.change_week = start + dt.timedelta(weeks=len(before))
    return world


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def queued_pdfs(monkeypatch):
    """Dashboard PDFs asked for are recorded here, not sent to a broker; tests render them."""
    from dualcare.dashboards import services

    queued: list = []
    monkeypatch.setattr(services, "queue_pdf", queued.append)
    return queued
