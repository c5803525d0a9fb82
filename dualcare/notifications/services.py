"""Writing to the outbox and delivering from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import queue
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import kinds
from .delivery import NothingSent, OutcomeUnknown, notify_failure
from .models import Notification

log = logging.getLogger(__name__)

# Rows younger than this are left to the delivery queued on commit.
SWEEP_GRACE = dt.timedelta(seconds=30)
# A row that failed with nothing sent is tried again after RETRY_BACKOFF, doubling, MAX_ATTEMPTS in all.
# (A row whose outcome is unknown is resent once, after settings.NOTIFY_RESEND_AFTER.)
RETRY_BACKOFF = dt.timedelta(minutes=1)
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
    priority: str = Notification.Priority.NORMAL,
    team=None,
    escalate_after: dt.timedelta | None = None,
    service_user=None,
) -> list[Notification]:
    """Write one outbox row per recipient and channel for one event, in the caller's transaction.

    Idempotent: calling it again for the same event_key adds nothing for recipients who
    already have a row. Email rows are written only for recipients with an email address.
    Delivery is queued after the transaction commits. Returns the event's rows.
    An urgent alert with `escalate_after` goes to the managers of `team` if its in-app row
    is not acknowledged by then (notifications_escalate, once).
    The person the alert is about is `service_user`, else the `related` record's person (if it has
    one); it is stored for the alert pages only, never put in the message.
    """
    event = {
        "event_key": event_key,
        "recipients": recipients,
        "kind": kind,
        "subject": subject,
        "body": body,
        "url": url,
        "related": related,
        "channels": channels,
        "priority": priority,
        "team": team,
        "escalate_after": escalate_after,
        "service_user": service_user,
    }
    return notify_many([event])[0]


def notify_many(events: list[dict], *, return_rows: bool = True) -> list[list[Notification]] | None:
    """notify() for several events (each a dict of notify's arguments) in one INSERT and one
    SELECT, handed over to the broker once: how a scan or an alert told to several teams writes
    its batch. Returns each event's rows, in the order given (or, with return_rows=False, None:
    a scan needs no rows back, and reads only the ids of those still pending)."""
    rows, wanted = [], []
    for event in events:
        recipients = [user for user in event["recipients"] if user is not None]
        rows += _outbox_rows(**{**event, "recipients": recipients})
        wanted.append(list(dict.fromkeys((event["event_key"], user.pk) for user in recipients)))
    if not rows:
        return [[] for _ in events] if return_rows else None
    # INSERT ... ON CONFLICT DO NOTHING: a retried event adds no second row.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    asked = {key for keys in wanted for key in keys}
    written = Notification.objects.filter(
        event_key__in={row.event_key for row in rows}, recipient_id__in={row.recipient_id for row in rows}
    )
    if not return_rows:
        pending_ids = [
            str(pk)
            for pk, event_key, recipient_id in written.filter(state=Notification.State.PENDING)
            .order_by()
            .values_list("pk", "event_key", "recipient_id")
            if (event_key, recipient_id) in asked
        ]
    else:
        by_key: dict = {}
        for row in written:
            if (row.event_key, row.recipient_id) in asked:
                by_key.setdefault((row.event_key, row.recipient_id), []).append(row)
        pending_ids = [
            str(row.pk)
            for found in by_key.values()
            for row in found
            if row.state == Notification.State.PENDING
        ]
    if pending_ids:
        transaction.on_commit(lambda: _hand_over(pending_ids))
    if return_rows:
        return [[row for key in keys for row in by_key.get(key, [])] for keys in wanted]
    return None


def _outbox_rows(
    *,
    event_key: str,
    recipients: Iterable,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    related: models.Model | None = None,
    channels: Iterable[str] = (Notification.Channel.IN_APP, Notification.Channel.EMAIL),
    priority: str = Notification.Priority.NORMAL,
    team=None,
    escalate_after: dt.timedelta | None = None,
    service_user=None,
) -> list[Notification]:
    """The unsaved outbox rows of one event (see notify)."""
    service_user_id = _person_of(service_user, related)
    if service_user_id is None and kinds.about_person(kind):
        # A caller's mistake, the same on every call: the tests of each caller catch it.
        raise ValueError(
            f"A {kind} alert is about a person: pass service_user= or a related record with one."
        )
    needs_action = kinds.needs_action(kind)
    escalate_at = timezone.now() + escalate_after if escalate_after is not None else None
    channels = list(channels)
    rows = []
    for user in {user.pk: user for user in recipients}.values():
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
                    priority=priority,
                    team=team,
                    service_user_id=service_user_id,
                    needs_action=needs_action,
                    escalate_at=escalate_at if channel == Notification.Channel.IN_APP else None,
                )
            )
    return rows


def _person_of(service_user, related):
    """The id of the person an event is about: given, or the related record's, or None."""
    if service_user is not None:
        return getattr(service_user, "pk", service_user)
    if related is not None and related._meta.label_lower == "people.serviceuser":
        return related.pk
    return getattr(related, "service_user_id", None)


