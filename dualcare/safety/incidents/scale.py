"""Incidents at trust scale (`manage.py scale_add incidents`, and a fresh `demo --scale`):
three years of incidents, near misses and complaints, as a large mental health trust and its
partners report them.

Numbers, roughly as a large mental health trust reports to the NRLS and LFPSE: about 300
incidents a year per 1,000 people on the caseload (15,000 a year for 50,000 people), most of no
or low harm (70% no harm, 25% low, 4% moderate, 0.7% severe, 0.3% fatal); near misses one in ten
of the incidents reported; complaints about 12 a year per 1,000. One in twenty is about a team
only. Older than 90 days, closed; a serious one and one in ten of the rest has a review action or
two, and lessons once closed. Written in bulk (no alerts: this is history), ids from the trust's
seed, so the same seed gives the same rows."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from dualcare.people.models import StaffRole
from dualcare.people.scale import Trust

from .models import Harm, Incident, Kind, ReviewAction, State

YEARS = 3
INCIDENTS_PER_1000_A_YEAR = 300
COMPLAINTS_PER_1000_A_YEAR = 12
HARMS = [
    (Harm.NONE, 0.70),
    (Harm.LOW, 0.25),
    (Harm.MODERATE, 0.04),
    (Harm.SEVERE, 0.007),
    (Harm.FATAL, 0.003),
]
BATCH = 5_000
WHAT = "Recorded at trust scale: a synthetic account of what happened, with no one named."


def _harm(rng) -> str:
    roll, total = rng.random(), 0.0
    for harm, share in HARMS:
        total += share
        if roll < total:
            return harm
    return Harm.NONE


def scale_add(trust: Trust) -> dict[str, int]:
    rng = trust.rng("incidents")
    today = trust.today
    first = today - dt.timedelta(days=365 * YEARS)
    spells = [
        spell
        for spell in trust.involvements
        if spell.team.workers and (spell.end is None or spell.end > first) and spell.start <= today
    ]
    if not spells:
        return {"incidents": 0, "review actions": 0}
    people = len({spell.service_user_id for spell in spells if spell.end is None}) or len(spells)
    reported = round(people / 1000 * INCIDENTS_PER_1000_A_YEAR * YEARS)
    complaints = round(people / 1000 * COMPLAINTS_PER_1000_A_YEAR * YEARS)
    managers = {
        team.organisation_id: team.roles[StaffRole.Role.TEAM_MANAGER][0]
        for team in trust.teams
        if team.roles[StaffRole.Role.TEAM_MANAGER]
    }
    incidents, actions = [], []
    total_incidents = total_actions = 0

    def flush():
        nonlocal incidents, actions, total_incidents, total_actions
        Incident.objects.bulk_create(incidents, batch_size=BATCH)
        ReviewAction.objects.bulk_create(actions, batch_size=BATCH)
        total_incidents += len(incidents)
        total_actions += len(actions)
        incidents, actions = [], []

    for number in range(reported + complaints):
        spell = rng.choice(spells)
        start = max(spell.start, first)
        end = min(spell.end - dt.timedelta(days=1), today) if spell.end else today
        if end < start:
            continue
        day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        if number >= reported:
            kind, harm = Kind.COMPLAINT, Harm.NONE
        elif rng.random() < 0.1:
            kind, harm = Kind.NEAR_MISS, Harm.NONE
        else:
            kind, harm = Kind.INCIDENT, _harm(rng)
        about_team = rng.random() < 0.05
        reporter = rng.choice(spell.team.workers)
        at = dt.datetime.combine(day, dt.time(9 + rng.randrange(8), rng.randrange(60)), tzinfo=dt.UTC)
        closed = (today - day).days > 90
        reviewed = harm in (Harm.MODERATE, Harm.SEVERE, Harm.FATAL) or rng.random() < 0.1
        manager = managers.get(spell.team.organisation_id, reporter)
        incident = Incident(
            id=trust.uuid(rng),
            service_user_id=None if about_team else spell.service_user_id,
            kind=kind,
            harm=harm,
            title=f"{Kind(kind).label} {number + 1}",
            occurred_on=day,
            what_happened=WHAT,
            immediate_actions="",
            organisation_id=spell.team.organisation_id,
            team_id=spell.team.id,
            reported_by_id=reporter,
            state=State.CLOSED if closed else (State.REVIEW if reviewed else State.OPEN),
            lessons_learned="Shared at the Shared Care meeting." if closed and reviewed else "",
            closure_summary="Reviewed and closed." if closed else "",
            closed_at=at + dt.timedelta(days=60) if closed else None,
            closed_by_id=manager if closed else None,
            serious_alerted_at=at if harm in (Harm.MODERATE, Harm.SEVERE, Harm.FATAL) else None,
            created_at=at,
            updated_at=at,
        )
        incidents.append(incident)
        if reviewed:
            for _ in range(1 + rng.randrange(2)):
                due = day + dt.timedelta(days=14 + rng.randrange(60))
                actions.append(
                    ReviewAction(
                        id=trust.uuid(rng),
                        incident_id=incident.id,
                        text="A synthetic review action.",
                        owner_organisation_id=spell.team.organisation_id,
                        due_date=due,
                        added_by_id=reporter,
                        done_at=at + dt.timedelta(days=30) if closed else None,
                        done_by_id=reporter if closed else None,
                        reminded_at=at + dt.timedelta(days=14) if due <= today else None,
                        created_at=at,
                        updated_at=at,
                    )
                )
        if len(incidents) >= BATCH:
            flush()
    flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Incident, ReviewAction):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"incidents": total_incidents, "review actions": total_actions}
