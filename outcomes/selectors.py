"""Reads of outcome measures, already permission-filtered (dualcare.access.outcomes_filter)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from dualcare import access
from dualcare.dashboards.measures import Cell, MeasureDef
from dualcare.people.models import Involvement, Organisation

from . import scoring
from .models import DialogRating, HonosRating, SatisfactionResponse, TopForm
from .schedules import (
    BASELINE_STAGES,
    EXIT_STAGES,
    REVIEW_STAGES,
    Due,
    next_due,
    review_months,
    tolerance_days,
)
from .services import enabled_instruments

MODELS = {"honos": HonosRating, "top": TopForm, "dialog": DialogRating, "satisfaction": SatisfactionResponse}
DATE_FIELD = {
    "honos": "rated_on",
    "top": "completed_on",
    "dialog": "rated_on",
    "satisfaction": "responded_on",
}
# Which organisations' involvements make a measure due: HoNOS in mental health, TOP in drug and alcohol.
SCHEDULED = {"honos": Organisation.Kind.MENTAL_HEALTH, "top": Organisation.Kind.SUBSTANCE_MISUSE}


def outcomes_visible(user, instrument: str, service_user=None) -> QuerySet:
    model = MODELS[instrument]
    records = model.objects.select_related("organisation", "team", "recorded_by")
    return access.outcomes_filter(user, records, service_user).order_by(DATE_FIELD[instrument], "created_at")


def latest_for_people(user, people_ids) -> dict:
    """{person id: {"honos": (rated on, total), "top": (completed on, stage words)}} of the latest
    HoNOS and TOP the user may see for each person (switched-off instruments left out): two queries."""
    latest: dict = defaultdict(dict)
    ids = list(people_ids)
    for instrument in ("honos", "top"):
        if instrument not in enabled_instruments() or not ids:
            continue
        date_field = DATE_FIELD[instrument]
        records = (
            outcomes_visible(user, instrument)
            .filter(service_user_id__in=ids)
            .order_by("service_user_id", f"-{date_field}", "-created_at")
        )
        for record in records:
            if instrument in latest[record.service_user_id]:
                continue
            if instrument == "honos":
                value = scoring.honos_score(record.items).total
            else:
                value = record.get_stage_display()
            latest[record.service_user_id][instrument] = (getattr(record, date_field), value)
    return latest


def history_for(user, service_user) -> dict[str, list]:
    """Every visible form of each switched-on instrument for one person, oldest first."""
    return {name: list(outcomes_visible(user, name, service_user)) for name in enabled_instruments()}


@dataclass
class HonosPair:
    service_user_id: object
    baseline: HonosRating
    latest: HonosRating
    change: scoring.HonosChange


def honos_pairs(ratings: list[HonosRating]) -> list[HonosPair]:
    """Baseline (first) -> latest HoNOS for each person with two or more ratings (oldest first in)."""
    by_person: dict = defaultdict(list)
    for rating in ratings:
        by_person[rating.service_user_id].append(rating)
    pairs = []
    for person_id, rows in by_person.items():
        if len(rows) < 2:
            continue
        first, last = rows[0], rows[-1]
        change = scoring.honos_change(
            scoring.honos_score(first.items).total, scoring.honos_score(last.items).total
        )
        pairs.append(HonosPair(person_id, first, last, change))
    return pairs


def top_pairs(forms: list[TopForm]) -> list[tuple[TopForm, TopForm, dict]]:
    by_person: dict = defaultdict(list)
    for form in forms:
        by_person[form.service_user_id].append(form)
    return [
        (rows[0], rows[-1], scoring.top_change(rows[0], rows[-1]))
        for rows in by_person.values()
        if len(rows) > 1
    ]


@dataclass
class DueItem:
    involvement: Involvement
    due: Due


def due_items(
    involvements: list[Involvement], *, today: dt.date | None = None, include_upcoming=False
) -> list[DueItem]:
    """What is due for each open involvement (HoNOS for mental health teams, TOP for drug and alcohol
    teams), from the forms that involvement's organisation has recorded. Three queries in all."""
    today = today or timezone.localdate()
    instruments = [name for name in SCHEDULED if name in enabled_instruments()]
    people = {inv.service_user_id for inv in involvements}
    done: dict = defaultdict(list)
    for name in instruments:
        date_field = DATE_FIELD[name]
        for person_id, org_id, day, stage in (
            MODELS[name]
            .objects.filter(service_user_id__in=people)
            .values_list("service_user_id", "organisation_id", date_field, "stage")
        ):
            done[(name, person_id, org_id)].append((day, stage))
    items = []
    for involvement in involvements:
        for name in instruments:
            if involvement.team.organisation.kind != SCHEDULED[name]:
                continue
            due = next_due(
                instrument=name,
                started_on=involvement.start,
                ended_on=involvement.end,
                done=done[(name, involvement.service_user_id, involvement.team.organisation_id)],
                today=today,
            )
            if due is not None and (include_upcoming or due.state != "upcoming"):
                items.append(DueItem(involvement, due))
    items.sort(key=lambda item: (item.due.state != "overdue", item.due.due_on))
    return items


