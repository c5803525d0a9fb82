"""Demo contacts: supervised consumption at the demo pharmacy for several people shared by both
demo key workers (so a missed collection recorded by `pharmacist` alerts them within a minute
under `make run`), their collections of the last few days, and appointments past and coming.

The year of contacts and alerts history the dashboards chart is demo_history.py (run by the
demo after every live step).

Run by the demo loader as `build(demo)` after the core steps. Written through the services.
Idempotent on any day: a schedule is recognised by its person, pharmacy and medicine, an
appointment by its person, team, kind and place; nothing is made twice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dualcare import clock

from . import services
from .models import Contact, Kind, SupervisedConsumption

# person, prescribing team, prescriber, medicine, dose, days (Monday = 0)
SCHEDULES = (
    ("Sam Testwell", "recovery", "keyworker.sm", "Methadone oral solution 1 mg/ml", "60", "0123456"),
    ("Shaun Exampley", "recovery", "keyworker.sm", "Methadone oral solution 1 mg/ml", "45", "0123456"),
    ("Callum Shamwell", "recovery", "keyworker.sm", "Buprenorphine sublingual tablets", "12", "012345"),
    ("Kwame Trialham", "prescribing", "femi.prototon", "Buprenorphine sublingual tablets", "16", "0123456"),
    ("Oisin Testmore", "prescribing", "femi.prototon", "Methadone oral solution 1 mg/ml", "70", "0123456"),
)
# person, team, booked by, kind, days from today, hour, place, outcome once past
APPOINTMENTS = (
    ("Sam Testwell", "north", "keyworker.mh", Kind.KEY_WORKER, 2, 10, "Northgate CMHT, Room 3", ""),
    ("Sam Testwell", "recovery", "keyworker.sm", Kind.KEY_WORKER, 6, 14, "Harbourside hub", ""),
    ("Sam Testwell", "north", "keyworker.mh", Kind.DEPOT, -12, 11, "Northgate CMHT clinic room", "attended"),
    ("Shaun Exampley", "north", "keyworker.mh", Kind.HOME_VISIT, -3, 15, "Home", "missed"),
    ("Shaun Exampley", "north", "keyworker.mh", Kind.KEY_WORKER, 1, 10, "Northgate CMHT, Room 1", ""),
    ("Callum Shamwell", "recovery", "keyworker.sm", Kind.KEY_WORKER, -2, 13, "Harbourside hub", "attended"),
)
PAST_COLLECTION_DAYS = 3
# Everyone else on a key worker's caseload was seen at their team in the last few weeks, so the
# disengagement rule flags only the people the demo means to be out of touch. They were last seen
# this many days ago (in care for years, they were seen until lately: never seen at all is no
# one's care).
LAST_SEEN_DAYS_AGO = {"Bronwen Mockridge": 75, "Carl Placeby": 40}
OUT_OF_TOUCH = tuple(LAST_SEEN_DAYS_AGO)
SEEN_AT = "Team base"


def build(demo) -> None:
    pharmacy = demo.teams["pharmacy"]
    pharmacist = demo.staff["pharmacist"]
    today = clock.today()
    for person_key, team_key, prescriber, medicine, dose, days in SCHEDULES:
        person = demo.people.get(person_key)
        if person is None or prescriber not in demo.staff:
            continue
        schedule = SupervisedConsumption.objects.filter(
            service_user=person, pharmacy_team=pharmacy, medicine=medicine
        ).first()
        if schedule is None:
            schedule = services.supervised_consumption_start(
                by=demo.staff[prescriber],
                service_user=person,
                pharmacy_team=pharmacy,
                prescribing_team=demo.teams[team_key],
                medicine=medicine,
                dose=dose,
                days_of_week=days,
                start=today - dt.timedelta(days=30),
            )
            demo.created["supervised consumption schedules"] += 1
        for offset in range(PAST_COLLECTION_DAYS, -1, -1):
            services.collections_generate(day=today - dt.timedelta(days=offset), schedule_ids=[schedule.pk])
        # The days before today were collected; today's are left for the pharmacist to record.
        for contact in Contact.objects.filter(schedule=schedule, due_on__lt=today, outcome=""):
            services.contact_record(contact=contact, by=pharmacist, outcome="attended")
            demo.created["collections recorded"] += 1

    for person_key, team_key, booker, kind, days, hour, place, outcome in APPOINTMENTS:
        person = demo.people.get(person_key)
        if person is None or booker not in demo.staff:
            continue
        team = demo.teams[team_key]
        if Contact.objects.filter(service_user=person, team=team, kind=kind, place=place).exists():
            continue
        starts_at = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))
        contact = services.appointment_create(
            by=demo.staff[booker],
            service_user=person,
            kind=kind,
            team=team,
            staff=demo.staff[booker],
            starts_at=starts_at,
            place=place,
        )
        demo.created["appointments"] += 1
        if outcome:
            services.contact_record(contact=contact, by=demo.staff[booker], outcome=outcome)

    _recently_seen(demo, today)


def _recently_seen(demo, today: dt.date) -> None:
    """One attended key-working appointment, 2 to 21 days ago, for each open involvement with a
    key worker of the demo's people; for OUT_OF_TOUCH, their LAST_SEEN_DAYS_AGO."""
    from dualcare.people.models import Involvement

    people = [person for key, person in sorted(demo.people.items())]
    involvements = Involvement.objects.filter(
        service_user__in=people, end__isnull=True, key_worker__isnull=False
    ).select_related("service_user", "team", "key_worker")
    already = set(
        Contact.objects.filter(service_user__in=people, place=SEEN_AT).values_list(
            "service_user_id", "team_id"
        )
    )
    for number, involvement in enumerate(
        sorted(involvements, key=lambda i: (i.service_user.full_name, i.team.name))
    ):
        if (involvement.service_user_id, involvement.team_id) in already:
            continue
        days_ago = LAST_SEEN_DAYS_AGO.get(involvement.service_user.full_name, 2 + number % 20)
        day = today - dt.timedelta(days=days_ago)
        if day < involvement.start:
            continue  # care started since: nobody is out of touch yet
        contact = services.appointment_create(
            by=involvement.key_worker,
            service_user=involvement.service_user,
            kind=Kind.KEY_WORKER,
            team=involvement.team,
            staff=involvement.key_worker,
            starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(11))),
            place=SEEN_AT,
        )
        services.contact_record(contact=contact, by=involvement.key_worker, outcome="attended")
        demo.created["appointments"] += 1
