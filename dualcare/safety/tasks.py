from celery import shared_task

from . import services


@shared_task(name="dualcare.safety.tasks.safety_send_review_reminders")
def safety_send_review_reminders() -> int:
    """Remind the writing organisation of each risk assessment and flag due for review, once.
    Beat runs it every minute; a second run (or beat) claims nothing already sent."""
    return services.safety_reminders_send()
