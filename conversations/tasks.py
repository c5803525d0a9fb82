from celery import shared_task

from . import services


@shared_task(name="conversations.tasks.conversations_alert_overdue")
def conversations_alert_overdue() -> int:
    """Tell the addressed teams' managers once per conversation whose reply-by date passed
    unanswered. Beat runs it every 15 minutes; a run twice alerts nobody twice."""
    return services.conversations_alert_overdue()
