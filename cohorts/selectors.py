from collections import defaultdict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import Cohort, Enrolment, Quadrant, QuadrantAssessment

QUADRANTS = ["I", "II", "III", "IV"]


def quadrant_assessments_visible_to(user, service_user=None) -> QuerySet:
    """Quadrant assessments the user may see (access.ORG_WRITTEN: the outcomes consent), newest first."""
    from dualcare import access

    return access.org_written_filter(
        user, QuadrantAssessment.objects.all(), service_user=service_user
    ).order_by("-assessed_on", "-created_at")


def quadrant_choices() -> list[tuple[str, str]]:
    """The quadrants a caseload filters by (dualcare/people/extensions.py)."""
    return [(value, label) for value, label in Quadrant.choices]


def latest_quadrant_visible_to(user, service_user) -> QuadrantAssessment | None:
    """The person's latest quadrant assessment that the user may see, if any (the record page).
    The consent rule tested on this person's rows (access.org_written_rows_of_one), not by hashing
    everyone the user may see: 40 ms for a trust manager or key worker, issue 15."""
    from dualcare import access

    rows = QuadrantAssessment.objects.filter(service_user=service_user)
    return access.org_written_rows_of_one(user, rows).order_by("-assessed_on", "-created_at").first()


def with_current_quadrant(service_users: QuerySet, *, user) -> QuerySet:
    """Annotate people with the latest quadrant (and its date) that `user` may see: another
    organisation's assessment only with the person's outcomes consent. One subquery, no N+1."""
    from dualcare import access

    latest = access.org_written_rows_of_one(
        user, QuadrantAssessment.objects.filter(service_user=OuterRef("pk"))
    ).order_by("-assessed_on", "-created_at")
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

    if not access.is_active_staff(user):
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


def outcome_change_by_entry(user, cohort) -> list[dict]:
    """HoNOS first-to-latest change of members the viewer may see outcomes of, by quadrant at entry."""
    from outcomes import instruments
    from outcomes import selectors as outcome_selectors

    if not instruments.instrument_enabled("honos"):
        return []
    entry = dict(
        Enrolment.objects.filter(cohort=cohort, exited_on__isnull=True).values_list(
            "service_user_id", "quadrant_at_entry"
        )
    )
    ratings = list(outcome_selectors.outcomes_visible(user, "honos").filter(service_user_id__in=list(entry)))
    groups: dict = defaultdict(list)
    for pair in outcome_selectors.honos_pairs(ratings):
        groups[entry[pair.service_user_id]].append(pair.change)
    rows = []
    for quadrant in QUADRANTS:
        changes = groups.get(quadrant, [])
        rows.append(
            {
                "quadrant": quadrant,
                "pairs": len(changes),
                "mean_change": round(sum(c.change for c in changes) / len(changes), 1) if changes else None,
                "improved": sum(1 for c in changes if c.reliable_improvement),
            }
        )
    return rows
