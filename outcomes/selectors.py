"""Reads of outcome measures, already permission-filtered (dualcare.access.outcomes_filter)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils import timezone

from dualcare import access
from dualcare.people.models import Involvement, Organisation

from . import scoring
from .instruments import enabled_instruments, instrument_enabled
from .models import (
    DIALOG_ITEMS,
    DialogPlusDiscussion,
    DialogRating,
    HonosRating,
    SatisfactionResponse,
    TopForm,
)
from .schedules import (
    Due,
    next_due,
)

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


# The three TOP ratings a person's "How you are getting on" page shows, in the words it uses.
PROGRESS_RATINGS = [
    ("psychological_health", "How you felt in yourself (your mental health)"),
    ("physical_health", "Your physical health"),
    ("quality_of_life", "Your quality of life overall"),
]


def progress_forms(user, service_user=None) -> QuerySet[TopForm]:
    """The TOP forms whose ratings the person's progress page shows, oldest first: their own (or,
    for a carer, those of the people who granted them their progress scores); none while TOP is
    switched off."""
    if "top" not in enabled_instruments():
        return TopForm.objects.none()
    return outcomes_visible(user, "top", service_user)


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
        change = scoring.honos_change(first.items, last.items)
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


def team_change(user, team, people) -> dict:
    """Change between first and latest ratings of the team's people the user may see outcomes of,
    as the team's outcomes page shows it: HoNOS reliable change counts, TOP mean changes."""
    change = {}
    if instrument_enabled("honos"):
        ratings = list(
            outcomes_visible(user, "honos").filter(service_user__in=people, organisation=team.organisation)
        )
        pairs = honos_pairs(ratings)
        change["honos"] = {
            "pairs": len(pairs),
            "reliable improvement": sum(1 for p in pairs if p.change.label == "reliable improvement"),
            "no reliable change": sum(1 for p in pairs if p.change.label == "no reliable change"),
            "reliable deterioration": sum(1 for p in pairs if p.change.label == "reliable deterioration"),
            "clinically significant": sum(1 for p in pairs if p.change.clinically_significant),
        }
    if instrument_enabled("top"):
        forms = list(
            outcomes_visible(user, "top").filter(service_user__in=people, organisation=team.organisation)
        )
        pairs = top_pairs(forms)

        def mean_change(name):
            values = [c[name] for _, _, c in pairs if c[name] is not None]
            return round(sum(values) / len(values), 1) if values else None

        change["top"] = {
            "pairs": len(pairs),
            "psychological_health": mean_change("psychological_health"),
            "physical_health": mean_change("physical_health"),
            "quality_of_life": mean_change("quality_of_life"),
            "alcohol_days": mean_change("alcohol_days"),
            "opiates_days": mean_change("opiates_days"),
        }
    return change


def dialog_plus_for(user, service_user):
    """DIALOG+ for the person's latest DIALOG rating the user may see: (rating, [(number, label,
    score, discussion or None)] for each item the person wants more help with). Two queries."""
    rating = (
        access.outcomes_filter(user, DialogRating.objects.all(), service_user)
        .order_by("-rated_on", "-created_at")
        .first()
    )
    if rating is None:
        return None, []
    discussions = {
        discussion.item: discussion
        for discussion in access.outcomes_filter(
            user,
            DialogPlusDiscussion.objects.filter(rating=rating).select_related("organisation", "recorded_by"),
        )
    }
    items = [
        (number, DIALOG_ITEMS[number - 1], rating.items[number - 1], discussions.get(number))
        for number in rating.more_help
    ]
    return rating, items
