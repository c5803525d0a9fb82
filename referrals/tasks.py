from celery import shared_task

from . import services


@shared_task(name="referrals.tasks.referrals_raise_overdue_alerts")
def referrals_raise_overdue_alerts() -> int:
    """Alert receiving teams' managers once per breached deadline. Beat runs it every minute."""
    return services.referrals_raise_overdue_alerts()
