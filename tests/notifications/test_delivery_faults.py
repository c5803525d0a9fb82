"""Alert email against a real SMTP server (aiosmtpd, in this process) that misbehaves: each
recipient gets one message (counted at the server, by Message-ID), and each row says what happened.

Faults: the server accepts; accepts only after the client's timeout; refuses the recipient; is
not there; a worker killed (SIGKILL) mid-send; two sweeps at once."""

import asyncio
import datetime as dt
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, connections
from django.utils import timezone

from dualcare.notifications import services
from dualcare.notifications.models import Notification

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
needs_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="Needs a database another process can share: run with DATABASE_URL on PostgreSQL"
)
CLIENT_TIMEOUT = 1  # seconds; the server's "late" answer comes after it


class MailServer:
    """What the SMTP server saw. mode: accept, late (accept after the client gave up), refuse
    (550 for every recipient), reject (554 after the data), stall (take the data, never answer)."""

    def __init__(self):
        self.mode = "accept"
        self.refused: set[str] = set()  # addresses refused (550) whatever the mode
        self.sessions: list = []  # one per SMTP connection that sent data
        self.received: list[tuple[str, str]] = []  # (recipient, Message-ID) at DATA
        self.accepted: list[tuple[str, str]] = []  # the server took responsibility for it

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "refuse" or address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = email.message_from_bytes(envelope.original_content)["Message-ID"]
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        for rcpt in envelope.rcpt_tos:
            self.received.append((rcpt, message_id))
        if self.mode == "late":
            # Queued for delivery whether or not the client is still there to hear the 250.
            await asyncio.shield(self._accept(envelope.rcpt_tos, message_id, after=CLIENT_TIMEOUT + 0.5))
        elif self.mode == "stall":
            await asyncio.sleep(3600)  # cancelled when the client goes or the server stops
        elif self.mode == "reject":
            return "554 5.7.1 Message rejected"
        else:
            await self._accept(envelope.rcpt_tos, message_id)
        return "250 Message accepted for delivery"

    async def _accept(self, rcpt_tos, message_id, after=0.0):
        await asyncio.sleep(after)
        for rcpt in rcpt_tos:
            self.accepted.append((rcpt, message_id))

    def copies(self) -> Counter:
        return Counter(self.accepted)

    def wait_for(self, what: str, count: int, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while len(getattr(self, what)) < count and time.monotonic() < deadline:
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    server = MailServer()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    server.port = port
    settings.EMAIL_BACKEND = "dualcare.notifications.delivery.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, CLIENT_TIMEOUT
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield server
    controller.stop()


def email_rows(world, key="fault:1:event", recipients=None):
    rows = services.notify(
        event_key=key,
        recipients=recipients or [world.manager_mh, world.keyworker_mh, world.keyworker_sm],
        kind="test.event",
        subject="Something needs your attention",
        url="/referrals/x/",
        channels=[Notification.Channel.EMAIL],
    )
    return list(Notification.objects.filter(pk__in=[row.pk for row in rows]).select_related("recipient"))


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.mark.django_db
class SmtpFaultTests:
    def test_a_server_that_accepts_gets_each_message_once_with_the_rows_message_id(self, world, smtp_server):
        rows = email_rows(world)
        assert services.notifications_sweep(now=later(1)) == 3
        assert services.notifications_sweep(now=later(60)) == 0
        assert smtp_server.copies() == Counter({(row.recipient.email, row.message_id): 1 for row in rows})
        assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}

    def test_a_server_that_accepts_after_the_timeout_is_unknown_and_resent_once_later(
        self, world, smtp_server
    ):
        smtp_server.mode = "late"
        rows = email_rows(world, recipients=[world.manager_mh, world.keyworker_mh])
        for row in rows:
            assert services.notification_deliver(notification_id=row.pk) is False
        smtp_server.wait_for("accepted", 2)
        assert smtp_server.copies() == Counter({(row.recipient.email, row.message_id): 1 for row in rows})
        assert set(Notification.objects.values_list("state", flat=True)) == {"unknown"}

        # Not retried blindly: nothing before NOTIFY_RESEND_AFTER.
        assert services.notifications_sweep(now=later(5)) == 0
        assert len(smtp_server.received) == 2
        # Then once, with the same Message-ID; the server is late again: left for a person.
        assert services.notifications_sweep(now=later(16)) == 0
        smtp_server.wait_for("accepted", 4)
        for _ in range(3):
            services.notifications_sweep(now=later(24 * 60))
        copies = smtp_server.copies()
        assert copies == Counter({(row.recipient.email, row.message_id): 2 for row in rows})
        for row in Notification.objects.all():
            assert row.state == "unknown" and row.resent_at is not None and row.attempts == 2

    def test_a_refused_recipient_is_failed_with_nothing_sent_and_retried_later(self, world, smtp_server):
        smtp_server.mode = "refuse"
        row = email_rows(world, recipients=[world.manager_mh])[0]
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed" and row.retry_at is not None
        assert smtp_server.received == [] and smtp_server.accepted == []
        smtp_server.mode = "accept"  # the mailbox exists now
        assert services.notifications_sweep(now=row.retry_at + dt.timedelta(seconds=1)) == 1
        assert smtp_server.copies() == Counter({(world.manager_mh.email, row.message_id): 1})

    def test_a_message_rejected_after_its_data_is_failed_not_unknown(self, world, smtp_server):
        smtp_server.mode = "reject"
        row = email_rows(world, recipients=[world.manager_mh])[0]
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed" and row.retry_at is not None
        assert len(smtp_server.received) == 1 and smtp_server.accepted == []

    def test_a_batch_sends_its_emails_once_each_on_one_connection(self, world, smtp_server):
        rows = email_rows(world)
        ids = [row.pk for row in rows]
        assert services.notifications_deliver_batch(notification_ids=ids) == 3
        assert services.notifications_deliver_batch(notification_ids=ids) == 0  # delivered twice
        assert smtp_server.copies() == Counter({(row.recipient.email, row.message_id): 1 for row in rows})
        assert len(smtp_server.sessions) == 1
        assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}

    def test_in_a_batch_a_refused_row_fails_alone_and_the_others_are_sent(self, world, smtp_server):
        rows = email_rows(world)
        smtp_server.refused = {world.keyworker_mh.email}
        assert services.notifications_deliver_batch(notification_ids=[row.pk for row in rows]) == 2
        states = dict(Notification.objects.values_list("recipient__username", "state"))
        assert states == {"manager.mh": "sent", "keyworker.mh": "failed", "keyworker.sm": "sent"}
        refused = Notification.objects.get(recipient=world.keyworker_mh)
        assert refused.retry_at is not None and refused.attempts == 1
        assert smtp_server.copies() == Counter(
            {(row.recipient.email, row.message_id): 1 for row in rows if row.recipient != world.keyworker_mh}
        )

    def test_no_server_at_all_is_failed_not_unknown(self, world, settings):
        settings.EMAIL_BACKEND = "dualcare.notifications.delivery.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 1
        row = email_rows(world, recipients=[world.manager_mh])[0]
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed" and row.retry_at is not None


