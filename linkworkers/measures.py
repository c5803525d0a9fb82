"""Link workers: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, TruncWeek

from dualcare.dashboards.measures import Cell, MeasureDef, percent, weeks_between
from dualcare.people.models import Team

from .models import (
    Appointment,
    Attendance,
    Meeting,
    TrainingRecord,
)

LONDON = ZoneInfo("Europe/London")
_FOREVER = dt.date(9999, 12, 31)
_CAPABILITY = "Link workers"
_CAME = [Attendance.Status.PRESENT, Attendance.Status.DEPUTY_SENT]

DASHBOARD_MEASURES = [
    MeasureDef(
        key="linkworkers.teams_covered",
        title="Teams with a link worker",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the active teams that work with service users, the share with a link worker appointed at "
            "the end of the week."
        ),
        counts_people=False,
    ),
    MeasureDef(
        key="linkworkers.meeting_attendance",
        title="Link meeting attendance",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the link workers recorded at the link meetings held that week (minutes finalised), the "
            "share who came or sent a deputy."
        ),
        counts_people=False,
    ),
    MeasureDef(
        key="linkworkers.training_in_date",
        title="Link workers with training in date",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the link workers appointed at the end of the week, the share holding at least one dual "
            "diagnosis course that was not past its refresh date."
        ),
        counts_people=False,
    ),
]


def _week_of(field: str, start: dt.date):
    """The Monday of the day's week, or the week before `start` for anything earlier."""
    return Case(
        When(**{f"{field}__lt": start}, then=Value(start - dt.timedelta(weeks=1))),
        default=TruncWeek(field, output_field=DateField()),
        output_field=DateField(),
    )


def _changes_per_week(segments, start: dt.date, last_day: dt.date, *keys: str) -> dict:
    """{(*keys, week): starts minus ends} for segments with `seg_start` and `seg_end` (first day
    without): two aggregate queries."""
    segments = segments.filter(seg_start__lt=F("seg_end"), seg_start__lte=last_day)
    change: dict = {}
    for field, sign in (("seg_start", 1), ("seg_end", -1)):
        rows = (
            segments.filter(**{f"{field}__lte": last_day})
            .values(*keys, week=_week_of(field, start))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
            key = (*(row[k] for k in keys), week)
            change[key] = change.get(key, 0) + sign * row["n"]
    return change


def _running(change: dict, entities, start: dt.date, weeks: list) -> dict:
    """{entity: {week: how many at the end of the week}}: a loop over entities and weeks."""
    before = start - dt.timedelta(weeks=1)
    result = {}
    for entity in entities:
        count = change.get((entity, before), 0)
        result[entity] = {}
        for week in weeks:
            count += change.get((entity, week), 0)
            result[entity][week] = count
    return result


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """Teams with a link worker, meeting attendance, and training in date, for the teams in scope
    (for one team: whether it has a link worker, 0 or 100). Appointment and training periods are
    counted starting and ending per week in the database; the weekly totals are run up here, a
    loop over teams or appointments and weeks, never people. Six queries."""
    team_ids = list(team_ids)
    weeks = weeks_between(start, end)
    last_day = end + dt.timedelta(days=6)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}

    def group_of(team_id):
        if group == "team":
            return team_id
        return teams[team_id] if group == "organisation" else None

    # Teams covered: appointments open per team at the end of each week.
    teams = dict(
        Team.objects.filter(pk__in=team_ids, is_active=True, works_with_people=True).values_list(
            "pk", "organisation_id"
        )
    )
    appointments = Appointment.objects.filter(team_id__in=teams).annotate(
        seg_start=F("start"), seg_end=Coalesce(F("end"), Value(_FOREVER))
    )
    per_team = _running(_changes_per_week(appointments, start, last_day, "team_id"), teams, start, weeks)
    totals: dict = {}
    for team_id, counts in per_team.items():
        for week, open_appointments in counts.items():
            key = (group_of(team_id), week)
            covered, total, appointed = totals.get(key, (0, 0, 0))
            totals[key] = (covered + (open_appointments > 0), total + 1, appointed + open_appointments)
    for key, (covered, total, _) in totals.items():
        result["linkworkers.teams_covered"][key] = Cell(percent(covered, total), total)

    # Training in date: each appointment's days with at least one course in date.
    trained = TrainingRecord.objects.filter(user__link_appointments__team_id__in=teams).annotate(
        appointment_id=F("user__link_appointments"),
        seg_start=Greatest(F("user__link_appointments__start"), F("attended_on"), output_field=DateField()),
        seg_end=Least(
            Coalesce(F("user__link_appointments__end"), Value(_FOREVER)),
            Coalesce(F("refresh_due"), Value(_FOREVER)),
            output_field=DateField(),
        ),
        team=F("user__link_appointments__team_id"),
    )
    change = _changes_per_week(trained, start, last_day, "appointment_id", "team")
    appointment_team = {appointment: team for appointment, team, _ in change}
    in_date = _running(
        {(appointment, week): n for (appointment, _, week), n in change.items()},
        appointment_team,
        start,
        weeks,
    )
    with_training: dict = {}
    for appointment, counts in in_date.items():
        for week, courses in counts.items():
            if courses > 0:
                key = (group_of(appointment_team[appointment]), week)
                with_training[key] = with_training.get(key, 0) + 1
    for key, (_, _, appointed) in totals.items():
        if appointed:
            result["linkworkers.training_in_date"][key] = Cell(
                percent(with_training.get(key, 0), appointed), appointed
            )

    # Attendance at the link meetings held that week, by the link workers' teams.
    first = dt.datetime.combine(start, dt.time(0, 0), tzinfo=LONDON)
    after = dt.datetime.combine(end + dt.timedelta(weeks=1), dt.time(0, 0), tzinfo=LONDON)
    keys = {
        "organisation": {"group_key": F("team__organisation_id")},
        "team": {"group_key": F("team_id")},
    }.get(group, {})
    attendance = (
        Attendance.objects.filter(
            team_id__in=team_ids,
            meeting__state=Meeting.State.FINALISED,
            meeting__starts_at__gte=first,
            meeting__starts_at__lt=after,
        )
        .values(week=TruncWeek("meeting__starts_at", tzinfo=LONDON, output_field=DateField()), **keys)
        .annotate(recorded=Count("pk"), came=Count("pk", filter=Q(status__in=_CAME)))
        .order_by()
    )
    for row in attendance:
        week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
        result["linkworkers.meeting_attendance"][(row.get("group_key"), week)] = Cell(
            percent(row["came"], row["recorded"]), row["recorded"]
        )
    return result
