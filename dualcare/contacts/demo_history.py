"""A year of contacts and alerts history for the demo's dashboards, from Monday 24 November 2025
to yesterday, written in bulk as an import would.

Historic synthetic people (NHS numbers 99980xxxxx with a valid check digit, helper C's range;
invented names) were cared for by the demo teams in overlapping spells; a spell that has not
ended by last week is still going on, so those people are on their team's caseload (issue 13),
with the access that gives, and were seen lately (`finish`: every history's people in care), so
the disengagement scan flags none of them. Their key workers are demo staff *without* a demo
login, so the alert centres of the demo logins look exactly as before. For them the history holds:

- appointments with each clinical team, some missed or cancelled;
- supervised consumption at the demo pharmacy for about half of the prescribing teams' people,
  every collection recorded (collected, missed, now and then cancelled) or, rarely, never
  recorded; each already looked at by the "not recorded" scan, so no alert is raised for it now;
- the alerts those misses raised, each already read and acknowledged, with realistic times to
  acknowledge; runs of three missed collections raised an urgent alert, a few escalated.

The story: from Monday 7 September 2026 the pharmacy records each collection at the counter,
and collections recorded on the day go from about 80% to about 95%. The rest is noise.

Deterministic (one seeded generator) and idempotent: once a historic person exists nothing is
added. Off under the test runner unless DEMO_HISTORY is set (as the other demo histories).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from dualcare import clock
from dualcare.management.demo_import import (
    HISTORY_NHS_PREFIXES,
    care_ends_by,
    dates_as_given,
    history_enabled,
    nhs_numbers,
)
from dualcare.notifications.models import Notification
from dualcare.people.demo_history import people_history_write
from dualcare.people.models import Involvement, ServiceUser

from .models import Contact, ContactOutcomeEvent, Kind, Outcome, SupervisedConsumption

LONDON = ZoneInfo("Europe/London")
HISTORY_START = dt.date(2025, 11, 24)
# People start earlier (as long before as the longest spell), so the caseloads are level all year.
PRE_ROLL_WEEKS = 40
RECORDED_AT_THE_COUNTER_FROM = dt.date(2026, 9, 7)
NHS_PREFIX = "99980"

# Team: key workers (staff without a demo login), new people a week (fewest, most), chance a
# person has an appointment in a given week, chance an appointment is missed.
TEAMS = {
    "north": (["gareth.demoford"], (0, 2), 0.55, 0.14),
    "south": (["aisha.placeholme", "tom.fictonby"], (0, 2), 0.55, 0.12),
    "recovery": (["leanne.trialstone"], (0, 2), 0.6, 0.18),
    "prescribing": (["femi.prototon"], (0, 2), 0.5, 0.15),
    "peer": (["bex.dummyfield"], (0, 1), 0.5, 0.2),
}
PRESCRIBING = ("recovery", "prescribing")
KINDS = [(Kind.KEY_WORKER, 70), (Kind.CLINIC, 10), (Kind.DEPOT, 8), (Kind.HOME_VISIT, 12)]
PLACES = {
    Kind.KEY_WORKER: "Team base",
    Kind.CLINIC: "Clinic",
    Kind.DEPOT: "Clinic room",
    Kind.HOME_VISIT: "Home",
}
MEDICINES = [
    ("Methadone oral solution 1 mg/ml", ["40", "50", "60", "70", "80"], "0123456"),
    ("Buprenorphine sublingual tablets", ["8", "12", "16"], "0123456"),
    ("Buprenorphine sublingual tablets", ["8", "12"], "012345"),
]
GIVEN_NAMES = [
    "Ash",
    "Bo",
    "Cai",
    "Dee",
    "Eli",
    "Flo",
    "Gil",
    "Hana",
    "Ira",
    "Jo",
    "Kit",
    "Lyn",
    "Mika",
    "Ned",
]
FAMILY_NAMES = [
    "Backdale",
    "Caseworth",
    "Datefield",
    "Eventon",
    "Fixtureby",
    "Logbury",
    "Pastwell",
    "Rowbridge",
]


def build(demo) -> None:
    """Load the history once (run by the demo after the live demo)."""
    if not history_enabled() or ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX).exists():
        return
    needed = {name for names, *_ in TEAMS.values() for name in names} | {"pharmacist"}
    if any(key not in demo.teams for key in [*TEAMS, "pharmacy"]) or needed - set(demo.staff):
        return
    # Care still going on is held by the team's key workers without a demo login, as spells that ended.
    key_workers = {
        key: demo.history_key_workers(key) or [demo.staff[n] for n in TEAMS[key][0]] for key in TEAMS
    }
    demo.created.update(
        contacts_history_import(teams=demo.teams, staff=demo.staff, today=demo.today, key_workers=key_workers)
    )


def _at(day: dt.date, minutes: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


class _History:
    def __init__(self, *, teams, staff, today: dt.date, key_workers: dict | None = None):
        self.rng = random.Random("dualcare-contacts-history")
        self.teams, self.staff, self.today = teams, staff, today
        self.key_workers = key_workers or {key: [staff[name] for name in TEAMS[key][0]] for key in TEAMS}
        self.care_ends_by = care_ends_by(today)
        self.last_day = today - dt.timedelta(days=1)
        self.now = clock.now()
        self.numbers = nhs_numbers(NHS_PREFIX)
        self.pharmacist = staff["pharmacist"]
        self.rows: dict[type, list] = {
            model: []
            for model in (
                ServiceUser,
                Involvement,
                SupervisedConsumption,
                Contact,
                ContactOutcomeEvent,
                Notification,
            )
        }

    def add(self, row):
        self.rows[type(row)].append(row)
        return row

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # -- people and their spells ----------------------------------------------------------------

    def spell(self, team_key: str, start: dt.date) -> None:
        rng = self.rng
        _, _, weekly_chance, missed_chance = TEAMS[team_key]
        if start > self.care_ends_by:
            return  # nothing in the history happens after last week
        end = start + dt.timedelta(weeks=rng.randint(10, 40))
        # Still going on after last week (the dashboards' latest week): still in care today.
        end = None if end > self.care_ends_by else end
        age = rng.randint(19, 66)
        person = self.add(
            ServiceUser(
                id=self.uuid(),
                nhs_number=next(self.numbers),
                given_name=rng.choice(GIVEN_NAMES),
                family_name=rng.choice(FAMILY_NAMES),
                date_of_birth=start - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360)),
                preferred_contact_method=rng.choice(ServiceUser.ContactMethod.values),
                created_at=_at(start, 9 * 60),
                updated_at=_at(start, 9 * 60),
            )
        )
        key_worker = rng.choice(self.key_workers[team_key])
        team = self.teams[team_key]
        self.add(
            Involvement(
                id=self.uuid(),
                team=team,
                service_user=person,
                key_worker=key_worker,
                start=start,
                end=end,
                end_reason="Discharged." if end else "",
                started_by=key_worker,
                ended_by=key_worker if end else None,
                created_at=_at(start, 9 * 60),
                updated_at=_at(end, 17 * 60) if end else _at(start, 9 * 60),
            )
        )
        day = start + dt.timedelta(days=rng.randint(0, 6))
        while day <= (end or self.last_day):
            if day >= HISTORY_START - dt.timedelta(weeks=1) and rng.random() < weekly_chance:
                self.appointment(person, team, key_worker, day, missed_chance)
            day += dt.timedelta(weeks=1)
        if team_key in PRESCRIBING and rng.random() < 0.5:
            # Supervised consumption ends with last week at the latest: the live pharmacy list and
            # its scans are the demo's own people.
            self.supervised(person, team, key_worker, start, min(end or self.care_ends_by, self.care_ends_by))

    def appointment(self, person, team, key_worker, week_day: dt.date, missed_chance: float) -> None:
        rng = self.rng
        day = week_day - dt.timedelta(days=week_day.weekday()) + dt.timedelta(days=rng.randint(0, 4))
        if day > self.last_day or day < HISTORY_START:
            return
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        starts_at = _at(day, rng.choice(range(9 * 60, 16 * 60 + 1, 30)))
        roll = rng.random()
        if roll < missed_chance:
            outcome = Outcome.MISSED
        elif roll < missed_chance + 0.05:
            outcome = rng.choice([Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE])
        else:
            outcome = Outcome.ATTENDED
        recorded = min(starts_at + dt.timedelta(minutes=rng.randint(30, 8 * 60)), self.now)
        contact = self.add(
            Contact(
                id=self.uuid(),
                service_user=person,
                kind=kind,
                team=team,
                staff=key_worker,
                starts_at=starts_at,
                due_on=day,
                place=PLACES[kind],
                created_by=key_worker,
                created_at=starts_at - dt.timedelta(days=rng.randint(3, 21)),
                updated_at=recorded,
                outcome=outcome,
                outcome_recorded_at=recorded,
                outcome_recorded_by=key_worker,
                reminder_claimed_at=starts_at - dt.timedelta(hours=24),
            )
        )
        self.add(ContactOutcomeEvent(contact=contact, outcome=outcome, at=recorded, by=key_worker))
        if outcome == Outcome.MISSED:
            self.alert(
                f"history:contacts:missed_appointment:{contact.pk}",
                key_worker,
                team,
                "contacts.missed_appointment",
                f"Missed appointment: {contact.get_kind_display().lower()} on {starts_at:%A %-d %B at %H:%M}",
                recorded,
                related=contact,
            )

    # -- supervised consumption ---------------------------------------------------------------

    def supervised(self, person, team, key_worker, start: dt.date, end: dt.date) -> None:
        rng = self.rng
        medicine, doses, days = rng.choice(MEDICINES)
        first = max(start + dt.timedelta(days=rng.randint(0, 14)), HISTORY_START - dt.timedelta(weeks=1))
        if first > end:
            return
        schedule = self.add(
            SupervisedConsumption(
                id=self.uuid(),
                service_user=person,
                pharmacy_team=self.teams["pharmacy"],
                prescribing_team=team,
                medicine=medicine,
                dose=rng.choice(doses),
                days_of_week=days,
                start=first,
                end=end,
                created_by=key_worker,
                created_at=_at(first, 10 * 60),
                updated_at=_at(first, 10 * 60),
            )
        )
        # Some people are steadier than others.
        miss_rate = rng.choice([0.02, 0.04, 0.06, 0.1])
        run = []
        day = first
        while day <= end:
            if str(day.weekday()) in days and day >= HISTORY_START:
                run = self.collection(person, schedule, team, key_worker, day, miss_rate, run)
            day += dt.timedelta(days=1)

    def collection(self, person, schedule, team, key_worker, day, miss_rate, run) -> list:
        rng = self.rng
        on_the_day = 0.95 if day >= RECORDED_AT_THE_COUNTER_FROM else 0.8
        roll = rng.random()
        # A miss makes the next one likelier: runs happen.
        if roll < (miss_rate * 4 if run else miss_rate):
            outcome = Outcome.MISSED
        elif roll < 0.995:
            outcome = Outcome.ATTENDED
        elif roll < 0.997:
            outcome = Outcome.CANCELLED_BY_SERVICE
        else:
            outcome = ""  # never recorded
        starts_at = _at(day, 9 * 60)
        if rng.random() < on_the_day:
            recorded = _at(day, rng.randint(9 * 60, 18 * 60))
        else:
            recorded = _at(day + dt.timedelta(days=1), rng.randint(9 * 60, 12 * 60))
        recorded = min(recorded, self.now)
        contact = self.add(
            Contact(
                id=self.uuid(),
                service_user=person,
                kind=Kind.COLLECTION,
                team=schedule.pharmacy_team,
                starts_at=starts_at,
                due_on=day,
                schedule=schedule,
                created_at=_at(day, 5),
                updated_at=recorded if outcome else _at(day, 5),
                outcome=outcome,
                outcome_recorded_at=recorded if outcome else None,
                outcome_recorded_by=self.pharmacist if outcome else None,
                # The "not recorded" scan has looked at every historic collection already.
                not_recorded_checked_at=_at(day + dt.timedelta(days=1), 9 * 60 + 5),
            )
        )
        if outcome:
            self.add(ContactOutcomeEvent(contact=contact, outcome=outcome, at=recorded, by=self.pharmacist))
        if outcome == Outcome.ATTENDED:
            return []
        if outcome != Outcome.MISSED:
            return run
        run = [*run, contact]
        self.alert(
            f"history:contacts:missed_collection:{contact.pk}",
            key_worker,
            team,
            "contacts.missed_collection",
            f"Missed supervised-consumption collection on {day:%A %-d %B}",
            recorded,
            related=contact,
        )
        if len(run) == 3:
            self.alert(
                f"history:contacts:missed_collections_run:{run[0].pk}",
                key_worker,
                team,
                "contacts.missed_collections_run",
                "Urgent: 3 supervised-consumption collections missed in a row",
                recorded,
                related=contact,
                urgent=True,
            )
        return run

    # -- alerts -------------------------------------------------------------------------------

    def alert(self, key, recipient, team, kind, subject, created, *, related, urgent=False) -> None:
        rng = self.rng
        # Most are answered within a working day; some wait over a weekend.
        hours = rng.lognormvariate(1.2, 1.1) if not urgent else rng.lognormvariate(0.8, 1.0)
        acknowledged = min(created + dt.timedelta(hours=hours), self.now - dt.timedelta(minutes=5))
        acknowledged = max(acknowledged, created + dt.timedelta(minutes=2))
        escalate_at = created + dt.timedelta(hours=4) if urgent else None
        escalated = escalate_at if urgent and acknowledged > escalate_at else None
        self.add(
            Notification(
                id=self.uuid(),
                event_key=key,
                recipient=recipient,
                channel=Notification.Channel.IN_APP,
                kind=kind,
                subject=subject[:200],
                body="",
                url=f"/people/{related.service_user_id}/",
                service_user_id=related.service_user_id,  # the alert pages name them, and filter on them
                related_type=related._meta.label_lower,
                related_id=str(related.pk),
                state=Notification.State.SENT,
                attempts=1,
                created_at=created,
                sending_at=created,
                sent_at=created,
                read_at=acknowledged,
                priority=Notification.Priority.URGENT if urgent else Notification.Priority.NORMAL,
                team=team,
                escalate_at=escalate_at,
                escalated_at=escalated,
                acknowledged_at=acknowledged,
                acknowledged_by=recipient,
                acknowledgement_note=rng.choice(
                    [
                        "Phoned them; will attend next time.",
                        "Spoke to the pharmacist and the prescriber.",
                        "Visited at home; all well.",
                        "Left a message and booked another appointment.",
                    ]
                ),
            )
        )

    # -- writing ------------------------------------------------------------------------------

    def write(self) -> Counter:
        people, involvements = self.rows.pop(ServiceUser), self.rows.pop(Involvement)
        counts = people_history_write(people=people, involvements=involvements, label="contacts history")
        with dates_as_given(*self.rows):
            for model, rows in self.rows.items():
                model.objects.bulk_create(rows, batch_size=1000)
                counts[f"history: {model._meta.verbose_name_plural}"] = len(rows)
        return counts


def finish(demo) -> None:
    """After every history: each historic person still in care (any history's) was seen lately."""
    if not history_enabled() or not ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX).exists():
        return
    demo.created.update(recently_seen_write(today=demo.today, seed="every history"))


