from celery import shared_task

from . import services


@shared_task(name="outcomes.tasks.outcomes_send_overdue_reminders")
def outcomes_send_overdue_reminders() -> int:
    """Remind key workers once per overdue measure. Beat runs it hourly; repeats do nothing."""
    return services.outcomes_send_overdue_reminders()