def notify_address(
    *,
    event_key: str,
    channel: str,
    to_address: str,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
    related: models.Model | None = None,
) -> Notification | None:
    """One outbox row to an address (a phone number or email) rather than a login, e.g. a reminder
    to a person who does not use DualCare. Idempotent on (event_key, channel, address)."""
    row = _address_row(
        event_key=event_key,
        channel=channel,
        to_address=to_address,
        kind=kind,
        subject=subject,
        body=body,
        url=url,
        related=related,
    )
    if row is None:
        return None
    Notification.objects.bulk_create([row], ignore_conflicts=True)
    row = Notification.objects.get(
        event_key=event_key, recipient__isnull=True, to_address=row.to_address, channel=channel
    )
    if row.state == Notification.State.PENDING:
        transaction.on_commit(lambda: _hand_over([str(row.pk)]))
    return row


def notify_addresses(events: list[dict]) -> int:
    """notify_address() for several events (each a dict of its arguments) in one INSERT and one
    SELECT, handed over to the broker once: a scan's batch of reminders. Idempotent as
    notify_address. Returns how many of the events' rows are pending delivery."""
    rows = [row for event in events if (row := _address_row(**event)) is not None]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    asked = {(row.event_key, row.channel, row.to_address) for row in rows}
    pending_ids = [
        str(pk)
        for pk, *key in Notification.objects.filter(
            event_key__in={row.event_key for row in rows},
            recipient__isnull=True,
            state=Notification.State.PENDING,
        )
        .order_by()
        .values_list("pk", "event_key", "channel", "to_address")
        if tuple(key) in asked
    ]
    if pending_ids:
        transaction.on_commit(lambda: _hand_over(pending_ids))
    return len(pending_ids)


def _address_row(
    *, to_address: str, channel: str, subject: str, related: models.Model | None = None, **message
) -> Notification | None:
    """The unsaved outbox row of one event to an address (see notify_address: the message is its
    event_key, kind, body and url); None without an address."""
    to_address = (to_address or "").strip()
    if not to_address or channel == Notification.Channel.IN_APP:
        return None
    # As notify(): an alert of a kind about a person records them (the related record's person).
    about = _person_of(None, related) if kinds.about_person(message.get("kind", "")) else None
    return Notification(
        recipient=None,
        to_address=to_address,
        channel=channel,
        subject=subject[:200],
        related_type=related._meta.label_lower if related is not None else "",
        related_id=str(related.pk) if related is not None else "",
        service_user_id=about,
        **message,
    )


def notify_configured(channel: str) -> bool:
    """GOV.UK Notify is used only with an API key and a template for the channel."""
    template = {
        Notification.Channel.SMS: "NOTIFY_SMS_TEMPLATE_ID",
        Notification.Channel.EMAIL: "NOTIFY_EMAIL_TEMPLATE_ID",
    }.get(channel)
    return bool(_setting("NOTIFY_API_KEY") and template and _setting(template))


def _setting(name: str) -> str:

    return getattr(settings, name, "")


