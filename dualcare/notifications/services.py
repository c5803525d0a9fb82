"""Writing to the outbox and delivering from it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)

# A row left "sending" this long belongs to a worker that died mid-send: send it again.
# (At least once after a crash, rather than an alert silently lost.)
STUCK_SENDING_AFTER = dt.timedelta(minutes=15)
# Rows younger than this are left to the delivery queued on commit.
SWEEP_GRACE = dt.timedelta(seconds=30)
MAX_ATTEMPTS = 5


def notify(
    *,
    event_key: str,
    recipients: Iterable,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    related: models.Model | None = None,
    channels: Iterable[str] = (Notification.Channel.IN_APP, Notification.Channel.EMAIL),
) -> list[Notification]:
    """Write one outbox row per recipient and channel for one event, in the caller's transaction.

    Idempotent: calling it again for the same event_key adds nothing for recipients who
    already have a row. Email rows are written only for recipients with an email address.
    Delivery is queued after the transaction commits. Returns the event's rows.
    """
    recipients = {user.pk: user for user in recipients if user is not None}
    channels = list(channels)
    rows = []
    for user in recipients.values():
        for channel in channels:
            if channel == Notification.Channel.EMAIL and not user.email:
                continue
            rows.append(
                Notification(
                    event_key=event_key,
                    recipient=user,
                    channel=channel,
                    kind=kind,
                    subject=subject[:200],
                    body=body,
                    url=url,
                    related_type=related._meta.label_lower if related is not None else "",
                    related_id=str(related.pk) if related is not None else "",
                )
            )
    if not rows:
        return []
    # INSERT ... ON CONFLICT DO NOTHING: a retried event adds no second row.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    stored = list(Notification.objects.filter(event_key=event_key, recipient_id__in=list(recipients)))
    pending_ids = [str(row.pk) for row in stored if row.state == Notification.State.PENDING]
    if pending_ids:
        transaction.on_commit(lambda: _queue_delivery(pending_ids))
    return stored


def _queue_delivery(notification_ids: list[str]) -> None:
    """Hand rows to Celery. If the broker is unreachable the rows stay pending for the sweep."""
    from .tasks import notification_deliver

    for notification_id in notification_ids:
        try:
            notification_deliver.delay(notification_id)
        except Exception:  # broker down or slow: the committed row is picked up by the sweep
            log.warning("Could not queue notification delivery; the sweep will send it.", exc_info=True)
            return


def notification_deliver(*, notification_id) -> bool:
    """Deliver one row if it is still pending. Returns True if this call delivered it.

    The conditional UPDATE (pending -> sending) is the claim: of two workers given the same
    row, only the one whose UPDATE changed a row goes on to send.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, state=Notification.State.PENDING).update(
        state=Notification.State.SENDING, sending_at=now, attempts=models.F("attempts") + 1
    )
    if not claimed:
        return False
    row = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        if row.channel == Notification.Channel.EMAIL:
            _send_email(row)
        # In-app rows are shown from the table itself; being "sent" means delivered.
    except Exception:
        next_state = Notification.State.FAILED if row.attempts >= MAX_ATTEMPTS else Notification.State.PENDING
        Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).update(state=next_state)
        log.warning("Notification %s could not be sent (attempt %s).", row.pk, row.attempts, exc_info=True)
        return False
    Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING).update(
        state=Notification.State.SENT, sent_at=timezone.now()
    )
    return True


def _send_email(row: Notification) -> None:
    link = ""
    if row.url:
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        link = f"\n\nOpen DualCare to see it: {base}{row.url}"
    send_mail(
        subject=f"DualCare: {row.subject}",
        message=f"{row.body}{link}".strip(),
        from_email=None,
        recipient_list=[row.recipient.email],
        fail_silently=False,
    )


def notifications_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver rows left pending (broker down when they were queued) and free stuck ones.

    Runs every minute from beat. Safe to run twice at once: each row is claimed before sending.
    """
    now = now or timezone.now()
    Notification.objects.filter(
        state=Notification.State.SENDING, sending_at__lt=now - STUCK_SENDING_AFTER
    ).update(state=Notification.State.PENDING)
    ids = list(
        Notification.objects.filter(state=Notification.State.PENDING, created_at__lt=now - SWEEP_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(notification_deliver(notification_id=pk) for pk in ids)
