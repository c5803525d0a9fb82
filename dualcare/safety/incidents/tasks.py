from celery import shared_task

from . import services


@shared_task(name="dualcare.safety.incidents.tasks.incidents_remind_actions_due")
def incidents_remind_actions_due() -> int:
    """Remind each incident review action due, once. Beat runs it every 15 minutes; a run twice
    reminds nobody twice."""
    return services.incidents_remind_actions_due()
