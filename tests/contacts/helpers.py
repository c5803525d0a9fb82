"""Contacts built through the services, as staff would."""

import datetime as dt

from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact


def schedule(world, *, start=None, days="0123456", dose="60"):
    """Supervised methadone at the test pharmacy, prescribed by the drug and alcohol team."""
    created = services.supervised_consumption_start(
        by=world.keyworker_sm,
        service_user=world.service_user,
        pharmacy_team=world.pharmacy_team,
        prescribing_team=world.sm_team,
        medicine="Methadone oral solution 1 mg/ml",
        dose=dose,
        days_of_week=days,
        start=start or timezone.localdate() - dt.timedelta(days=10),
    )
    return created


def collection(world, sched, day):
    services.collections_generate(day=day, schedule_ids=[sched.pk])
    return Contact.objects.get(schedule=sched, due_on=day)


def appointment(world, *, hours=-2, by=None, team=None, person=None, kind="key_worker"):
    return services.appointment_create(
        by=by or world.keyworker_mh,
        service_user=person or world.service_user,
        kind=kind,
        team=team or world.cmht_north,
        staff=by or world.keyworker_mh,
        starts_at=timezone.now() + dt.timedelta(hours=hours),
        place="North CMHT base, room 2",
    )