# After a broker call fails (each gives up within about 2 s), this process leaves queuing to the
# sweep for a while: an event that writes several outbox batches in one request (a missed
# collection tells several teams) then waits for the broker once, not once per batch.
BROKER_RETRY_AFTER_SECONDS = 30
_broker_down_until = 0.0


# The hand-over to the broker happens off the request's thread: the request commits its write and
# its outbox rows and answers; one daemon thread per process then publishes. A broker that is slow
# or frozen delays only that thread (about 2 s, then _broker_down_until). Rows it never passes on
# (the queue full, the process gone) are committed and pending, so the sweep sends them; the
# pending -> sending claim keeps every row delivered once, whoever sends it.
HANDOVER_QUEUE_MAX = 10_000
_handover_queue: queue.Queue = queue.Queue(maxsize=HANDOVER_QUEUE_MAX)
_handover_lock = threading.Lock()
_handover_thread: threading.Thread | None = None


def _hand_over(notification_ids: list[str]) -> None:
    """After commit: pass the rows to the broker without holding the caller."""
    from .tasks import notifications_deliver_batch

    if notifications_deliver_batch.app.conf.task_always_eager:
        # No broker to wait for; the task runs here, and must, to see this connection's commit.
        _queue_delivery(notification_ids)
        return
    try:
        _handover_queue.put_nowait(list(notification_ids))
    except queue.Full:
        log.warning(
            "Broker hand-over backlog full: %d notification(s) left for the sweep.", len(notification_ids)
        )
        return
    _ensure_handover_thread()


def _ensure_handover_thread() -> None:
    global _handover_thread
    with _handover_lock:
        # Started on first use, and again in a forked worker process, where it does not run.
        if _handover_thread is None or not _handover_thread.is_alive():
            _handover_thread = threading.Thread(target=_handover_run, name="outbox-handover", daemon=True)
            _handover_thread.start()


def _handover_run() -> None:
    while True:
        notification_ids = _handover_queue.get()
        try:
            _queue_delivery(notification_ids)
        except Exception:  # never let one batch stop the thread: the sweep has the rows
            log.exception("Broker hand-over failed; the sweep will send the rows.")
        finally:
            _handover_queue.task_done()


