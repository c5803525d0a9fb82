"""Demo cohort: the North and South CMHT dual-diagnosis cohort (about 30 people, every quadrant),
set up by the North team manager a year ago; people enrolled with their quadrant then, two who
have left. Quadrant histories themselves are made by the core demo (build_quadrants). Idempotent.
The history's quadrants are in demo_history.py."""

from __future__ import annotations

import datetime as dt

from . import services
from .models import Cohort, Enrolment, QuadrantAssessment

NAME = "Northgate dual diagnosis cohort"
EXITS = {"Vicky Fictley": ("disengaged", ""), "Paul Testwick": ("moved_away", "")}


def build(demo) -> None:
    _build_cohort(demo)


def _build_cohort(demo) -> None:
    manager = demo.staff.get("manager.mh")
    teams = [demo.teams[key] for key in ("north", "south") if key in demo.teams]
    if manager is None or not teams:
        return
    start = demo.today - dt.timedelta(days=365)
    cohort = Cohort.objects.filter(name=NAME).first()
    if cohort is None:
        cohort = services.cohort_create(
            by=manager,
            name=NAME,
            locality="Northgate",
            teams=teams,
            targets={"I": 4, "II": 12, "III": 4, "IV": 12},
            start=start,
        )
        demo.created["cohorts"] += 1
    for person in demo.people.values():
        if Enrolment.objects.filter(cohort=cohort, service_user=person).exists():
            continue
        if not person.involvements.filter(team__in=teams, end__isnull=True).exists():
            continue
        first = QuadrantAssessment.objects.filter(service_user=person).order_by("assessed_on").first()
        if first is None:
            continue
        enrolled_on = max(start, first.assessed_on)
        enrolment = services.cohort_enrol(
            cohort=cohort, service_user=person, by=manager, enrolled_on=enrolled_on
        )
        demo.created["cohort enrolments"] += 1
        name = f"{person.given_name} {person.family_name}"
        if name in EXITS:
            reason, note = EXITS[name]
            services.cohort_exit(
                enrolment=enrolment,
                by=manager,
                reason=reason,
                note=note,
                exited_on=max(enrolled_on, demo.today - dt.timedelta(days=20)),
            )
