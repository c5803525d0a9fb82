"""Demo dashboard notes (run by `manage.py demo` through build(demo)).

The agreed demo story: from Monday 1 June 2026 the Northgate North CMHT held a daily referral
huddle, and the share of referrals acknowledged in time moved from about 60% to about 90% (the
year of weekly history is built by the capability apps' demos). manager.mh marked the change on
the charts and recalculated that measure's limits from the weeks before it, so the dashboard
shows the later weeks above the old process. Two more changes are marked. Written through the
services; idempotent: each row is looked for by its scope, measure, date and words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from . import measures, services
from .models import AgreedMeasure, Annotation, Baseline

HUDDLE = dt.date(2026, 6, 1)
ACKNOWLEDGED = "referrals.acknowledged_in_time"
ANNOTATIONS = [
    # team key (None: the whole organisation), measure key ("" : every measure), date, text
    ("north", ACKNOWLEDGED, HUDDLE, "Daily referral huddle started"),
    (None, "linkworkers.meeting_attendance", dt.date(2026, 2, 3), "Link meetings moved to Tuesdays"),
    # The outcomes history's change (outcomes/demo_history.py BASELINE_CHANGE), across the trust.
    (
        None,
        "outcomes.baseline_on_time",
        dt.date(2026, 5, 4),
        "Baseline measures taken at the first appointment",
    ),
    (
        "north",
        "careplans.agreed",
        dt.date(2026, 9, 7),
        "Care plans drafted with the person at their first visit",
    ),
]
BASELINE_REASON = "The weeks before the daily referral huddle"
# Issue 19: the measures the trust and the drug and alcohol service agreed for the Shared Care
# meetings (organisation key, its manager, measure key, target or None, agreed on).
CONTRACT = "Shared Care contract 2026 to 2027"
AGREED = [
    ("mh", "manager.mh", ACKNOWLEDGED, 80, dt.date(2026, 4, 1)),
    ("mh", "manager.mh", "incidents.serious", 0, dt.date(2026, 4, 1)),
    ("sm", "manager.sm", "incidents.with_harm_per_1000", None, dt.date(2026, 4, 1)),
]


def build(demo) -> None:
    manager = demo.staff["manager.mh"]
    organisation = demo.organisations["mh"]
    today = timezone.localdate()
    known = measures.definitions()
    for team_key, measure_key, date, text in ANNOTATIONS:
        if date > today or (measure_key and measure_key not in known):
            continue
        team = demo.teams[team_key] if team_key else None
        if Annotation.objects.filter(
            organisation=organisation, team=team, measure_key=measure_key, date=date, text=text
        ).exists():
            continue
        services.annotation_add(
            organisation=organisation, team=team, measure_key=measure_key, date=date, text=text, by=manager
        )
        demo.created["dashboard notes"] += 1

    last_week = measures.week_of(HUDDLE) - dt.timedelta(weeks=1)
    first_week = max(measures.week_of(today) - dt.timedelta(weeks=52), last_week - dt.timedelta(weeks=51))
    north = demo.teams["north"]
    if (
        ACKNOWLEDGED in known
        and last_week - first_week >= dt.timedelta(weeks=2)
        and last_week < measures.week_of(today)
    ) and not Baseline.objects.filter(
        organisation=organisation, team=north, measure_key=ACKNOWLEDGED, reason=BASELINE_REASON
    ).exists():
        services.baseline_set(
            organisation=organisation,
            team=north,
            measure_key=ACKNOWLEDGED,
            first_week=first_week,
            last_week=last_week,
            reason=BASELINE_REASON,
            by=manager,
        )
        demo.created["dashboard baselines"] += 1
    for org_key, manager_name, measure_key, target, agreed_on in AGREED:
        agreed_by = demo.staff.get(manager_name)
        if measure_key not in known or agreed_on > today or agreed_by is None:
            continue
        organisation = demo.organisations[org_key]
        if AgreedMeasure.objects.filter(organisation=organisation, measure_key=measure_key).exists():
            continue
        services.agreed_measure_add(
            organisation=organisation,
            measure_key=measure_key,
            target=None if target is None else Decimal(target),
            agreed_on=agreed_on,
            note=CONTRACT,
            by=agreed_by,
        )
        demo.created["agreed measures"] += 1
