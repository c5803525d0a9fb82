"""Outcomes: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Mod, TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef
from dualcare.people.models import Involvement

from .instruments import enabled_instruments
from .models import HonosRating, SatisfactionResponse
from .schedules import (
    BASELINE_STAGES,
    EXIT_STAGES,
    REVIEW_STAGES,
    review_months,
    tolerance_days,
)
from .scoring import HONOS_MIN_COMPARED, NOT_KNOWN
from .selectors import DATE_FIELD, MODELS, SCHEDULED

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
            "total at the person's baseline (assessment) HoNOS with the same organisation, both over "
            "the items rated 0 to 4 on both occasions; a pair with fewer than 10 such items is left "
            "out (not enough known to compare). Below 0 means fewer problems."
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


def _week_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _group_path(group: str, organisation_path: str) -> str | None:
    """The field grouped by: the organisation's id (``..._team__organisation_id``), the team's
    (``..._team_id``), or none for the teams together."""
    if group == "organisation":
        return organisation_path
    if group == "team":
        return organisation_path.removesuffix("__organisation_id") + "_id"
    return None


def _group_field(group: str, path: str) -> list[str]:
    field = _group_path(group, path)
    return [field] if field else []


def _group_key(row, group: str, path: str):
    field = _group_path(group, path)
    return row[field] if field else None


def _cells(rows, group: str, group_path: str, value_of) -> dict:
    result = {}
    for row in rows:
        key = (_group_key(row, group, group_path), _week_key(row["week"]))
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
            key = (_group_key(row, group, "team__organisation_id"), _week_key(row["week"]))
            totals[key][0] += row["on_time"]
            totals[key][1] += row["reviews"]
    return {key: _percent(on_time, reviews) for key, (on_time, reviews) in totals.items()}


def _honos_items_code():
    """A rating's 12 items as one number, item n its (n-1)th decimal digit (each is 0-4 or 9):
    a correlated subquery returns one value, and this carries the baseline's every item in it."""
    return sum(
        (
            Cast(f"item{n}", BigIntegerField()) * Value(10 ** (n - 1), output_field=BigIntegerField())
            for n in range(1, 13)
        ),
        start=Value(0, output_field=BigIntegerField()),
    )


def _baseline_item(n: int):
    # integer division on both PostgreSQL (bigint / bigint) and SQLite (integer / integer)
    return Mod(
        ExpressionWrapper(F("baseline_items") / Value(10 ** (n - 1)), output_field=BigIntegerField()),
        Value(10),
    )


def _both_known(n: int) -> Q:
    return ~Q(**{f"item{n}": NOT_KNOWN}) & ~Q(**{f"item{n}_at_baseline": NOT_KNOWN})


def _honos_change(team_ids, start, end, group) -> dict:
    """Mean change since the baseline over the items rated 0-4 on both occasions, of the pairs
    with HONOS_MIN_COMPARED or more such items (outcomes.scoring: the person's page's rule)."""
    if not _instrument_on("honos"):
        return {}
    baseline_items = (
        HonosRating.objects.filter(
            service_user=OuterRef("service_user"),
            organisation=OuterRef("organisation"),
            stage__in=BASELINE_STAGES["honos"],
            rated_on__lte=OuterRef("rated_on"),
        )
        .order_by("rated_on", "created_at")
        .annotate(code=_honos_items_code())
        .values("code")[:1]
    )
    at_baseline = {f"item{n}_at_baseline": _baseline_item(n) for n in range(1, 13)}
    compared = sum(
        (Case(When(_both_known(n), then=Value(1)), default=Value(0)) for n in range(1, 13)),
        start=Value(0),
    )
    change = sum(
        (
            Case(
                When(_both_known(n), then=F(f"item{n}") - F(f"item{n}_at_baseline")),
                default=Value(0),
                output_field=IntegerField(),
            )
            for n in range(1, 13)
        ),
        start=Value(0),
    )
    rows = (
        HonosRating.objects.filter(
            team_id__in=team_ids,
            stage__in=REVIEW_STAGES["honos"] | EXIT_STAGES["honos"],
            rated_on__gte=start,
            rated_on__lte=end + dt.timedelta(days=6),
        )
        .annotate(
            baseline_items=Subquery(baseline_items, output_field=BigIntegerField()),
            week=TruncWeek("rated_on"),
        )
        .filter(baseline_items__isnull=False)
        .annotate(**at_baseline)
        .annotate(compared=compared, change=change)
        .filter(compared__gte=HONOS_MIN_COMPARED)
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
