from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(name="dualcare.notifications.tasks.notifications_deliver_batch")
def notifications_deliver_batch(notification_ids: list[str]) -> int:
    """Deliver a batch of outbox rows (one broker message for up to DELIVERY_BATCH rows); rows
    another worker already has are left alone."""
    return services.notifications_deliver_batch(notification_ids=notification_ids)


# Kept registered: messages queued, one per row, before batches existed are still delivered.
@shared_task(name="dualcare.notifications.tasks.notification_deliver")
def notification_deliver(notification_id: str) -> bool:
    """Deliver one outbox row; does nothing if another worker already has it."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(name="dualcare.notifications.tasks.notifications_sweep")
def notifications_sweep() -> int:
    """Send rows left pending (e.g. the broker was down at commit). Beat runs it every minute."""
    return services.notifications_sweep()


@shared_task(
    name="dualcare.notifications.tasks.notifications_escalate",
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=60,
    max_retries=5,
)
def notifications_escalate() -> int:
    """Urgent alerts left unacknowledged past their time: tell the team's managers, once."""
    return services.notifications_escalate()
