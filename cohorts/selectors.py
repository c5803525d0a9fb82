from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Cohort, Enrolment, QuadrantAssessment

QUADRANTS = ["I", "II", "III", "IV"]


def with_current_quadrant(service_users: QuerySet) -> QuerySet:
    """Annotate people with their latest quadrant and its date (one subquery, no N+1)."""
    latest = QuadrantAssessment.objects.filter(service_user=OuterRef("pk")).order_by(
        "-assessed_on", "-created_at"
    )
    return service_users.annotate(
        current_quadrant=Subquery(latest.values("quadrant")[:1]),
        current_quadrant_on=Subquery(latest.values("assessed_on")[:1]),
    )


# Quadrant at a date, transitions, counts ------------------------------------------------------
def _quadrant_on(day):
    return Subquery(
        QuadrantAssessment.objects.filter(service_user=OuterRef("pk"), assessed_on__lte=day)
        .order_by("-assessed_on", "-created_at")
        .values("quadrant")[:1]
    )


def cohorts_visible_to(user) -> QuerySet:
    """Cohorts of the organisations the staff member works in."""
    from dualcare import access

    if not getattr(user, "is_authenticated", False) or user.kind != "staff":
        return Cohort.objects.none()
    return Cohort.objects.filter(organisation__in=access.organisations_of(user).values("pk"))


def cohort_members(cohort, *, on=None) -> QuerySet:
    """People enrolled on the date (default today), whoever may see them: for aggregates."""
    from dualcare.people.models import ServiceUser

    on = on or timezone.localdate()
    enrolled = Enrolment.objects.filter(cohort=cohort, enrolled_on__lte=on).filter(
        Q(exited_on__isnull=True) | Q(exited_on__gt=on)
    )
    return ServiceUser.objects.filter(pk__in=enrolled.values("service_user_id"))


def quadrant_counts(people: QuerySet, *, on=None) -> dict[str, int]:
    """How many of these people were in each quadrant on the date: one aggregate query."""
    on = on or timezone.localdate()
    rows = people.annotate(q=_quadrant_on(on)).values("q").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(QUADRANTS, 0)
    for row in rows:
        if row["q"] in counts:
            counts[row["q"]] += row["n"]
    return counts


def transition_matrix(people: QuerySet, *, start, end, visible: QuerySet | None = None) -> dict:
    """From-quadrant (on `start`) x to-quadrant (on `end`) counts for these people, aggregated in
    the database, plus the people in each cell that `visible` allows (None: list nobody)."""
    annotated = people.annotate(q_from=_quadrant_on(start), q_to=_quadrant_on(end))
    keys = [*QUADRANTS, None]
    counts = {a: dict.fromkeys(keys, 0) for a in keys}
    for row in annotated.values("q_from", "q_to").annotate(n=Count("pk")).order_by():
        counts[row["q_from"]][row["q_to"]] += row["n"]
    names: dict = {a: {b: [] for b in keys} for a in keys}
    if visible is not None:
        for person in annotated.filter(pk__in=visible.values("pk")).order_by("family_name", "given_name"):
            names[person.q_from][person.q_to].append(person)
    return {"counts": counts, "people": names, "quadrants": keys}


