"""The demo's dashboard notes: the daily referral huddle on the North CMHT's chart, a baseline
before it, once however often the demo is loaded; and the demo dashboard shows the shift."""

import datetime as dt

import pytest
from django.urls import reverse

from dualcare.dashboards.demo import BASELINE_REASON, HUDDLE, build
from dualcare.dashboards.models import Annotation, Baseline
from dualcare.management import demo_data

pytestmark = pytest.mark.django_db


class DemoTests:
    def test_it_marks_the_huddle_and_its_baseline_once(self, client, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py)
        huddle = Annotation.objects.get(text="Daily referral huddle started")
        assert huddle.date == HUDDLE == dt.date(2026, 6, 1)
        assert (huddle.team.name, huddle.measure_key) == (
            "Northgate North CMHT",
            "referrals.acknowledged_in_time",
        )
        assert huddle.created_by.username == "manager.mh"
        assert Annotation.objects.count() >= 2
        baseline = Baseline.objects.get(reason=BASELINE_REASON)
        assert baseline.last_week == dt.date(2026, 5, 25)
        counts = (Annotation.objects.count(), Baseline.objects.count())
        build(demo)
        demo_data.build(password=demo.password)
        assert counts == (Annotation.objects.count(), Baseline.objects.count())

        client.force_login(demo.staff["manager.mh"])
        url = reverse(
            "dashboards:team_measure", args=[demo.teams["north"].pk, "referrals.acknowledged_in_time"]
        )
        page = client.get(url).content.decode()
        assert "Daily referral huddle started" in page
        assert "Changes marked in this period" in page
