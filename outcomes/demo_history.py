"""A year of outcome history for the demo's dashboards (issue 8 point 8), written in bulk.

Historic synthetic people (NHS numbers 99985xxxx, helper D's range) whose care with the mental
health and drug and alcohol teams started week by week from late April 2025 (some earlier, so
caseloads are level); care that has not ended by last week is still going on, and those people
are on their team's caseload today (issue 13), held by key workers without a demo login.
Each has a baseline HoNOS or start TOP (on time more often after
BASELINE_CHANGE, the tested change the dashboards can annotate), six-monthly reviews with
realistic lateness, an exit measure for most, some satisfaction answers, and a quadrant at the
start of care (for some, a move later). The ended care of the other demo histories' people
(referrals, contacts) with these teams gets outcome forms the same way, so every episode the
other measures count is counted here too. Rows are drawn from a generator seeded by a fixed
string, so a run makes the same history relative to `today`. Idempotent: nothing is made once
any historic person of ours exists. Off under the test runner unless DEMO_HISTORY is set.
Within the exit window every ended involvement has its exit measure except one in North CMHT,
so the due list shows one exit measure still to record.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from cohorts.demo_history import quadrant_history_write
from cohorts.models import QuadrantAssessment
from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.management.demo_import import care_ends_by, history_enabled, nhs_numbers
from dualcare.people.demo_history import people_history_write
from dualcare.people.models import Involvement, Organisation, ServiceUser, StaffRole, User

from .models import FFTAnswer, HonosRating, SatisfactionResponse, TopForm
from .schedules import add_months

NHS_PREFIX = "99985"
# The other histories' people (referrals: 99970, contacts: 99980), apart from the live demo's
# (9990) and the test factories' (9991 up).
OTHER_HISTORIES = ("9997", "9998")
HISTORY_FROM = dt.date(2025, 4, 21)  # starts from here, so reviews fall due all through the chart year
CHART_FROM = dt.date(2025, 11, 24)  # the dashboards' year
# Care longer than HISTORY_FROM to the chart year also starts before it (up to 60 weeks long), so
# the caseloads are level through the chart year, not rising.
PRE_ROLL_WEEKS = 30
BASELINE_CHANGE = dt.date(2026, 5, 4)  # "baseline measure taken at the first appointment"
GIVEN = [
    "Aled", "Bryony", "Cass", "Dev", "Efe", "Fern", "Gus", "Hollie", "Ivo", "Jonah", "Kemi", "Lior",
    "Mair", "Nico", "Orla", "Priya", "Quinn", "Rhys", "Suki", "Tariq", "Uma", "Vaughan", "Wren", "Yusuf",
]  # fmt: skip
FAMILY = [
    "Archiveley", "Backfill", "Cohortson", "Datewell", "Entryby", "Fieldcote", "Gridley", "Historow",
    "Indexford", "Journalby", "Ledgerton", "Mockhurst", "Notebury", "Placeton", "Recordley", "Sampleworth",
    "Tallyfield", "Weekbury",
]  # fmt: skip
FFT = [
    (FFTAnswer.VERY_GOOD, 34),
    (FFTAnswer.GOOD, 38),
    (FFTAnswer.NEITHER, 12),
    (FFTAnswer.POOR, 8),
    (FFTAnswer.VERY_POOR, 4),
    (FFTAnswer.DONT_KNOW, 4),
]
# Ofcom's drama numbers (0113-0118 and 0121-0161 496 0xxx), apart from the live demo's 07700 900xxx.
DRAMA_PREFIXES = ["0113", "0114", "0115", "0116", "0117", "0118", "0121", "0131", "0141", "0151", "0161"]
INSTRUMENT = {Organisation.Kind.MENTAL_HEALTH: "honos", Organisation.Kind.SUBSTANCE_MISUSE: "top"}


def build(demo) -> None:
    """Load the history once (run by the demo after the live demo and the histories before it in
    INSTALLED_APPS order, whose ended care it gives outcome forms too)."""
    teams = [demo.teams[key] for key in KEYS if key in demo.teams]
    manager = demo.staff.get("manager.mh")
    if teams and manager is not None and history_enabled():
        key_workers = {demo.teams[key].pk: demo.history_key_workers(key) for key in KEYS if key in demo.teams}
        made = demo_history_create(teams=teams, today=demo.today, by=manager, key_workers=key_workers)
        for what, count in made.items():
            demo.created[what] += count


KEYS = ("north", "south", "recovery", "prescribing")  # the demo's teams with outcome measures


@dataclass
class _Episode:
    person: ServiceUser
    involvement: Involvement
    instrument: str
    ours: bool = True  # False: another demo history's person, given outcome forms only


def _honos_items(rng: random.Random, severity: float) -> tuple[list[int], dict]:
    items = [max(0, min(4, round(rng.gauss(severity, 0.8)))) for _ in range(12)]
    if rng.random() < 0.25:
        items[rng.randrange(12)] = 9
    extra = {"item8_type": rng.choice("ABDH")} if 1 <= items[7] <= 4 else {}
    return items, extra


def _top_answers(rng: random.Random, progress: float) -> dict:
    drinks = rng.random() < 0.6
    alcohol = min(28, round(rng.randint(12, 28) * (1 - 0.6 * progress))) if drinks else 0
    opiates = (
        0 if drinks and rng.random() < 0.7 else min(28, round(rng.randint(8, 28) * (1 - 0.7 * progress)))
    )
    return {
        "alcohol_days": alcohol,
        "alcohol_units_per_day": rng.choice([8, 12, 16, 20]) if alcohol else None,
        "opiates_days": opiates,
        "opiates_grams_per_day": rng.choice([0.25, 0.5, 1]) if opiates else None,
        "crack_days": rng.choice([0, 0, 0, 2, 4]),
        "tobacco_days": 28,
        "injecting_days": 0,
        "psychological_health": max(0, min(20, rng.randint(4, 10) + round(6 * progress))),
        "physical_health": max(0, min(20, rng.randint(6, 11) + round(3 * progress))),
        "quality_of_life": max(0, min(20, rng.randint(3, 9) + round(6 * progress))),
    }


def _other_histories(teams) -> list[_Episode]:
    """Ended care of the other demo histories' synthetic people (referrals, contacts) with these
    teams in the chart year, with no outcome form from that organisation yet: they get forms
    too, so the outcome measures count every episode the other measures count."""
    from django.db.models import Exists, OuterRef, Q

    def has_forms(model):
        return Exists(
            model.objects.filter(
                service_user=OuterRef("service_user"), organisation=OuterRef("team__organisation")
            )
        )

    involvements = (
        Involvement.objects.filter(team__in=teams, start__gte=HISTORY_FROM)
        .filter(Q(key_worker__isnull=False) | Q(ended_by__isnull=False))
        .exclude(service_user__nhs_number__startswith=NHS_PREFIX)
        .filter(
            Q(service_user__nhs_number__startswith=OTHER_HISTORIES[0])
            | Q(service_user__nhs_number__startswith=OTHER_HISTORIES[1])
        )
        .exclude(has_forms(HonosRating))
        .exclude(has_forms(TopForm))
        .select_related("service_user", "team__organisation", "key_worker", "ended_by")
        .order_by("start", "pk")
    )
    episodes = []
    for involvement in involvements:
        if involvement.key_worker is None:
            involvement.key_worker = involvement.ended_by
        episodes.append(
            _Episode(
                involvement.service_user,
                involvement,
                INSTRUMENT[involvement.team.organisation.kind],
                ours=False,
            )
        )
    return episodes


# Likely quadrants at the start of care, by instrument (team kind): (quadrant, weight).
QUADRANT_WEIGHTS = {
    "honos": [("I", 1), ("II", 5), ("III", 1), ("IV", 4)],
    "top": [("I", 1), ("II", 1), ("III", 5), ("IV", 4)],
}
SEVERITIES = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}
RATIONALES = {
    "I": "Low-level anxiety and occasional drinking; managed in primary care terms.",
    "II": "Severe and enduring mental illness; substance use low and not driving risk.",
    "III": "Dependent use is the main need; mental health symptoms mild.",
    "IV": "Severe mental illness with dependent use; each worsens the other.",
}


def _quadrant_history(rng, episode, severity, improves, form_days) -> list[QuadrantAssessment]:
    """A quadrant at the start of care, and for some a move at a later review (people move)."""
    inv = episode.involvement
    names, weights = zip(*QUADRANT_WEIGHTS[episode.instrument], strict=True)
    first = rng.choices(names, weights=weights)[0]
    history = [(inv.start, first)]
    later = [day for day in form_days[1:] if inv.end is None or day < inv.end]
    if later and rng.random() < 0.3:
        moved = {"IV": "II" if episode.instrument == "honos" else "III", "II": "I", "III": "I", "I": "II"}[
            first
        ]
        if not improves:
            moved = "IV"
        if moved != first:
            history.append((rng.choice(later), moved))
    return [
        QuadrantAssessment(
            service_user=episode.person,
            mental_health_severity=SEVERITIES[quadrant][0],
            substance_use_severity=SEVERITIES[quadrant][1],
            quadrant=quadrant,
            assessed_on=day,
            assessed_by=inv.key_worker,
            organisation=inv.team.organisation,
            rationale=RATIONALES[quadrant],
        )
        for day, quadrant in history
    ]


@transaction.atomic
def demo_history_create(*, teams, today: dt.date, by, key_workers: dict | None = None) -> dict[str, int]:
    """Write the history for these teams (mental health: HoNOS; drug and alcohol: TOP) in bulk.
    `key_workers` ({team id: [users]}) hold the historic people; by default, each team's key
    workers. Returns what was made; makes nothing when the history is already there."""
    if ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX).exists():
        return {}
    rng = random.Random("dualcare-demo-outcome-history")
    teams = [team for team in teams if team.organisation.kind in INSTRUMENT]
    if key_workers is None:
        key_workers = {}
        for team_id, user in access.roles_in_force(
            team_id__in=[t.pk for t in teams], role=StaffRole.Role.KEY_WORKER
        ).values_list("team_id", "user"):
            key_workers.setdefault(team_id, []).append(user)
    else:
        key_workers = {team_id: [user.pk for user in users] for team_id, users in key_workers.items()}
    users = {u.pk: u for u in User.objects.filter(pk__in={pk for pks in key_workers.values() for pk in pks})}
    numbers = nhs_numbers(NHS_PREFIX)
    last_start = today - dt.timedelta(days=15)  # the baseline window of later starts is still open
    exit_window_from = today - dt.timedelta(days=access.outcomes_exit_access_days())
    people, episodes = [], []
    for team in sorted(teams, key=lambda t: t.name):
        workers = [users[pk] for pk in sorted(key_workers.get(team.pk, []), key=str)]
        if not workers:
            continue
        week = HISTORY_FROM - dt.timedelta(weeks=PRE_ROLL_WEEKS)
        while week <= last_start:
            for _ in range(rng.choice([1, 2, 3, 3, 4, 4, 5, 6])):
                start = min(week + dt.timedelta(days=rng.randint(0, 6)), last_start)
                end = start + dt.timedelta(days=rng.randint(120, 420))
                if start < HISTORY_FROM and end < CHART_FROM:
                    continue  # over before the chart year: only its draws are made, to keep caseloads level
                if end > care_ends_by(today):
                    # Still going on after last week (the dashboards' latest week): still in care
                    # today, on the team's caseload (issue 13: the chart and the page count the same).
                    end = None
                index = len(people)
                person = ServiceUser(
                    nhs_number=next(numbers),
                    given_name=GIVEN[index % len(GIVEN)],
                    family_name=FAMILY[(index // len(GIVEN)) % len(FAMILY)],
                    date_of_birth=dt.date(rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28)),
                    phone=f"{DRAMA_PREFIXES[index // 1000 % len(DRAMA_PREFIXES)]} 496 0{index % 1000:03d}",
                )
                involvement = Involvement(
                    team=team,
                    service_user=person,
                    key_worker=rng.choice(workers),
                    start=start,
                    end=end,
                    end_reason=rng.choice(
                        ["Discharged: goals met", "Discharged to the GP", "Disengaged", "Moved away"]
                    )
                    if end
                    else "",
                )
                people.append(person)
                episodes.append(_Episode(person, involvement, INSTRUMENT[team.organisation.kind]))
            week += dt.timedelta(weeks=1)
    people_history_write(
        people=people, involvements=[e.involvement for e in episodes], label="outcomes history"
    )
    episodes += _other_histories(teams)

    honos, tops, answers, quadrants = [], [], [], []
    fft_answers, fft_weights = zip(*FFT, strict=True)
    left_undone = False
    for episode in episodes:
        inv, person = episode.involvement, episode.person
        # The other histories' episodes draw from a generator of their own person's: how many
        # draws our episodes took before them depends on today (their weeks run to today), so
        # from the shared one a person's forms changed from day to day, some days none at all.
        draw = rng if episode.ours else random.Random(f"dualcare-demo-outcome-history:{person.nhs_number}")
        by_worker = inv.key_worker
        common = {"service_user": person, "organisation": inv.team.organisation, "team": inv.team}
        forms: list[tuple[str, dt.date]] = []
        on_time = 0.85 if inv.start >= BASELINE_CHANGE else 0.55
        if draw.random() < on_time:
            baseline = inv.start + dt.timedelta(days=draw.randint(0, 14))
        elif draw.random() < 0.7:
            baseline = inv.start + dt.timedelta(days=draw.randint(15, 45))
        else:
            baseline = None
        ends = inv.end or today
        if baseline is not None and baseline <= ends:
            forms.append(("baseline", baseline))
            previous = baseline
            while True:
                due = add_months(previous, 6)
                late = draw.randint(-14, 14) if draw.random() < 0.7 else draw.randint(15, 50)
                review = due + dt.timedelta(days=late)
                if review >= ends or review > today:
                    break
                forms.append(("review", review))
                previous = review
        in_window = inv.end is not None and inv.end >= exit_window_from
        leave_one = in_window and inv.team.name.startswith("North") and not left_undone
        if leave_one:
            left_undone = True
        elif inv.end is not None and (in_window or draw.random() < 0.75):
            forms.append(("exit", min(today, inv.end + dt.timedelta(days=draw.randint(0, 10)))))
        severity = draw.choice([1.4, 1.8, 2.2, 2.6])
        improves = draw.random() < 0.65
        if episode.ours:
            quadrants.extend(_quadrant_history(draw, episode, severity, improves, [day for _, day in forms]))
        for number, (kind, day) in enumerate(forms):
            progress = min(1.0, 0.35 * number) if improves else -0.05 * number
            if episode.instrument == "honos":
                items, extra = _honos_items(draw, max(0.2, severity * (1 - 0.5 * progress)))
                stage = {"baseline": "assessment", "review": "review", "exit": "discharge"}[kind]
                honos.append(
                    HonosRating(
                        **common,
                        recorded_by=by_worker,
                        rated_on=day,
                        stage=stage,
                        **{f"item{n}": v for n, v in enumerate(items, start=1)},
                        **extra,
                    )
                )
            else:
                stage = {"baseline": "start", "review": "review", "exit": "exit"}[kind]
                if kind == "exit" and draw.random() < 0.2:
                    stage = "post_treatment_exit"
                tops.append(
                    TopForm(
                        **common,
                        recorded_by=by_worker,
                        completed_on=day,
                        stage=stage,
                        **_top_answers(draw, progress),
                    )
                )
        length = (ends - inv.start).days
        for _ in range(draw.choice([0, 1, 1, 2, 2])):
            if length < 16:
                break
            answers.append(
                SatisfactionResponse(
                    **common,
                    recorded_by=by_worker,
                    responded_on=inv.start + dt.timedelta(days=draw.randint(14, length - 1)),
                    answer=draw.choices(fft_answers, weights=fft_weights)[0],
                )
            )
    quadrant_history_write(quadrants, label="outcomes history")
    HonosRating.objects.bulk_create(honos, batch_size=500)
    TopForm.objects.bulk_create(tops, batch_size=500)
    SatisfactionResponse.objects.bulk_create(answers, batch_size=500)
    made = {
        "historic people": len(people),
        "other histories' episodes given outcome forms": sum(1 for e in episodes if not e.ours),
        "historic HoNOS ratings": len(honos),
        "historic TOP forms": len(tops),
        "historic satisfaction answers": len(answers),
        "historic quadrant assessments": len(quadrants),
    }
    audit_record(actor=by, action="outcomes.demo_history", detail=made)
    return made
