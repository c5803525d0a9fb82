"""The link meetings of the demo's history: the link-worker app's part of it, written in bulk.

A monthly dual diagnosis link meeting (second Tuesday, 2 pm), chaired by the North CMHT's link
worker, from the start of the chart year until a fortnight before the demo's own scheduled
meetings began, each finalised, with the attendance of every link worker appointed on the day
(present most months; apologies, a deputy or absent now and then). Written as an import would
(the dates they happened), in one transaction, once: outside a schedule, so the demo's own
meetings (linkworkers/demo.py) never meet them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from dualcare.management.demo_import import dates_as_given, history_enabled

from .models import Appointment, Attendance, Meeting

LONDON = ZoneInfo("Europe/London")
HISTORY_START = dt.date(2025, 11, 24)
SEED = "history-f:link-meetings"
TITLE = "Northgate dual diagnosis link meeting"
CHAIR = "linkworker.mh"


def build(demo) -> None:
    """Load the meetings once (after the demo's own link meetings, which they come before)."""
    if not history_enabled() or CHAIR not in demo.staff:
        return
    if Meeting.objects.filter(title=TITLE, schedule__isnull=True).exists():
        return
    demo.created.update(link_meetings_history_import(chair=demo.staff[CHAIR], today=demo.today))


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


@transaction.atomic
def link_meetings_history_import(*, chair, today: dt.date) -> Counter:
    """The monthly meetings and their attendance (see the module's docstring), in bulk, in this one
    transaction. Returns how many rows of each kind it wrote."""
    rng = random.Random(SEED)
    own = Meeting.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
    until = (timezone.localtime(own).date() if own else today) - dt.timedelta(days=14)
    appointments = list(Appointment.objects.select_related("team"))
    meetings, attendance = [], []
    month = (dt.date(HISTORY_START.year, HISTORY_START.month, 1) + dt.timedelta(days=32)).replace(day=1)
    while True:
        day = month + dt.timedelta(days=(1 - month.weekday()) % 7 + 7)
        if day >= until:
            break
        starts = _moment(day, 14 * 60)
        meeting = Meeting(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            title=TITLE,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=90),
            location="Meeting room 2, Northgate House, 4 Station Road",
            chair=chair,
            state=Meeting.State.FINALISED,
            finalised_at=starts + dt.timedelta(days=rng.randint(1, 5)),
            created_at=starts - dt.timedelta(days=28),
            updated_at=starts + dt.timedelta(days=1),
        )
        meetings.append(meeting)
        for appointment in appointments:
            if not appointment.is_active_on(day):
                continue
            status = rng.choices(
                Attendance.Status.values if appointment.deputy_id else ["present", "apologies", "absent"],
                weights=[75, 12, 5, 8] if appointment.deputy_id else [78, 15, 7],
            )[0]
            attendance.append(
                Attendance(
                    meeting=meeting,
                    user=appointment.user,
                    team=appointment.team,
                    status=status,
                    deputy=appointment.deputy if status == Attendance.Status.DEPUTY_SENT else None,
                    created_at=starts,
                    updated_at=starts,
                )
            )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    with dates_as_given(Meeting, Attendance):
        Meeting.objects.bulk_create(meetings, batch_size=500)
        Attendance.objects.bulk_create(attendance, batch_size=500)
    return Counter(
        {"history: link meetings": len(meetings), "history: link meeting attendance": len(attendance)}
    )