def due_for_user(user, *, team=None, key_worker=None, today=None) -> list[DueItem]:
    """Due and overdue measures for the people of my teams (or one team, or one key worker),
    including the exit measure of involvements that ended within the exit window
    (access.outcomes_exit_involvements), whose record the team no longer sees."""
    teams = access.teams_of(user, roles=access.CLINICAL_ROLES)
    if team is not None:
        teams = teams.filter(pk=team.pk)
    open_and_visible = Q(end__isnull=True, service_user__in=access.service_users_visible_to(user))
    ended_recently = Q(pk__in=access.outcomes_exit_involvements(user, today=today).values("pk"))
    involvements = (
        Involvement.objects.filter(team__in=teams.values("pk"))
        .filter(open_and_visible | ended_recently)
        .select_related("team__organisation", "service_user", "key_worker")
    )
    if key_worker is not None:
        involvements = involvements.filter(key_worker=key_worker)
    return due_items(list(involvements), today=today)


def exit_measure_url(user, involvement, *, today=None) -> str | None:
    """Where this user records the exit measure of an involvement that has just ended, when one is
    due and theirs to record (access.outcomes_can_record_exit): for a prompt on ending care."""
    from django.urls import reverse

    if involvement.end is None:
        return None
    for item in due_items([involvement], today=today, include_upcoming=True):
        if item.due.kind == "exit" and access.outcomes_can_record_exit(
            user, involvement, item.due.instrument
        ):
            return reverse("outcomes:exit_new", args=[involvement.pk, item.due.instrument])
    return None


@dataclass
class TeamCompletion:
    team: object
    people: int
    baseline_done: int
    reviews_due: int
    reviews_on_time: int
    overdue: int
    exits_to_record: int = 0


def team_completion(user, team, *, today=None) -> TeamCompletion:
    """For one of my teams: how many of its open people have a baseline, how many reviews are
    in date (not overdue) of those whose review has come round, and how many exit measures of
    care ended within the exit window are still to record."""
    today = today or timezone.localdate()
    window_from = today - dt.timedelta(days=access.outcomes_exit_access_days())
    both = list(
        Involvement.objects.filter(team=team)
        .filter(Q(end__isnull=True) | Q(end__gte=window_from, end__lte=today))
        .select_related("team__organisation", "service_user")
    )
    involvements = [inv for inv in both if inv.end is None]
    everything = due_items(both, today=today, include_upcoming=True)
    exits = [item for item in everything if item.involvement.end is not None]
    items = [item for item in everything if item.involvement.end is None]
    waiting_baseline = sum(1 for item in items if item.due.kind == "baseline")
    reviews = [item for item in items if item.due.kind == "review"]
    measured = {
        name
        for name, kind in SCHEDULED.items()
        if kind == team.organisation.kind and name in enabled_instruments()
    }
    people = len(involvements) if measured else 0
    return TeamCompletion(
        team=team,
        people=people,
        baseline_done=people - waiting_baseline,
        reviews_due=sum(1 for item in reviews if item.due.state != "upcoming"),
        reviews_on_time=sum(1 for item in reviews if item.due.state == "due"),
        overdue=sum(1 for item in items if item.due.overdue),
        exits_to_record=len(exits),
    )


