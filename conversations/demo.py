"""Demo case conversations about Sam (run by `manage.py demo` through build(demo)).

Four threads between the CMHT, the drug and alcohol service and the pharmacy: one waiting for a
reply and past its reply-by date (the beat alerts the CMHT's manager), one whose answer became a
care plan action, one with Sam included (they answered in their portal), and one with the
pharmacy about collections, resolved. Written through the services on the clock of the day each
was written; idempotent: a thread is looked for by its person and subject, never made twice.
"""

from __future__ import annotations

import datetime as dt

from dualcare import clock
from dualcare.management.demo_data import SHARED_PERSON, Demo
from referrals.sla import next_working_day

from . import services
from .models import Conversation, Kind

OVERDUE = "Depot and the new methadone script"
PLAN_ACTION = "Joint review before the care plan update"
WITH_SAM = "How are things at the new flat?"
PHARMACY = "Collections this week"


def _at(demo_now: dt.datetime, days_ago: float) -> dt.datetime:
    return demo_now - dt.timedelta(days=days_ago)


def build(demo: Demo) -> None:
    sam = demo.people[SHARED_PERSON.key]
    staff = demo.staff
    now = clock.now()
    existing = set(Conversation.objects.filter(service_user=sam).values_list("subject", flat=True))

    if OVERDUE not in existing:
        start = _at(now, 10)
        with clock.frozen(start):
            reply_by = next_working_day(next_working_day(clock.today()))
            services.conversation_start(
                service_user=sam,
                by=staff["keyworker.sm"],
                kind=Kind.CARE_PLAN,
                subject=OVERDUE,
                text="Sam starts on 60 mg from Monday. Is the depot still due this Friday, and is "
                "the CMHT happy for us to see them on the same day?\n\nWe would like to avoid two "
                "trips for them in one week.",
                staff=[staff["keyworker.mh"]],
                reply_by=reply_by,
            )
        demo.created["conversations"] += 1

    if PLAN_ACTION not in existing:
        with clock.frozen(_at(now, 12)):
            conversation = services.conversation_start(
                service_user=sam,
                by=staff["keyworker.mh"],
                kind=Kind.CARE_PLAN,
                subject=PLAN_ACTION,
                text="Before we publish the next plan: can we meet with Sam together? I would like "
                "the drinking goals and the housing goals in one place.",
                staff=[staff["keyworker.sm"]],
            )
        with clock.frozen(_at(now, 11)):
            answer = services.message_reply(
                conversation=conversation,
                by=staff["keyworker.sm"],
                text="Yes. I can do Tuesday afternoons at the CMHT. Could you book the room and ask "
                "Sam which day suits them?",
            )
        with clock.frozen(_at(now, 10.9)):
            services.message_make_plan_action(
                message=answer,
                by=staff["keyworker.mh"],
                text="Book a joint review with Sam, the CMHT and the drug and alcohol service.",
                due_date=clock.today() + dt.timedelta(days=21),
            )
        demo.created["conversations"] += 1

    if WITH_SAM not in existing and sam.user_id:
        with clock.frozen(_at(now, 5)):
            conversation = services.conversation_start(
                service_user=sam,
                by=staff["keyworker.mh"],
                kind=Kind.GENERAL,
                subject=WITH_SAM,
                text="Sam, you moved last week. How is the new flat, and is the bus to the chemist "
                "still all right for you?",
                staff=[staff["keyworker.sm"]],
                includes_service_user=True,
            )
        with clock.frozen(_at(now, 4)):
            services.message_reply(
                conversation=conversation,
                by=sam.user,
                text="It's quieter. The bus is fine but the 8:40 is always late.",
            )
        with clock.frozen(_at(now, 3.8)):
            services.message_reply(
                conversation=conversation,
                by=staff["keyworker.sm"],
                text="Thanks Sam. I will ask the pharmacy if you can collect a bit later in the morning.",
            )
        demo.created["conversations"] += 1

    if PHARMACY not in existing:
        with clock.frozen(_at(now, 3)):
            conversation = services.conversation_start(
                service_user=sam,
                by=staff["keyworker.mh"],
                kind=Kind.CONTACTS,
                subject=PHARMACY,
                text="Could Sam collect after 9:30 this week? Their bus is often late.",
                staff=[staff["pharmacist"]],
            )
        with clock.frozen(_at(now, 2.9)):
            services.message_reply(
                conversation=conversation,
                by=staff["pharmacist"],
                text="Yes, any time before 12:00 is fine. I have put a note on the collection sheet.",
            )
            services.conversation_resolve(conversation=conversation, by=staff["keyworker.mh"])
        demo.created["conversations"] += 1
