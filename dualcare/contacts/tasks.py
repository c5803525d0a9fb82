"""Contact scans run by beat. Each takes no arguments or ids, and can run twice at once harmlessly."""

from celery import shared_task

from . import services


@shared_task(name="dualcare.contacts.tasks.collections_generate")
def collections_generate() -> int:
    """Write today's expected supervised-consumption collections (unique per schedule and day)."""
    return services.collections_generate()


@shared_task(name="dualcare.contacts.tasks.reminders_send")
def reminders_send() -> int:
    """Remind people of appointments coming up; each appointment is claimed once."""
    return services.reminders_send()


@shared_task(name="dualcare.contacts.tasks.disengagement_scan")
def disengagement_scan() -> int:
    """Alert key workers of people with no attended contact for N days; once per spell."""
    return services.disengagement_scan()
