"""Contact scans run by beat. Each takes no arguments or ids, and can run twice at once harmlessly."""

import time

from celery import shared_task
from django.db import OperationalError

from . import services

# A database hiccup is retried with backoff; the scans are idempotent, so a retry repeats nothing.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 5, "retry_backoff_max": 60, "max_retries": 5}


@shared_task(name="dualcare.contacts.tasks.collections_generate", **RETRY)
def collections_generate() -> int:
    """Write today's expected supervised-consumption collections (unique per schedule and day)."""
    return services.collections_generate()


@shared_task(name="dualcare.contacts.tasks.reminders_send", **RETRY)
def reminders_send() -> int:
    """Remind people of appointments coming up; each appointment is claimed once."""
    return services.reminders_send()


@shared_task(name="dualcare.contacts.tasks.disengagement_scan", **RETRY)
def disengagement_scan() -> int:
    """Alert key workers of people with no attended contact for N days; once per spell."""
    return services.disengagement_scan()


# One beat run of the not-recorded scan goes on, a scan of NOT_RECORDED_RUN_LIMIT after another,
# until nothing is left or NOT_RECORDED_RUN_SECONDS have passed (its beat interval is 5 minutes):
# a morning with many unrecorded collections is told in one run, not one run of 500 per interval
# (issue 15: 20,921 waiting at trust scale took 42 runs, over three hours, at 500 a run).
NOT_RECORDED_RUN_LIMIT = 500
NOT_RECORDED_RUN_SECONDS = 240


@shared_task(name="dualcare.contacts.tasks.collections_not_recorded_scan", **RETRY)
def collections_not_recorded_scan() -> int:
    """Alert once for each collection still unrecorded the morning after its day."""
    started = time.monotonic()
    raised = 0
    while True:
        alerted = services.collections_not_recorded_scan(limit=NOT_RECORDED_RUN_LIMIT)
        raised += alerted
        # Fewer than a full scan: nothing more is due now (or another run holds the rest).
        if alerted < NOT_RECORDED_RUN_LIMIT or time.monotonic() - started >= NOT_RECORDED_RUN_SECONDS:
            return raised