def handover_wait(timeout: float = 10.0) -> bool:
    """Wait until everything handed over so far has been passed to the broker (or given up on).
    For tests and benchmarks; True if it finished within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while _handover_queue.unfinished_tasks:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


# One broker message per this many rows: a missed collection's ~50 rows are one message, a
# scan's batch a handful, rather than one message (and one worker round trip) per row.
DELIVERY_BATCH = 200


def _queue_delivery(notification_ids: list[str]) -> None:
    """Hand rows to Celery, a batch per message. If the broker is unreachable the rows stay
    pending for the sweep."""
    global _broker_down_until
    from .tasks import notifications_deliver_batch

    if time.monotonic() < _broker_down_until:
        log.info("Broker recently unreachable: %d notification(s) left for the sweep.", len(notification_ids))
        return
    for start in range(0, len(notification_ids), DELIVERY_BATCH):
        try:
            notifications_deliver_batch.delay(
                [str(pk) for pk in notification_ids[start : start + DELIVERY_BATCH]]
            )
        except Exception:  # broker down or slow: the committed rows are picked up by the sweep
            _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER_SECONDS
            log.warning("Could not queue notification delivery; the sweep will send it.", exc_info=True)
            return


def notification_deliver(*, notification_id) -> bool:
    """Deliver one row if it is still pending. Returns True if this call delivered it.

    The conditional UPDATE (pending -> sending) is the claim: of two workers given the same
    row, only the one whose UPDATE changed a row goes on to send.
    """
    return _claim_and_send(notification_id, Q(state=Notification.State.PENDING))


def notifications_deliver_batch(*, notification_ids: Iterable) -> int:
    """Deliver those of the rows still pending. Returns how many this call delivered.

    In-app rows (most of an alert's) are claimed and delivered in one conditional UPDATE
    (pending -> sent: nothing leaves DualCare, so there is nothing between the claim and the
    outcome to lose). Email and text rows are read in one query, then each is claimed on its own
    (pending -> sending) just before it is sent, and its outcome recorded as notification_deliver
    does; the emails share one connection to the mail server."""
    return _deliver_claimable(list(notification_ids), Q(state=Notification.State.PENDING))


def _deliver_claimable(notification_ids: list, claimable: Q, *, resend: bool = False) -> int:
    """Deliver those of the rows that are `claimable`: in-app rows set-wise, the others one claim
    each (see notifications_deliver_batch)."""
    if not notification_ids:
        return 0
    now = timezone.now()
    delivered = Notification.objects.filter(
        claimable, pk__in=notification_ids, channel=Notification.Channel.IN_APP
    ).update(
        state=Notification.State.SENT,
        sending_at=now,
        sent_at=now,
        attempts=models.F("attempts") + 1,
        retry_at=None,
    )
    outside = list(
        Notification.objects.filter(claimable, pk__in=notification_ids)
        .exclude(channel=Notification.Channel.IN_APP)
        .select_related("recipient")
        .order_by("created_at")
    )
    if not outside:
        return delivered
    connection = get_connection()
    try:
        for row in outside:
            sent = _claim_and_send(row.pk, claimable, resend=resend, row=row, connection=connection)
            delivered += sent
            if not sent and row.channel == Notification.Channel.EMAIL:
                _close_quietly(connection)  # a fresh connection for the next, not a broken one
    finally:
        _close_quietly(connection)
    return delivered


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # closing a connection the server already dropped
        log.info("Mail connection closed with an error.", exc_info=True)


def _resend_after() -> dt.timedelta:
    return getattr(settings, "NOTIFY_RESEND_AFTER", dt.timedelta(minutes=15))


def _retry_backoff(attempts: int) -> dt.timedelta:
    """After a failure that sent nothing: 1, 2, 4, 8 minutes (then the row stays failed)."""
    return RETRY_BACKOFF * 2 ** max(attempts - 1, 0)


def _claim_and_send(
    notification_id, claimable: Q, *, resend: bool = False, row: Notification | None = None, connection=None
) -> bool:
    """Claim one row (a conditional UPDATE to sending, stamped with this attempt's time), send it
    and record what happened. Each outcome is written only while the row still holds this claim,
    so a worker that comes back after its claim was taken over changes nothing.

    `row` is the row as read before the claim (a batch reads its rows in one query); it is read
    after the claim otherwise. `connection` is a mail connection shared by a batch."""
    claimed_at = timezone.now()
    changes = {
        "state": Notification.State.SENDING,
        "sending_at": claimed_at,
        "attempts": models.F("attempts") + 1,
        "retry_at": None,
    }
    if resend:
        changes["resent_at"] = claimed_at
    if not Notification.objects.filter(claimable, pk=notification_id).update(**changes):
        return False
    if row is None:
        row = Notification.objects.select_related("recipient").get(pk=notification_id)
    else:  # as the claim left it (the row was claimable when read, and the claim found it so)
        row.state, row.sending_at, row.attempts, row.retry_at = (
            Notification.State.SENDING,
            claimed_at,
            row.attempts + 1,
            None,
        )
        if resend:
            row.resent_at = claimed_at
    ours = Notification.objects.filter(pk=row.pk, state=Notification.State.SENDING, sending_at=claimed_at)

    if row.channel == Notification.Channel.SMS and not notify_configured(row.channel):
        # Nothing can send it: say so rather than retry for ever.
        ours.update(state=Notification.State.FAILED)
        log.warning("Notification %s: text messages are not configured.", row.pk)
        return False
    if resend and _uses_notify(row):
        try:
            known = _notify_has(row)
        except Exception as exc:
            # Notify could not be asked: no resend now; the next sweep after the wait asks again.
            ours.update(state=Notification.State.UNKNOWN, resent_at=None)
            log.warning("Notification %s: GOV.UK Notify could not be asked (%s).", row.pk, type(exc).__name__)
            return False
        if known:
            ours.update(state=Notification.State.SENT, sent_at=timezone.now())
            log.info("Notification %s: GOV.UK Notify has it already; not resent.", row.pk)
            return True
    try:
        if row.channel == Notification.Channel.EMAIL:
            if _uses_notify(row):
                _send_with_notify(row)
            else:
                _send_email(row, connection)
        elif row.channel == Notification.Channel.SMS:
            _send_with_notify(row)
        # In-app rows are shown from the table itself; being "sent" means delivered.
    except NothingSent as exc:
        if row.resent_at is not None:
            # The resend sent nothing, but the first attempt may have: a person decides.
            ours.update(state=Notification.State.UNKNOWN)
        else:
            retry_at = timezone.now() + _retry_backoff(row.attempts) if row.attempts < MAX_ATTEMPTS else None
            ours.update(state=Notification.State.FAILED, retry_at=retry_at)
        log.warning("Notification %s not sent (attempt %s): %s", row.pk, row.attempts, exc)
        return False
    except Exception as exc:  # OutcomeUnknown, or an error from a backend that cannot say
        ours.update(state=Notification.State.UNKNOWN)
        # The exception's text is not logged: a backend's error may quote the address.
        detail = str(exc) if isinstance(exc, OutcomeUnknown) else type(exc).__name__
        log.warning("Notification %s may have been sent (attempt %s): %s", row.pk, row.attempts, detail)
        return False
    ours.update(state=Notification.State.SENT, sent_at=timezone.now())
    return True


def _uses_notify(row: Notification) -> bool:
    return row.channel != Notification.Channel.IN_APP and notify_configured(row.channel)


def _link(row: Notification) -> str:
    if not row.url:
        return ""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{row.url}"


def _address(row: Notification) -> str:
    return row.to_address or (row.recipient.email if row.recipient is not None else "")


# What an email says before its link, where the link is not "open DualCare" (a reminder's link
# answers it: issue 20).
LINK_WORDS = {"contacts.reminder": "If you cannot come, tell us here"}


def _send_email(row: Notification, connection=None) -> None:
    """Through EMAIL_BACKEND, with the row's Message-ID on every attempt; on `connection` if given
    (opened here, so a batch's emails share it; a failure to open is this row's failure)."""
    link = _link(row)
    words = LINK_WORDS.get(row.kind, "Open DualCare to see it")
    link = f"\n\n{words}: {link}" if link else ""
    if connection is not None:
        connection.open()
    EmailMessage(
        subject=f"DualCare: {row.subject}",
        body=f"{row.body}{link}".strip(),
        to=[_address(row)],
        headers={"Message-ID": row.message_id},
        connection=connection,
    ).send(fail_silently=False)


def notify_client():
    """A GOV.UK Notify client with a short timeout (a worker must not hang on it)."""
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(_setting("NOTIFY_API_KEY"), timeout=10)


def _send_with_notify(row: Notification) -> None:
    """Send through GOV.UK Notify. The templates take ((subject)), ((body)) and ((link)).

    The row's message id is the reference, the same on every attempt, so Notify's records can be
    matched to the outbox and a resend can first ask whether Notify has it."""
    personalisation = {"subject": row.subject, "body": row.body or row.subject, "link": _link(row)}
    client = notify_client()
    try:
        if row.channel == Notification.Channel.SMS:
            client.send_sms_notification(
                phone_number=_address(row),
                template_id=_setting("NOTIFY_SMS_TEMPLATE_ID"),
                personalisation=personalisation,
                reference=row.message_id,
            )
        else:
            client.send_email_notification(
                email_address=_address(row),
                template_id=_setting("NOTIFY_EMAIL_TEMPLATE_ID"),
                personalisation=personalisation,
                reference=row.message_id,
            )
    except Exception as exc:
        raise notify_failure(exc) from exc


def _notify_has(row: Notification) -> bool:
    """Whether GOV.UK Notify holds a notification with this row's reference."""
    found = notify_client().get_all_notifications(reference=row.message_id)
    return bool((found or {}).get("notifications"))


def notifications_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver what the queue did not: rows left pending (broker down when they were queued),
    failed rows whose retry time has come (nothing was sent), and, once, rows whose outcome is not
    known after NOTIFY_RESEND_AFTER (unknown, or stuck sending: the worker died mid-send), with
    the same message id. A resend whose outcome is again unknown is left for a person.

    Runs every minute from beat. Safe to run twice at once: each row is claimed before sending.
    """
    now = now or timezone.now()
    cutoff = now - _resend_after()
    # The one resend never finished either: it is not tried a third time.
    Notification.objects.filter(
        state=Notification.State.SENDING, sending_at__lt=cutoff, resent_at__isnull=False
    ).update(state=Notification.State.UNKNOWN)
    batches = [
        (Q(state=Notification.State.PENDING, created_at__lt=now - SWEEP_GRACE), False),
        (Q(state=Notification.State.FAILED, retry_at__lte=now), False),
        (
            Q(
                state__in=[Notification.State.SENDING, Notification.State.UNKNOWN],
                sending_at__lt=cutoff,
                resent_at__isnull=True,
            ),
            True,
        ),
    ]
    delivered = 0
    for claimable, resend in batches:
        ids = list(
            Notification.objects.filter(claimable).order_by("created_at").values_list("pk", flat=True)[:limit]
        )
        delivered += _deliver_claimable(ids, claimable, resend=resend)
    return delivered


# ---------------------------------------------------------------------------
# Alerts: read, acknowledged with a note, escalated once when urgent and left unanswered


def team_managers(team_id) -> list:
    """Who an unanswered urgent alert goes to (access.team_managers)."""
    from dualcare import access

    return access.team_managers(team_id)


def _shares_acknowledgement(alert: Notification) -> bool:
    """An alert that needs action, sent on a team's behalf, is the team's to deal with (urgent or
    not): one acknowledgement answers it for everyone told on that team's behalf (and stops the
    escalation of an urgent one)."""
    return alert.needs_action and alert.team_id is not None


def _event_rows(event_key: str, team_id):
    """The in-app rows of one event for one team: everyone told about it on that team's behalf."""
    return Notification.objects.filter(
        event_key=event_key, team_id=team_id, channel=Notification.Channel.IN_APP, recipient__isnull=False
    )


@transaction.atomic
def alert_acknowledge(*, alert: Notification, by, note: str) -> Notification:
    """The recipient says what they did about an alert that needs action. Once: a second
    acknowledgement is refused; an informational alert is marked as read instead (alerts_mark_read).

    A team alert (see _shares_acknowledgement) is dealt with when any one person told
    acknowledges it: the other recipients' open rows are marked acknowledged by that person, with
    their note, so each sees who dealt with it and what they did, and it is not escalated. The
    time-to-acknowledge measures count only rows acknowledged by their own recipient, so these
    rows are left out of them rather than credited to colleagues who did nothing."""
    from dualcare.audit.services import audit_record
    from dualcare.exceptions import ApplicationError, StateConflict

    note = (note or "").strip()
    if not note:
        raise ApplicationError("Say what you did about this alert.", field="note")
    if alert.recipient_id != by.pk or alert.channel != Notification.Channel.IN_APP:
        raise ApplicationError("Only the person an alert was sent to can acknowledge it.")
    if not alert.needs_action:
        raise StateConflict("This alert needs no action: mark it as read instead.")
    shared = _shares_acknowledgement(alert)
    if shared:
        # Locked in a fixed order (as the escalation scan does): an acknowledgement and a scan
        # of the same event run one after the other, never both.
        list(_event_rows(alert.event_key, alert.team_id).select_for_update().order_by("pk").values("pk"))
    now = timezone.now()
    changed = Notification.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now,
        acknowledged_by=by,
        acknowledgement_note=note,
        read_at=Coalesce("read_at", models.Value(now)),
    )
    if not changed:
        alert.refresh_from_db()
        if alert.acknowledged_by_id not in (None, by.pk):
            raise StateConflict(f"{alert.acknowledged_by.display_name} has already dealt with this alert.")
        raise StateConflict("This alert has already been acknowledged.")
    for_others = 0
    if shared:
        for_others = (
            _event_rows(alert.event_key, alert.team_id)
            .exclude(pk=alert.pk)
            .filter(acknowledged_at__isnull=True)
            .update(acknowledged_at=now, acknowledged_by=by, acknowledgement_note=note)
        )
    alert.refresh_from_db()
    audit_record(
        actor=by,
        action="alert.acknowledge",
        target=alert,
        detail={"kind": alert.kind, "also_closed_for": for_others},
    )
    return alert


