"""Demo carers (issue 20 item 8): Sam's brother Alex, identified at first contact without a login,
who wants information by email; Sam allows Alex their care plan, so the key worker sends Alex the
plan summary (printed in var/log/worker.log under `make run`: only the crisis plan, no name in the
subject). Alex's needs and the carer's assessment offered are recorded too.

Run by the demo loader as `build(demo)` after the core steps (and the care plans'). Written through
the services; idempotent: Alex is recognised by name and person, and the summary is once per version.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from dualcare import clock
from dualcare.exceptions import ApplicationError
from dualcare.people import services as people_services
from dualcare.people.models import Carer

from . import services
from .models import AssessmentOffer, CarerNeeds

IDENTIFIED_DAYS_AGO = 20
ALEX = {
    "given_name": "Alex",
    "family_name": "Testwell",
    "relationship": "Brother",
    "contact_by": Carer.ContactBy.EMAIL,
    "email": "alex.testwell@example.invalid",
}


def build(demo) -> None:
    from dualcare.management.demo_data import SHARED_PERSON

    sam = demo.people.get(SHARED_PERSON.key)
    key_worker = demo.staff.get("keyworker.mh")
    if sam is None or key_worker is None:
        return
    alex = Carer.objects.filter(
        service_user=sam, given_name=ALEX["given_name"], ended_at__isnull=True
    ).first()
    if alex is None:
        alex = people_services.carer_record(service_user=sam, by=key_worker, **ALEX)
        # Identified at Sam's first contact three weeks ago, so the dashboards' closed weeks count him.
        Carer.objects.filter(pk=alex.pk).update(
            created_at=clock.now() - dt.timedelta(days=IDENTIFIED_DAYS_AGO)
        )
        demo.created["carers without a login"] += 1
    by = demo.service_user_login or key_worker
    people_services.carer_permission_grant(carer=alex, scope="care_plan", by=by)
    if not CarerNeeds.objects.filter(carer=alex).exists():
        needs = services.carer_needs_record(
            carer=alex,
            by=key_worker,
            needs="Someone to talk to after Sam's bad nights, and to know who to ring.",
            answers={"identified": "yes", "information_sharing": "partly", "support": "no"},
        )
        CarerNeeds.objects.filter(pk=needs.pk).update(
            created_at=clock.now() - dt.timedelta(days=IDENTIFIED_DAYS_AGO - 1)
        )
    if not AssessmentOffer.objects.filter(carer=alex).exists():
        services.assessment_offer_record(carer=alex, by=key_worker, state=AssessmentOffer.State.OFFERED)
    # Without a published crisis plan for Sam there is nothing to send (refused): the demo goes on.
    # Sent once per published version: run again, the demo neither sends nor audits a second send.
    if not services.plan_summary_sent(alex):
        with contextlib.suppress(ApplicationError):
            services.plan_summary_send(carer=alex, by=key_worker)
