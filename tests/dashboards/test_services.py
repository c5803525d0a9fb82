"""The rules of annotations and baselines, whoever calls them (pages, API, demo)."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.dashboards import measures, services
from dualcare.dashboards.models import Annotation, Baseline
from dualcare.dashboards.selectors import Scope, baselines_in_force
from dualcare.exceptions import ApplicationError

from .conftest import SHARE

pytestmark = pytest.mark.django_db


def refused(field, call, **kwargs):
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    assert error.value.field == field, error.value.message
    return error.value.message


class AnnotationServiceTests:
    def test_it_records_a_change_with_tidy_words(self, world, fake):
        note = services.annotation_add(
            organisation=world.mh,
            team=world.cmht_north,
            measure_key=SHARE.key,
            date=dt.date(2026, 6, 1),
            text="  Daily   referral huddle\nstarted ",
            by=world.manager_mh,
        )
        assert note.text == "Daily referral huddle started"
        assert AuditEvent.objects.filter(action="dashboard.annotation_add", target_id=str(note.pk)).exists()

    def test_it_refuses_what_could_never_be_shown(self, world, fake):
        base = {"organisation": world.mh, "date": dt.date(2026, 6, 1), "text": "x", "by": world.manager_mh}
        refused("measure_key", services.annotation_add, **{**base, "measure_key": "fake.unknown"})
        refused("team", services.annotation_add, **{**base, "team": world.sm_team})
        refused("text", services.annotation_add, **{**base, "text": "x" * 201})
        long_ago = timezone.localdate() - dt.timedelta(days=6 * 366)
        assert "within the last 5 years" in refused(
            "date", services.annotation_add, **{**base, "date": long_ago}
        )
        assert not Annotation.objects.exists()


class BaselineServiceTests:
    def base(self, world, **extra):
        return {
            "organisation": world.mh,
            "team": world.cmht_north,
            "measure_key": SHARE.key,
            "reason": "New process",
            "by": world.manager_mh,
            **extra,
        }

    def test_weeks_are_mondays_and_the_latest_is_in_force(self, world, fake):
        first = services.baseline_set(
            **self.base(world, first_week=dt.date(2026, 1, 7), last_week=dt.date(2026, 3, 4))
        )
        assert (first.first_week, first.last_week) == (dt.date(2026, 1, 5), dt.date(2026, 3, 2))
        scope = Scope(organisation=world.mh, team=world.cmht_north)
        assert baselines_in_force(scope)[SHARE.key] == first
        reset = services.baseline_reset(**self.base(world, reason=""))
        assert reset.is_all_points and reset.reason == "Reset to all points"
        assert baselines_in_force(scope)[SHARE.key] == reset
        # The organisation's own baselines are its own: the team's do not apply there.
        assert baselines_in_force(Scope(organisation=world.mh)) == {}
        assert Baseline.objects.count() == 2
        assert AuditEvent.objects.filter(action="dashboard.baseline_reset").count() == 1

    def test_it_refuses_weeks_that_have_not_ended_or_are_too_few(self, world, fake):
        this_week = measures.week_of(timezone.localdate())
        message = refused(
            "last_week",
            services.baseline_set,
            **self.base(world, first_week=this_week - dt.timedelta(weeks=8), last_week=this_week),
        )
        assert message == "The last week must be a week that has ended."
        week = dt.date(2026, 3, 2)
        refused("last_week", services.baseline_set, **self.base(world, first_week=week, last_week=week))
        refused("first_week", services.baseline_set, **self.base(world, first_week=None, last_week=week))
        refused(
            "measure_key",
            services.baseline_set,
            **self.base(world, measure_key="", first_week=week, last_week=week + dt.timedelta(weeks=4)),
        )
        refused(
            "reason",
            services.baseline_set,
            **self.base(world, reason=" ", first_week=week, last_week=week + dt.timedelta(weeks=4)),
        )
        assert not Baseline.objects.exists()
