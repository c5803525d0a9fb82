"""Demo incidents about Sam (run by `manage.py demo` through build(demo)), all in the last quarter
so the Shared Care meeting pack has them:

- a near miss the CMHT reported (two prescriptions nearly issued), shared with the drug and alcohol
  service by Sam's risk consent, under joint review with an action each, one done;
- a complaint the drug and alcohol service recorded (letters to Sam's old address), shared with the
  CMHT by the care-plan consent;
- a serious incident (severe harm: an overdose after release from a short prison sentence) the
  CMHT reported: its managers and the drug and alcohol service's were told once; reviewed, lessons
  learned, closed with a summary.

Written through the services on the clock of the day each was written; idempotent: an incident is
looked for by its person and title, never made twice.
"""

from __future__ import annotations

import datetime as dt

from dualcare import clock
from dualcare.management.demo_data import SHARED_PERSON, Demo

from . import services
from .models import Harm, Incident, Kind

NEAR_MISS = "Two methadone prescriptions nearly issued"
COMPLAINT = "Appointment letters sent to the old address"
SERIOUS = "Overdose three days after release"


def _stamp(incident: Incident, at: dt.datetime) -> None:
    # created_at is set on insert by the real clock: the demo dates it by its own, as the report was.
    Incident.objects.filter(pk=incident.pk).update(created_at=at)


def build(demo: Demo) -> None:
    sam = demo.people[SHARED_PERSON.key]
    staff = demo.staff
    mh, sm = demo.organisations["mh"], demo.organisations["sm"]
    now = clock.now()
    existing = set(Incident.objects.filter(service_user=sam).values_list("title", flat=True))

    if NEAR_MISS not in existing:
        at = now - dt.timedelta(days=24)
        with clock.frozen(at):
            near_miss = services.incident_report(
                service_user=sam,
                by=staff["keyworker.mh"],
                kind=Kind.NEAR_MISS,
                harm=Harm.NONE,
                title=NEAR_MISS,
                occurred_on=clock.today() - dt.timedelta(days=1),
                what_happened="The GP started a methadone prescription on the day the drug and alcohol "
                "service's prescriber issued one. The pharmacist noticed two scripts and rang the CMHT "
                "before dispensing either.",
                immediate_actions="The GP's prescription was cancelled the same day. Sam collected one dose.",
            )
            _stamp(near_miss, at)
            first = services.incident_action_add(
                incident=near_miss,
                by=staff["keyworker.mh"],
                text="Write in the shared care plan who prescribes opioid substitution.",
                owner_organisation=mh,
                due_date=clock.today() + dt.timedelta(days=7),
            )
        with clock.frozen(now - dt.timedelta(days=20)):
            services.incident_action_add(
                incident=near_miss,
                by=staff["keyworker.sm"],
                text="Tell the GP practice by letter whenever the service starts or changes a script.",
                owner_organisation=sm,
                due_date=clock.today() + dt.timedelta(days=28),
            )
            services.incident_action_complete(action=first, by=staff["keyworker.mh"])
        demo.created["incidents"] += 1

    if COMPLAINT not in existing:
        at = now - dt.timedelta(days=45)
        with clock.frozen(at):
            complaint = services.incident_report(
                service_user=sam,
                by=staff["keyworker.sm"],
                kind=Kind.COMPLAINT,
                harm=Harm.NONE,
                title=COMPLAINT,
                occurred_on=clock.today() - dt.timedelta(days=3),
                what_happened="Sam said two appointment letters went to the flat they left in the "
                "summer, and they missed a review because of it.",
                immediate_actions="Address corrected; the review rebooked by phone.",
            )
            _stamp(complaint, at)
        demo.created["incidents"] += 1

    if SERIOUS not in existing:
        at = now - dt.timedelta(days=70)
        with clock.frozen(at):
            serious = services.incident_report(
                service_user=sam,
                by=staff["keyworker.mh"],
                kind=Kind.INCIDENT,
                harm=Harm.SEVERE,
                title=SERIOUS,
                occurred_on=clock.today() - dt.timedelta(days=1),
                what_happened="Sam was released from a short sentence on a Friday with no script in "
                "place and took an overdose on the Monday. Found by a neighbour; treated in hospital.",
                immediate_actions="Naloxone given by the ambulance crew. The drug and alcohol service saw "
                "Sam on the ward the next day and restarted the script.",
            )
            _stamp(serious, at)
            action = services.incident_action_add(
                incident=serious,
                by=staff["manager.mh"],
                text="Agree with the prison healthcare team to tell both services of a release date.",
                owner_organisation=sm,
                due_date=clock.today() + dt.timedelta(days=14),
            )
        with clock.frozen(now - dt.timedelta(days=50)):
            services.incident_action_complete(action=action, by=staff["keyworker.sm"])
            services.incident_lessons_record(
                incident=serious,
                by=staff["manager.mh"],
                lessons_learned="A release from prison is a time of high overdose risk. Both services "
                "now hear of a release date from the prison and book a same-day appointment, with "
                "naloxone offered at the first contact.",
            )
            services.incident_close(
                incident=serious,
                by=staff["manager.mh"],
                summary="Reviewed jointly by the CMHT and the drug and alcohol service. The release "
                "pathway is agreed with the prison; Sam has a naloxone kit.",
            )
        demo.created["incidents"] += 1