_DELIVER_IN_A_WORKER = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")
import django
django.setup()
from dualcare.notifications import services
if len(sys.argv) > 2:
    services.notifications_deliver_batch(notification_ids=sys.argv[1:])
else:
    services.notification_deliver(notification_id=sys.argv[1])
"""


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'])}{password}@{host}/{db['NAME']}"


@needs_postgres
@pytest.mark.django_db(transaction=True)
class KilledWorkerTests:
    def test_a_worker_killed_mid_send_is_resent_once_after_the_wait_with_the_same_message_id(
        self, world, smtp_server
    ):
        smtp_server.mode = "stall"
        row = email_rows(world, recipients=[world.manager_mh])[0]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_"))}
        env.update(
            DEBUG="1",
            DATABASE_URL=database_url(),
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
            PYTHONPATH=str(BASE_DIR),
        )
        worker = subprocess.Popen(
            [sys.executable, "-c", _DELIVER_IN_A_WORKER, str(row.pk)], cwd=BASE_DIR, env=env
        )
        try:
            smtp_server.wait_for("received", 1, seconds=60)
            assert smtp_server.received == [(world.manager_mh.email, row.message_id)]
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        row.refresh_from_db()
        assert row.state == "sending" and row.attempts == 1
        smtp_server.mode = "accept"

        assert services.notifications_sweep(now=later(5)) == 0  # it may still be sending
        assert services.notifications_sweep(now=later(16)) == 1
        for _ in range(3):
            assert services.notifications_sweep(now=later(24 * 60)) == 0
        assert smtp_server.accepted == [(world.manager_mh.email, row.message_id)]
        row.refresh_from_db()
        assert row.state == "sent" and row.resent_at is not None and row.attempts == 2

    def test_a_batch_killed_mid_send_leaves_the_rest_to_the_sweep_and_sends_each_once(
        self, world, smtp_server
    ):
        smtp_server.mode = "stall"
        rows = sorted(email_rows(world), key=lambda row: row.created_at)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_"))}
        env.update(
            DEBUG="1",
            DATABASE_URL=database_url(),
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
            PYTHONPATH=str(BASE_DIR),
        )
        worker = subprocess.Popen(
            [sys.executable, "-c", _DELIVER_IN_A_WORKER, *[str(row.pk) for row in rows]],
            cwd=BASE_DIR,
            env=env,
        )
        try:
            smtp_server.wait_for("received", 1, seconds=60)
            assert len(smtp_server.received) == 1
        finally:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        stalled = Notification.objects.get(message_id=smtp_server.received[0][1])
        assert stalled.state == "sending" and stalled.attempts == 1
        # The rows the batch never reached are still pending: claimed only as each is sent.
        assert set(Notification.objects.exclude(pk=stalled.pk).values_list("state", flat=True)) == {"pending"}
        smtp_server.mode = "accept"

        assert services.notifications_sweep(now=later(5)) == 2  # the pending ones
        assert services.notifications_sweep(now=later(16)) == 1  # the stalled one, resent once
        for _ in range(3):
            assert services.notifications_sweep(now=later(24 * 60)) == 0
        assert smtp_server.copies() == Counter({(row.recipient.email, row.message_id): 1 for row in rows})
        assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


@needs_postgres
@pytest.mark.django_db(transaction=True)
class TwoBeatsTests:
    def test_two_sweeps_at_once_send_each_row_once(self, world, smtp_server):
        assert connection.vendor == "postgresql"
        rows = email_rows(world)
        # One left unknown long ago (due its one resend), the others pending.
        Notification.objects.filter(pk=rows[0].pk).update(
            state="unknown", sending_at=timezone.now() - dt.timedelta(hours=1), attempts=1
        )
        barrier = threading.Barrier(2)
        delivered = []

        def beat():
            try:
                barrier.wait()
                delivered.append(services.notifications_sweep(now=later(2)))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=beat) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(delivered) == 3
        assert smtp_server.copies() == Counter({(row.recipient.email, row.message_id): 1 for row in rows})
        assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}
