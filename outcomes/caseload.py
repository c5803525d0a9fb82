"""'Outcome measure overdue' for the core's caseloads and people API, in SQL so a page can filter
and count on it (dualcare/people/extensions.py, need ``measure_overdue``).

The rule is schedules.next_due's, for the open involvements of the viewer's clinical teams (as
selectors.due_for_user, less the exit measures of care already ended, which are on no caseload):
a measure is overdue once its tolerance window has closed, that is when its due date is on or
before ``last_due = today - tolerance - 1``.

- No baseline in the episode (a baseline or review counts from ``start - tolerance``): the
  baseline is due at the start, overdue when ``start <= last_due``.
- Otherwise the review is due ``review_months`` after the latest baseline or review form, overdue
  when that form's date is on or before the latest date whose review falls on or before
  ``last_due`` (found in Python, as add_months caps at a month's end).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from dualcare import access
from dualcare.people.models import Involvement

from .instruments import enabled_instruments
from .schedules import BASELINE_STAGES, REVIEW_STAGES, add_months, review_months, tolerance_days
from .selectors import DATE_FIELD, MODELS, SCHEDULED


def latest_form_day_overdue(last_due: dt.date, months: int) -> dt.date:
    """The latest date whose review (``months`` on, add_months) is due on or before ``last_due``."""
    day = add_months(last_due, -months)
    while add_months(day + dt.timedelta(days=1), months) <= last_due:
        day += dt.timedelta(days=1)
    return day


def _overdue_for(name: str, *, last_due: dt.date, tolerance: int):
    from .measures import _DateShift

    model, date_field = MODELS[name], DATE_FIELD[name]
    in_episode = model.objects.filter(
        service_user=OuterRef("service_user"),
        organisation=OuterRef("team__organisation"),
        **{f"{date_field}__gte": _DateShift(OuterRef("start"), -tolerance)},
    )
    baseline = in_episode.filter(stage__in=BASELINE_STAGES[name])
    since_review_cutoff = in_episode.filter(
        stage__in=BASELINE_STAGES[name] | REVIEW_STAGES[name],
        **{f"{date_field}__gt": latest_form_day_overdue(last_due, review_months(name))},
    )
    return Q(team__organisation__kind=SCHEDULED[name]) & (
        (~Exists(baseline) & Q(start__lte=last_due)) | (Exists(baseline) & ~Exists(since_review_cutoff))
    )


def with_measure_overdue(people: QuerySet, *, user, today: dt.date) -> QuerySet:
    """People annotated with measure_overdue: a TOP or HoNOS overdue for an open involvement of one
    of the user's clinical teams. One EXISTS over the involvements, whatever the number of people."""
    tolerance = tolerance_days()
    last_due = today - dt.timedelta(days=tolerance + 1)
    checks = [
        _overdue_for(name, last_due=last_due, tolerance=tolerance)
        for name in ("honos", "top")
        if name in enabled_instruments()
    ]
    if not checks:
        return people.annotate(measure_overdue=Value(False, output_field=BooleanField()))
    overdue = checks[0]
    for check in checks[1:]:
        overdue |= check
    involvements = Involvement.objects.filter(
        service_user=OuterRef("pk"),
        end__isnull=True,
        team__in=access.teams_of(user, roles=access.CLINICAL_ROLES).values("pk"),
    ).filter(overdue)
    return people.annotate(measure_overdue=Exists(involvements))
