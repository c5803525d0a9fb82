"""Writes of the dashboards: annotations and baselines. Each in one transaction, audited.

Who may write is decided in dualcare.access (dashboards section) and checked by the views;
these functions hold the rules of the data itself.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Organisation, Team, User

from . import measures
from .models import Annotation, Baseline

ANNOTATION_TEXT_MAX = 200
REASON_MAX = 300
# How far back a dashboard can look (the longest period offered is two years); older dates
# could never appear on a chart.
HISTORY_YEARS = 5


def _check_scope(organisation: Organisation, team: Team | None) -> None:
    if team is not None and team.organisation_id != organisation.pk:
        raise ApplicationError("The team is not part of this organisation.", field="team")


def _check_measure(key: str, *, required: bool) -> str:
    key = (key or "").strip()
    if not key:
        if required:
            raise ApplicationError("Choose the measure.", field="measure_key")
        return ""
    if key not in measures.definitions():
        raise ApplicationError("Choose a measure from the list.", field="measure_key")
    return key


def _earliest(today: dt.date) -> dt.date:
    return today.replace(year=today.year - HISTORY_YEARS, day=min(today.day, 28))


@transaction.atomic
def annotation_add(
    *,
    organisation: Organisation,
    team: Team | None = None,
    measure_key: str = "",
    date: dt.date,
    text: str,
    by: User,
) -> Annotation:
    """Mark a date with a change tested; shown on the scope's charts (one measure, or all)."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=False)
    text = " ".join((text or "").split())
    if not text:
        raise ApplicationError(
            "Enter what changed, for example “Link meetings moved to Tuesdays”.", field="text"
        )
    if len(text) > ANNOTATION_TEXT_MAX:
        raise ApplicationError(
            f"What changed must be {ANNOTATION_TEXT_MAX} characters or fewer.", field="text"
        )
    today = timezone.localdate()
    if date is None:
        raise ApplicationError("Enter the date of the change.", field="date")
    if date > today:
        raise ApplicationError("The date of the change must be today or in the past.", field="date")
    if date < _earliest(today):
        raise ApplicationError(
            f"The date of the change must be within the last {HISTORY_YEARS} years.", field="date"
        )
    annotation = Annotation.objects.create(
        organisation=organisation, team=team, measure_key=measure_key, date=date, text=text, created_by=by
    )
    audit_record(actor=by, action="dashboard.annotation_add", target=annotation, organisation=organisation)
    return annotation


@transaction.atomic
def baseline_set(
    *,
    organisation: Organisation,
    team: Team | None = None,
    measure_key: str,
    first_week: dt.date,
    last_week: dt.date,
    reason: str,
    by: User,
) -> Baseline:
    """Record that a measure's limits are calculated from the weeks first_week to last_week
    (both included). The latest baseline of a scope and measure is the one in force."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=True)
    if first_week is None:
        raise ApplicationError("Choose the first week of the baseline.", field="first_week")
    if last_week is None:
        raise ApplicationError("Choose the last week of the baseline.", field="last_week")
    first_week, last_week = measures.week_of(first_week), measures.week_of(last_week)
    today = timezone.localdate()
    if first_week < measures.week_of(_earliest(today)):
        raise ApplicationError(
            f"The first week must be within the last {HISTORY_YEARS} years.", field="first_week"
        )
    if last_week >= measures.week_of(today):
        raise ApplicationError("The last week must be a week that has ended.", field="last_week")
    if last_week <= first_week:
        raise ApplicationError(
            "The last week must be after the first week: limits need at least 2 weeks.", field="last_week"
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError(
            "Enter why the limits are recalculated, for example “new process from 1 June”.", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"The reason must be {REASON_MAX} characters or fewer.", field="reason")
    baseline = Baseline.objects.create(
        organisation=organisation,
        team=team,
        measure_key=measure_key,
        first_week=first_week,
        last_week=last_week,
        reason=reason,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="dashboard.baseline_set",
        target=baseline,
        organisation=organisation,
        detail={"measure_key": measure_key, "first_week": str(first_week), "last_week": str(last_week)},
    )
    return baseline


@transaction.atomic
def baseline_reset(
    *, organisation: Organisation, team: Team | None = None, measure_key: str, reason: str = "", by: User
) -> Baseline:
    """Go back to limits calculated from every point shown; recorded like any other baseline."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=True)
    reason = " ".join((reason or "").split()) or "Reset to all points"
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"The reason must be {REASON_MAX} characters or fewer.", field="reason")
    baseline = Baseline.objects.create(
        organisation=organisation, team=team, measure_key=measure_key, reason=reason, created_by=by
    )
    audit_record(
        actor=by,
        action="dashboard.baseline_reset",
        target=baseline,
        organisation=organisation,
        detail={"measure_key": measure_key},
    )
    return baseline
