from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Cohort, Enrolment, QuadrantAssessment

QUADRANTS = ["I", "II", "III", "IV"]


def quadrant_assessments_visible_to(user, service_user=None) -> QuerySet:
    """Quadrant assessments the user may see (access.ORG_WRITTEN: the outcomes consent), newest first."""
    from dualcare import access

    return access.org_written_filter(
        user, QuadrantAssessment.objects.all(), service_user=service_user
    ).order_by("-assessed_on", "-created_at")


def with_current_quadrant(service_users: QuerySet, *, user) -> QuerySet:
    """Annotate people with the latest quadrant (and its date) that `user` may see: another
    organisation's assessment only with the person's outcomes consent. One subquery, no N+1."""
    latest = quadrant_assessments_visible_to(user).filter(service_user=OuterRef("pk"))
    return service_users.annotate(
        current_quadrant=Subquery(latest.values("quadrant")[:1]),
        current_quadrant_on=Subquery(latest.values("assessed_on")[:1]),
    )


# Quadrant at a date, transitions, counts ------------------------------------------------------
def _quadrant_on(day, *, viewer=None):
    """The latest quadrant on the day: of every assessment (for counts), or of those `viewer` may see."""
    assessments = (
        QuadrantAssessment.objects.all() if viewer is None else quadrant_assessments_visible_to(viewer)
    )
    return Subquery(
        assessments.filter(service_user=OuterRef("pk"), assessed_on__lte=day)
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


def transition_matrix(people: QuerySet, *, start, end, viewer=None) -> dict:
    """From-quadrant (on `start`) x to-quadrant (on `end`) counts for these people, aggregated in
    the database, plus the people `viewer` may see (None: list nobody), each in the cell of the
    assessments the viewer may see (another organisation's only with outcomes consent)."""
    annotated = people.annotate(q_from=_quadrant_on(start), q_to=_quadrant_on(end))
    keys = [*QUADRANTS, None]
    counts = {a: dict.fromkeys(keys, 0) for a in keys}
    for row in annotated.values("q_from", "q_to").annotate(n=Count("pk")).order_by():
        counts[row["q_from"]][row["q_to"]] += row["n"]
    names: dict = {a: {b: [] for b in keys} for a in keys}
    if viewer is not None:
        from dualcare import access

        named = people.filter(pk__in=access.service_users_visible_to(viewer).values("pk")).annotate(
            q_from=_quadrant_on(start, viewer=viewer), q_to=_quadrant_on(end, viewer=viewer)
        )
        for person in named.order_by("family_name", "given_name"):
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
from uuid import UUID  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402

from dualcare.dashboards.measures import Cell, MeasureDef, weeks_between  # noqa: E402

NOT_ASSESSED = "not_assessed"
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


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """People on the teams' caseloads at the end of each week (Sunday), by their quadrant then:
    the latest assessment on or before that Sunday, or "not assessed". A person counts once however
    many teams in scope have them on their caseload (once per organisation with group="organisation").

    One query whatever the people and weeks: the week ends are a VALUES list joined to the open
    involvements, and the database counts distinct people per week, group and quadrant.
    """
    from dualcare.people.models import Involvement

    team_ids = list(team_ids)
    weeks = weeks_between(start, end)
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    if not team_ids or not weeks:
        return result
    qn = connection.ops.quote_name
    in_scope, scope_params = (
        Involvement.objects.filter(team_id__in=team_ids)
        .values("service_user_id", "start", "end", organisation=F("team__organisation_id"))
        .query.sql_with_params()
    )
    assessment = QuadrantAssessment._meta.db_table
    group_key = "i.organisation" if group == "organisation" else "NULL"
    week_ends = [connection.ops.adapt_datefield_value(week + dt.timedelta(days=6)) for week in weeks]
    # Only quoted names and placeholders are put into the text; every value is a parameter.
    sql = f"""
        WITH week_ends (week_end) AS (VALUES {", ".join(["(%s)"] * len(week_ends))})
        SELECT w.week_end, {group_key} AS group_key, (
            SELECT qa.{qn("quadrant")} FROM {qn(assessment)} qa
            WHERE qa.{qn("service_user_id")} = i.{qn("service_user_id")}
              AND qa.{qn("assessed_on")} <= w.week_end
            ORDER BY qa.{qn("assessed_on")} DESC, qa.{qn("created_at")} DESC
            LIMIT 1
        ) AS quadrant, COUNT(DISTINCT i.{qn("service_user_id")})
        FROM week_ends w
        JOIN ({in_scope}) i
          ON i.{qn("start")} <= w.week_end AND (i.{qn("end")} IS NULL OR i.{qn("end")} > w.week_end)
        GROUP BY w.week_end, group_key, quadrant
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*week_ends, *scope_params])
        rows = cursor.fetchall()
    monday_of = {str(week + dt.timedelta(days=6)): week for week in weeks}
    for week_end, key, quadrant, people in rows:
        week = monday_of[str(week_end)[:10]]  # a date, or its ISO text on SQLite
        if key is not None and not isinstance(key, UUID):
            key = UUID(str(key))  # SQLite keeps UUIDs as hex text
        result[_KEY_OF[quadrant or NOT_ASSESSED]][(key, week)] = Cell(people, people)
    # A week with people on the caseload shows every quadrant, 0 where nobody is in it.
    for key, week in {cell for cells in result.values() for cell in cells}:
        for measure in _KEY_OF.values():
            result[measure].setdefault((key, week), Cell(0, 0))
    return result