def satisfaction_by_month(user, people: QuerySet, *, since: dt.date) -> list[dict]:
    """Friends and Family Test answers by month for these people (the ones the user may see):
    answers, positive (very good or good) and the percentage positive of those who knew. One query."""
    from django.db.models.functions import TruncMonth

    rows = (
        outcomes_visible(user, "satisfaction")
        .filter(service_user__in=people, responded_on__gte=since)
        .annotate(month=TruncMonth("responded_on"))
        .values("month")
        .annotate(
            answers=Count("pk"),
            positive=Count("pk", filter=Q(answer__in=["very_good", "good"])),
            dont_know=Count("pk", filter=Q(answer="dont_know")),
        )
        .order_by("month")
    )
    result = []
    for row in rows:
        knew = row["answers"] - row["dont_know"]
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        result.append(
            {
                "month": month,
                "answers": row["answers"],
                "positive": row["positive"],
                "percent": round(100 * row["positive"] / knew) if knew else None,
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# Dashboard measures (dualcare.dashboards.measures): weekly, by team or organisation, aggregated
# in the database. Aggregates only: no person is named and no record is read, so no audit row.

_CAPABILITY = "Outcomes"
DASHBOARD_MEASURES = [
    MeasureDef(
        key="outcomes.baseline_on_time",
        title="People starting with a team who had a baseline measure within the window",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the people whose care with a mental health or drug and alcohol team started that week, "
            "the percentage with a first HoNOS or TOP recorded by that organisation within the window "
            "either side of the start (14 days unless set otherwise); weeks whose window is still open "
            "are left out."
        ),
    ),
    MeasureDef(
        key="outcomes.reviews_on_time",
        title="Review measures recorded on time",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the review HoNOS and review TOP forms recorded that week, the percentage recorded within "
            "the tolerance window of their due date (N months after the previous baseline or review)."
        ),
    ),
    MeasureDef(
        key="outcomes.honos_change",
        title="Mean change in HoNOS total since the baseline",
        capability=_CAPABILITY,
        unit="points",
        improvement="down",
        description=(
            "For review and discharge HoNOS ratings recorded that week, the mean of the total minus the "
            "total at the person's baseline (assessment) HoNOS with the same organisation; "
            "below 0 means fewer problems."
        ),
    ),
    MeasureDef(
        key="outcomes.satisfaction_positive",
        title="Service users rating their joint care good or very good",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the Friends and Family Test answers about joint care given that week by people the team "
            "was working with, the percentage answering very good or good (don't know left out)."
        ),
    ),
    MeasureDef(
        key="outcomes.satisfaction_responses",
        title="Answers about satisfaction with joint care",
        capability=_CAPABILITY,
        unit="answers",
        improvement="neither",
        description=(
            "How many Friends and Family Test answers about joint care were given that week by people "
            "the team was working with."
        ),
    ),
]


class _DateShift(Func):
    """A date plus a whole number of days, as a date (exact on SQLite and PostgreSQL)."""

    output_field = DateField()

    def __init__(self, expression, days: int):
        super().__init__(expression)
        self.days = int(days)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{self.days:+d} days')", params

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + ({self.days:d}))", params