def team_quadrant_counts(teams, months: list) -> list[dict]:
    """For each month end: for each team, people with an open involvement then, by quadrant then.
    One aggregate query per month."""
    from dualcare.people.models import Involvement

    result = []
    team_ids = [team.pk for team in teams]
    for day in months:
        involvements = Involvement.objects.filter(team_id__in=team_ids, start__lte=day).filter(
            Q(end__isnull=True) | Q(end__gt=day)
        )
        latest = QuadrantAssessment.objects.filter(
            service_user=OuterRef("service_user"), assessed_on__lte=day
        ).order_by("-assessed_on", "-created_at")
        rows = (
            involvements.annotate(q=Subquery(latest.values("quadrant")[:1]))
            .values("team_id", "q")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_team = {team_id: dict.fromkeys([*QUADRANTS, None], 0) for team_id in team_ids}
        for row in rows:
            by_team[row["team_id"]][row["q"]] += row["n"]
        result.append({"on": day, "teams": by_team})
    return result


# ---------------------------------------------------------------------------
# Dashboard measures (dualcare.dashboards.measures): caseload by quadrant at the end of each week


import datetime as dt  # noqa: E402

from django.db.models import Case, DateField, F, Value, When  # noqa: E402
from django.db.models.functions import Coalesce, Greatest, Least, TruncWeek  # noqa: E402

from dualcare.dashboards.measures import Cell, MeasureDef, weeks_between  # noqa: E402

NOT_ASSESSED = "not_assessed"
_FOREVER = dt.date(9999, 12, 31)
_QUADRANT_WORDS = {
    "I": "quadrant I (low mental illness, low substance use)",
    "II": "quadrant II (high mental illness, low substance use)",
    "III": "quadrant III (low mental illness, high substance use)",
    "IV": "quadrant IV (high mental illness, high substance use)",
}

DASHBOARD_MEASURES = [
    *(
        MeasureDef(
            key=f"cohorts.caseload_{quadrant.lower()}",
            title=f"Caseload in quadrant {quadrant}",
            capability="Caseload by quadrant",
            unit="people",
            improvement="neither",
            description=(
                f"People on the team's caseload at the end of the week whose latest assessment then "
                f"put them in {_QUADRANT_WORDS[quadrant]}."
            ),
        )
        for quadrant in QUADRANTS
    ),
    MeasureDef(
        key="cohorts.caseload_not_assessed",
        title="Caseload not yet assessed for a quadrant",
        capability="Caseload by quadrant",
        unit="people",
        improvement="neither",
        description="People on the team's caseload at the end of the week with no quadrant assessment yet.",
    ),
]
_KEY_OF = {
    **{q: f"cohorts.caseload_{q.lower()}" for q in QUADRANTS},
    NOT_ASSESSED: "cohorts.caseload_not_assessed",
}


def _week_of(day_expression, start: dt.date):
    """The Monday of the day's week, or the week before `start` for anything earlier."""
    before = start - dt.timedelta(weeks=1)
    return Case(
        When(**{f"{day_expression}__lt": start}, then=Value(before)),
        default=TruncWeek(day_expression, output_field=DateField()),
        output_field=DateField(),
    )


def _events(segments, start: dt.date, last_day: dt.date, group: str, quadrant) -> list:
    """Starts (+1) and ends (-1) of the segments per week, quadrant and group: two queries."""
    keys = {"segment_quadrant": quadrant}
    if group == "organisation":
        keys["group_key"] = F("caseload_organisation")
    segments = segments.filter(seg_start__lt=F("seg_end"), seg_start__lte=last_day)
    rows = []
    for field, sign in (("seg_start", 1), ("seg_end", -1)):
        events = (
            segments.filter(**{f"{field}__lte": last_day})
            .annotate(week=_week_of(field, start))
            .values("week", **keys)
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows += [
            (row.get("group_key"), row["segment_quadrant"], _as_date(row["week"]), sign * row["n"])
            for row in events
        ]
    return rows


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """People on the teams' caseloads (open involvements) at the end of each week, by their quadrant
    then. A person's time on a caseload is cut into segments by their assessments; the database
    counts the segments starting and ending each week, and the weekly totals are run up here
    (a loop over weeks, not people). Four queries whatever the people and weeks. A person on the
    caseloads of two teams in scope counts for each."""
    from dualcare.people.models import Involvement

    team_ids = list(team_ids)
    last_day = end + dt.timedelta(days=6)
    prefix = "service_user__involvements__"
    following = QuadrantAssessment.objects.filter(service_user=OuterRef("service_user")).filter(
        Q(assessed_on__gt=OuterRef("assessed_on"))
        | Q(assessed_on=OuterRef("assessed_on"), created_at__gt=OuterRef("created_at"))
    )
    assessed = (
        QuadrantAssessment.objects.filter(**{f"{prefix}team_id__in": team_ids})
        .annotate(
            caseload_organisation=F(f"{prefix}team__organisation"),
            next_on=Subquery(following.order_by("assessed_on", "created_at").values("assessed_on")[:1]),
        )
        .annotate(
            seg_start=Greatest(F(f"{prefix}start"), F("assessed_on"), output_field=DateField()),
            seg_end=Least(
                Coalesce(F(f"{prefix}end"), Value(_FOREVER)),
                Coalesce(F("next_on"), Value(_FOREVER)),
                output_field=DateField(),
            ),
        )
    )
    first = QuadrantAssessment.objects.filter(service_user=OuterRef("service_user")).order_by("assessed_on")
    unassessed = (
        Involvement.objects.filter(team_id__in=team_ids)
        .annotate(
            caseload_organisation=F("team__organisation"), first_on=Subquery(first.values("assessed_on")[:1])
        )
        .annotate(
            seg_start=F("start"),
            seg_end=Least(
                Coalesce(F("end"), Value(_FOREVER)),
                Coalesce(F("first_on"), Value(_FOREVER)),
                output_field=DateField(),
            ),
        )
    )
    events = _events(assessed, start, last_day, group, F("quadrant"))
    events += _events(unassessed, start, last_day, group, Value(NOT_ASSESSED))

    weeks = weeks_between(start, end)
    change: dict = {}
    for group_key, quadrant, week, n in events:
        week = max(week, start - dt.timedelta(weeks=1))
        change[(group_key, quadrant, week)] = change.get((group_key, quadrant, week), 0) + n
    groups = {group_key for group_key, _, _, _ in events}
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for group_key in groups:
        running = {
            quadrant: change.get((group_key, quadrant, start - dt.timedelta(weeks=1)), 0)
            for quadrant in _KEY_OF
        }
        for week in weeks:
            for quadrant in _KEY_OF:
                running[quadrant] += change.get((group_key, quadrant, week), 0)
            if not any(running.values()):
                continue
            for quadrant, count in running.items():
                result[_KEY_OF[quadrant]][(group_key, week)] = Cell(count, count)
    return result
