"""The trust-scale demo's contacts: a year of appointments and the supervised consumption being
collected now, written in bulk (``manage.py demo --scale``; see dualcare/people/scale.py).

At full scale about 1,000,000 contacts: appointments with the people's mental health, drug and
alcohol and charity teams from a year ago to four weeks ahead (key worker appointments, clinics,
depots, home visits), and, for the 20,000 people on supervised consumption, one collection a day
from the day their prescription started (within the last four weeks) to today: about 20,000
collections due today, none recorded yet.

The rows are the ones the services write: supervised_consumption_start for each prescription,
collections_generate for each due day (at 09:00, no staff, no place), appointment_create for
each appointment, and contact_record for what happened at each past contact (attended, missed or
cancelled, recorded by the key worker or the pharmacist, with its ContactOutcomeEvent). Past
appointments were reminded (reminder_claimed_at) and past collections looked at by the "not
recorded" scan, except about one in twenty of yesterday's collections, left unrecorded and not
yet looked at, for the next scan to find. As in the demo's contacts history, no alert, reminder
or audit row is written per row (the import writes one audit row as a whole).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import LONDON, Trust, at, count

from .models import Contact, ContactOutcomeEvent, Kind, Outcome, SupervisedConsumption
from .services import COLLECTION_TIME

CONTACTS = 1_000_000
KINDS = [(Kind.KEY_WORKER, 70), (Kind.CLINIC, 10), (Kind.DEPOT, 8), (Kind.HOME_VISIT, 12)]
PLACES = {
    Kind.KEY_WORKER: "Team base",
    Kind.CLINIC: "Clinic",
    Kind.DEPOT: "Clinic room",
    Kind.HOME_VISIT: "Home",
}
OUTCOMES = [(Outcome.ATTENDED, 78), (Outcome.MISSED, 12), (Outcome.CANCELLED_BY_SERVICE, 4),
            (Outcome.CANCELLED_BY_PERSON, 6)]  # fmt: skip
COLLECTED = [(Outcome.ATTENDED, 92), (Outcome.MISSED, 7), (Outcome.CANCELLED_BY_SERVICE, 1)]
MEDICINES = [
    ("Methadone oral solution 1 mg/ml", [40, 50, 60, 70, 80], "0123456"),
    ("Buprenorphine sublingual tablets", [8, 12, 16], "0123456"),
    ("Buprenorphine sublingual tablets", [8, 12], "012345"),
]
YEAR = 365
AHEAD = 28
LEFT_FOR_THE_SCAN = 0.05


def contacts_scale_create(trust: Trust) -> dict[str, int]:
    """Write the prescriptions, contacts and recorded outcomes; returns how many of each."""
    rng = trust.rng("contacts")
    today, now = trust.today, trust.now
    schedules, collections, events = [], [], []
    made = {"collections due today": 0}

    def recorded(contact: dict, outcome: str, by, when: dt.datetime) -> None:
        when = min(when, now - dt.timedelta(minutes=5))
        contact.update(outcome=outcome, outcome_recorded_at=when, outcome_recorded_by_id=by, updated_at=when)
        events.append(
            {"contact_id": contact["id"], "outcome": outcome, "previous_outcome": "", "at": when, "by_id": by}
        )

    pharmacists = {
        team.id: team.roles["pharmacist"] for team in trust.teams_of_kind(Organisation.Kind.PHARMACY)
    }
    for prescribing, pharmacy in trust.collecting:
        medicine, doses, days = MEDICINES[rng.randrange(len(MEDICINES))]
        start = pharmacy.start
        by = prescribing.key_worker_id or prescribing.team.workers[0]
        made_at = at(start, 9 * 60 - rng.randint(10, 120))
        schedule_id = trust.uuid(rng)
        schedules.append(
            {
                "id": schedule_id,
                "service_user_id": prescribing.service_user_id,
                "pharmacy_team_id": pharmacy.team.id,
                "prescribing_team_id": prescribing.team.id,
                "medicine": medicine,
                "dose": Decimal(rng.choice(doses)),
                "dose_unit": "mg",
                "days_of_week": days,
                "start": start,
                "end": None,
                "created_by_id": by,
                "created_at": made_at,
                "updated_at": made_at,
            }
        )
        day = start
        while day <= today:
            if str(day.weekday()) in days:
                starts_at = dt.datetime.combine(day, COLLECTION_TIME, tzinfo=LONDON)
                written = max(made_at, at(day, 0) + dt.timedelta(minutes=rng.randint(1, 5)))
                contact = {
                    "id": trust.uuid(rng),
                    "service_user_id": prescribing.service_user_id,
                    "kind": Kind.COLLECTION,
                    "team_id": pharmacy.team.id,
                    "staff_id": None,
                    "starts_at": starts_at,
                    "due_on": day,
                    "schedule_id": schedule_id,
                    "created_by_id": None,
                    "created_at": written,
                    "updated_at": written,
                }
                yesterday = day == today - dt.timedelta(days=1)
                if day == today:
                    made["collections due today"] += 1
                elif not (yesterday and rng.random() < LEFT_FOR_THE_SCAN):
                    outcome = rng.choices(*zip(*COLLECTED, strict=True))[0]
                    pharmacist = rng.choice(pharmacists[pharmacy.team.id])
                    late = rng.random() < 0.15  # recorded the next morning, not at the counter
                    when = at(day, rng.randint(9 * 60, 18 * 60)) + dt.timedelta(hours=15 if late else 0)
                    recorded(contact, outcome, pharmacist, when)
                    contact["not_recorded_checked_at"] = at(day + dt.timedelta(days=1), 9 * 60 + 1)
                collections.append(contact)
            day += dt.timedelta(days=1)
    made["supervised consumption"] = rows_write(SupervisedConsumption, schedules)
    made["collections"] = rows_write(Contact, collections)
    del collections

    # Appointments: what is left of the contacts, shared out over the open spells with a
    # clinical team, more for longer spells, spaced evenly with some jitter.
    spells = [i for i in trust.involvements if i.team.kind != Organisation.Kind.PHARMACY and i.team.workers]
    first_day = today - dt.timedelta(days=YEAR)
    windows = []
    for spell in spells:
        begin = max(spell.start, first_day)
        finish = spell.end or today + dt.timedelta(days=AHEAD)
        windows.append((spell, begin, finish, max(1, (finish - begin).days)))
    wanted = max(0, count(CONTACTS, trust.scale) - made["collections"])
    total_days = sum(w[3] for w in windows) or 1
    appointments = 0

    def rows():
        nonlocal appointments
        share, given = 0, 0
        for spell, begin, finish, days in windows:
            # Whole appointments, rounded on the running total so that they add up to exactly `wanted`.
            share += days
            n = round(wanted * share / total_days) - given
            given += n
            if n == 0:
                continue
            step = days / n
            for k in range(n):
                day = begin + dt.timedelta(days=int(step * k + rng.uniform(0, step)))
                day = min(day, finish)
                kind = rng.choices(*zip(*KINDS, strict=True))[0]
                staff = spell.key_worker_id if rng.random() < 0.8 else rng.choice(spell.team.workers)
                starts_at = at(day, rng.choice(range(9 * 60, 17 * 60, 30)))
                booked = max(at(spell.start, 8 * 60), starts_at - dt.timedelta(days=rng.randint(3, 28)))
                booked = min(booked, now - dt.timedelta(minutes=10))
                contact = {
                    "id": trust.uuid(rng),
                    "service_user_id": spell.service_user_id,
                    "kind": kind,
                    "team_id": spell.team.id,
                    "staff_id": staff,
                    "starts_at": starts_at,
                    "due_on": day,
                    "place": PLACES[kind],
                    "schedule_id": None,
                    "created_by_id": staff,
                    "created_at": booked,
                    "updated_at": booked,
                }
                # Drawn for every appointment, so the moment of the run does not change later draws.
                outcome = rng.choices(*zip(*OUTCOMES, strict=True))[0]
                after = dt.timedelta(minutes=rng.randint(30, 600))
                if starts_at < now - dt.timedelta(hours=1):
                    contact["reminder_claimed_at"] = max(booked, starts_at - dt.timedelta(hours=24))
                    recorded(contact, outcome, staff, starts_at + after)
                appointments += 1
                yield contact

    rows_write(Contact, rows())
    made["appointments"] = appointments
    made["contacts"] = made["collections"] + appointments
    made["contact outcomes"] = rows_write(ContactOutcomeEvent, events)
    return made