@transaction.atomic
def alerts_mark_read(*, user, ids: Iterable) -> int:
    """Mark the user's own unread in-app rows among `ids` as read, in one UPDATE; others' rows and
    unknown ids are ignored. Returns how many were marked."""
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.IN_APP, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def _escalation_key(event_key: str, team_id) -> str:
    key = f"escalation:{team_id}:{event_key}"
    if len(key) <= 200:
        return key
    return f"escalation:{team_id}:{hashlib.sha256(event_key.encode()).hexdigest()}"


def notifications_escalate(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send each urgent alert nobody acknowledged in time to its team's managers: once per event.

    An event (one event_key, one team) told to several people is one thing to deal with: if any
    of them acknowledged it, it is not escalated; if none did, the managers get one escalation,
    not one per person told. A manager who was the only person told is not told again.

    The claim: the event's rows are locked in a fixed order and stamped escalated_at together, in
    the transaction that writes the escalation, whose unique event key backs it. Safe under two
    beats. Returns the number of events escalated."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(
            channel=Notification.Channel.IN_APP,
            priority=Notification.Priority.URGENT,
            escalate_at__lte=now,
            escalated_at__isnull=True,
            acknowledged_at__isnull=True,
        )
        .order_by("escalate_at")
        .values_list("event_key", "team_id")[:limit]
    )
    escalated = 0
    for event_key, team_id in dict.fromkeys(due):
        with transaction.atomic():
            rows = list(
                _event_rows(event_key, team_id)
                .select_for_update()
                .filter(priority=Notification.Priority.URGENT)
                .order_by("pk")
            )
            open_rows = [row for row in rows if row.acknowledged_at is None and row.escalated_at is None]
            if not open_rows:
                continue  # another scan got here first, or it was acknowledged meanwhile
            answered = next((row for row in rows if row.acknowledged_at is not None), None)
            if answered is not None:
                # Dealt with already (a row added to the event later, or one acknowledged before
                # acknowledgements were shared): close the rest for the person who dealt with it.
                _event_rows(event_key, team_id).filter(acknowledged_at__isnull=True).update(
                    acknowledged_at=answered.acknowledged_at,
                    acknowledged_by_id=answered.acknowledged_by_id,
                    acknowledgement_note=answered.acknowledgement_note,
                )
                continue
            already = any(row.escalated_at is not None for row in rows)
            _event_rows(event_key, team_id).filter(escalated_at__isnull=True).update(escalated_at=now)
            if already or team_id is None:
                continue
            told = {row.recipient_id for row in rows}
            managers = [user for user in team_managers(team_id) if not (len(told) == 1 and user.pk in told)]
            if not managers:
                continue
            alert = Notification.objects.select_related("team").get(pk=rows[0].pk)
            who = "a member" if len(told) == 1 else f"{len(told)} members"
            notify(
                event_key=_escalation_key(event_key, team_id),
                recipients=managers,
                kind="alert.escalated",
                subject=f"Not yet acknowledged: {alert.subject}"[:200],
                body=(
                    f"An urgent alert sent to {who} of {alert.team.name} has not been acknowledged "
                    f"by anyone told. {alert.body}"
                ).strip(),
                url=alert.url,
                service_user=alert.service_user_id,
                priority=Notification.Priority.URGENT,
                team=alert.team,
            )
            escalated += 1
    return escalated