class _AddMonths(Func):
    """schedules.add_months in SQL: the same day N months on, or that month's last day."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        super().__init__(expression)
        self.months = int(months)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        # SQLite rolls 31 Aug + 6 months over into March; the month's last day caps it.
        return (
            f"min(date({sql}, '+{self.months} months'), "
            f"date({sql}, 'start of month', '+{self.months + 1} months', '-1 day'))"
        ), [*params, *params]

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) + interval '{self.months} months')::date", params


def _honos_total():
    """HoNOS total in SQL: items rated 0-4 added, 9 (not known) counted as nothing."""
    return sum(
        (
            Case(When(**{f"item{n}": 9}, then=Value(0)), default=F(f"item{n}"), output_field=IntegerField())
            for n in range(1, 13)
        ),
        start=Value(0),
    )


def _week_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _group_field(group: str, path: str) -> list[str]:
    return [path] if group == "organisation" else []


def _cells(rows, group: str, group_path: str, value_of) -> dict:
    result = {}
    for row in rows:
        key = (row[group_path] if group == "organisation" else None, _week_key(row["week"]))
        cell = value_of(row)
        if cell is not None:
            result[key] = cell
    return result


def _percent(part: int, whole: int) -> Cell | None:
    return Cell(round(100 * part / whole, 1), whole) if whole else None


def _baseline_on_time(team_ids, start, end, group, today) -> dict:
    tolerance = tolerance_days()
    last_start = min(end + dt.timedelta(days=6), today - dt.timedelta(days=tolerance + 1))
    checks = []
    for name in ("honos", "top"):
        if not _instrument_on(name):
            continue
        model, date_field = MODELS[name], DATE_FIELD[name]
        done = model.objects.filter(
            service_user=OuterRef("service_user"),
            organisation=OuterRef("team__organisation"),
            stage__in=BASELINE_STAGES[name],
            **{
                f"{date_field}__gte": _DateShift(OuterRef("start"), -tolerance),
                f"{date_field}__lte": _DateShift(OuterRef("start"), tolerance),
            },
        )
        checks.append(Q(team__organisation__kind=SCHEDULED[name]) & Exists(done))
    if not checks:
        return {}
    measured_kinds = [SCHEDULED[n] for n in ("honos", "top") if _instrument_on(n)]
    on_time = checks[0]
    for check in checks[1:]:
        on_time |= check
    rows = (
        Involvement.objects.filter(
            team_id__in=team_ids,
            team__organisation__kind__in=measured_kinds,
            start__gte=start,
            start__lte=last_start,
        )
        .annotate(week=TruncWeek("start"))
        .values("week", *_group_field(group, "team__organisation_id"))
        .annotate(starts=Count("pk"), on_time=Count("pk", filter=on_time))
        .order_by()
    )
    return _cells(rows, group, "team__organisation_id", lambda r: _percent(r["on_time"], r["starts"]))


def _reviews_on_time(team_ids, start, end, group) -> dict:
    tolerance = tolerance_days()
    totals: dict = defaultdict(lambda: [0, 0])
    for name in ("honos", "top"):
        if not _instrument_on(name):
            continue
        model, date_field = MODELS[name], DATE_FIELD[name]
        previous = (
            model.objects.filter(
                service_user=OuterRef("service_user"),
                organisation=OuterRef("organisation"),
                stage__in=BASELINE_STAGES[name] | REVIEW_STAGES[name],
                **{f"{date_field}__lt": OuterRef(date_field)},
            )
            .order_by(f"-{date_field}")
            .values(date_field)[:1]
        )
        due = _AddMonths(F("previous"), review_months(name))
        rows = (
            model.objects.filter(
                team_id__in=team_ids,
                stage__in=REVIEW_STAGES[name],
                **{f"{date_field}__gte": start, f"{date_field}__lte": end + dt.timedelta(days=6)},
            )
            .annotate(previous=Subquery(previous, output_field=DateField()), week=TruncWeek(date_field))
            .values("week", *_group_field(group, "team__organisation_id"))
            .annotate(
                reviews=Count("pk"),
                on_time=Count(
                    "pk",
                    filter=Q(
                        previous__isnull=False,
                        **{
                            f"{date_field}__gte": _DateShift(due, -tolerance),
                            f"{date_field}__lte": _DateShift(due, tolerance),
                        },
                    ),
                ),
            )
            .order_by()
        )
        for row in rows:
            key = (row["team__organisation_id"] if group == "organisation" else None, _week_key(row["week"]))
            totals[key][0] += row["on_time"]
            totals[key][1] += row["reviews"]
    return {key: _percent(on_time, reviews) for key, (on_time, reviews) in totals.items()}


def _honos_change(team_ids, start, end, group) -> dict:
    if not _instrument_on("honos"):
        return {}
    baseline_total = (
        HonosRating.objects.filter(
            service_user=OuterRef("service_user"),
            organisation=OuterRef("organisation"),
            stage__in=BASELINE_STAGES["honos"],
            rated_on__lte=OuterRef("rated_on"),
        )
        .order_by("rated_on", "created_at")
        .annotate(total=_honos_total())
        .values("total")[:1]
    )
    rows = (
        HonosRating.objects.filter(
            team_id__in=team_ids,
            stage__in=REVIEW_STAGES["honos"] | EXIT_STAGES["honos"],
            rated_on__gte=start,
            rated_on__lte=end + dt.timedelta(days=6),
        )
        .annotate(baseline=Subquery(baseline_total, output_field=IntegerField()), week=TruncWeek("rated_on"))
        .filter(baseline__isnull=False)
        .annotate(change=_honos_total() - F("baseline"))
        .values("week", *_group_field(group, "team__organisation_id"))
        .annotate(ratings=Count("pk"), mean=Avg("change"))
        .order_by()
    )
    return _cells(
        rows,
        group,
        "team__organisation_id",
        lambda r: Cell(round(float(r["mean"]), 2), r["ratings"]) if r["ratings"] else None,
    )


def _satisfaction(team_ids, start, end, group) -> tuple[dict, dict]:
    if not _instrument_on("satisfaction"):
        return {}, {}
    org = "service_user__involvements__team__organisation_id"
    rows = (
        SatisfactionResponse.objects.filter(
            Q(service_user__involvements__end__isnull=True)
            | Q(service_user__involvements__end__gt=F("responded_on")),
            service_user__involvements__team_id__in=team_ids,
            service_user__involvements__start__lte=F("responded_on"),
            responded_on__gte=start,
            responded_on__lte=end + dt.timedelta(days=6),
        )
        .annotate(week=TruncWeek("responded_on"))
        .values("week", *_group_field(group, org))
        .annotate(
            answers=Count("pk", distinct=True),
            positive=Count("pk", distinct=True, filter=Q(answer__in=["very_good", "good"])),
            dont_know=Count("pk", distinct=True, filter=Q(answer="dont_know")),
        )
        .order_by()
    )
    rows = list(rows)
    positive = _cells(rows, group, org, lambda r: _percent(r["positive"], r["answers"] - r["dont_know"]))
    answers = _cells(rows, group, org, lambda r: Cell(float(r["answers"]), r["answers"]))
    return positive, answers


def _instrument_on(name: str) -> bool:
    return name in enabled_instruments()


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all", today=None) -> dict:
    """The outcome measures per week (Monday, Europe/London) for these teams: see DASHBOARD_MEASURES.
    Six queries whatever the number of rows or weeks (one per measure and instrument)."""
    team_ids = list(team_ids)
    today = today or timezone.localdate()
    positive, answers = _satisfaction(team_ids, start, end, group)
    return {
        "outcomes.baseline_on_time": _baseline_on_time(team_ids, start, end, group, today),
        "outcomes.reviews_on_time": _reviews_on_time(team_ids, start, end, group),
        "outcomes.honos_change": _honos_change(team_ids, start, end, group),
        "outcomes.satisfaction_positive": positive,
        "outcomes.satisfaction_responses": answers,
    }