@transaction.atomic
def recently_seen_write(*, today: dt.date, seed: str) -> Counter:
    """One attended key-working appointment, 2 to 20 days ago, with their key worker, for each
    historic person still in care who has had no attended contact for three weeks: people in
    care are seen, so the disengagement scan flags nobody from the histories. Written in bulk;
    run again, it adds nothing (everyone has been seen)."""
    rng = random.Random(f"dualcare-contacts-history:seen:{seed}:{today.isoformat()}")
    now = clock.now()
    historic = Q()
    for prefix in HISTORY_NHS_PREFIXES:
        historic |= Q(service_user__nhs_number__startswith=prefix)
    seen = Contact.objects.filter(
        outcome=Outcome.ATTENDED, starts_at__gte=_at(today - dt.timedelta(days=21), 0)
    ).values("service_user_id")
    involvements = (
        Involvement.objects.filter(historic, end__isnull=True, key_worker__isnull=False, start__lte=today)
        .exclude(service_user_id__in=seen)
        .select_related("team", "key_worker")
        .order_by("service_user_id", "start", "pk")
    )
    contacts, events = [], []
    people = set()
    for involvement in involvements:
        if involvement.service_user_id in people:
            continue
        people.add(involvement.service_user_id)
        day = max(involvement.start, today - dt.timedelta(days=rng.randint(2, 20)))
        starts_at = _at(day, rng.choice(range(9 * 60, 16 * 60 + 1, 30)))
        recorded = min(starts_at + dt.timedelta(minutes=rng.randint(30, 4 * 60)), now)
        contact = Contact(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            service_user_id=involvement.service_user_id,
            kind=Kind.KEY_WORKER,
            team=involvement.team,
            staff=involvement.key_worker,
            starts_at=starts_at,
            due_on=day,
            place=PLACES[Kind.KEY_WORKER],
            created_by=involvement.key_worker,
            created_at=starts_at - dt.timedelta(days=rng.randint(3, 14)),
            updated_at=recorded,
            outcome=Outcome.ATTENDED,
            outcome_recorded_at=recorded,
            outcome_recorded_by=involvement.key_worker,
            reminder_claimed_at=starts_at - dt.timedelta(hours=24),
        )
        contacts.append(contact)
        events.append(
            ContactOutcomeEvent(
                contact=contact, outcome=Outcome.ATTENDED, at=recorded, by=involvement.key_worker
            )
        )
    with dates_as_given(Contact, ContactOutcomeEvent):
        Contact.objects.bulk_create(contacts, batch_size=1000)
        ContactOutcomeEvent.objects.bulk_create(events, batch_size=1000)
    return +Counter({"history: people in care seen lately": len(contacts)})


@transaction.atomic
def contacts_history_import(
    *, teams: dict, staff: dict, today: dt.date, key_workers: dict | None = None
) -> Counter:
    """The contacts and alerts history (see the module's docstring): every row in bulk, in this one
    transaction. `key_workers` ({team key: [users]}) hold its people; by default TEAMS' staff.
    Returns how many rows of each kind it wrote."""
    history = _History(teams=teams, staff=staff, today=today, key_workers=key_workers)
    rng = history.rng
    week = HISTORY_START - dt.timedelta(weeks=PRE_ROLL_WEEKS)
    while week <= history.last_day:
        for team_key, (_, (fewest, most), *_) in TEAMS.items():
            for _ in range(rng.randint(fewest, most)):
                history.spell(team_key, week + dt.timedelta(days=rng.randint(0, 6)))
        week += dt.timedelta(weeks=1)
    counts = history.write()
    counts.update(recently_seen_write(today=today, seed="contacts"))
    return counts
