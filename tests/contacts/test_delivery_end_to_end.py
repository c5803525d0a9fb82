"""A missed collection recorded through the API reaches the outbox and a real Celery worker
delivers it: on Redis when REDIS_URL is set (CI), on the in-process filesystem broker otherwise.
And when the broker is down or frozen, the request still succeeds within the broker's timeout
(settings: 2 s) and the sweep delivers later, once."""

import datetime as dt
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

import dualcare.contacts.tasks  # noqa: F401  (registers the shared tasks)
import dualcare.notifications.tasks  # noqa: F401
from dualcare.celery import app as dualcare_app
from dualcare.notifications import services as notification_services
from dualcare.notifications.models import Notification
from tests.celery.conftest import make_test_app

from .helpers import collection, schedule

REDIS_URL = os.environ.get("REDIS_URL", "")


def wait_until_sent(rows, seconds: float = 20) -> list[str]:
    deadline = time.monotonic() + seconds
    states = []
    while time.monotonic() < deadline:
        states = list(rows.values_list("state", flat=True))
        if states and all(state == "sent" for state in states):
            break
        time.sleep(0.1)
    return states


def record_missed_through_the_api(world):
    contact = collection(world, schedule(world), timezone.localdate())
    api = APIClient()
    api.force_authenticate(world.pharmacist)
    response = api.post(f"/api/v1/contacts/{contact.pk}/record/", {"outcome": "missed"})
    assert response.status_code == 200
    return contact


def worker_app(tmp_path):
    if REDIS_URL:
        return make_test_app(broker_url=REDIS_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    folder = str(tmp_path / "broker")
    os.makedirs(folder, exist_ok=True)
    options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "processed_folder": folder,
        "control_folder": folder,
    }
    return make_test_app(broker_url="filesystem://", transport_options=options)


@pytest.mark.django_db(transaction=True)
class WorkerDeliveryTests:
    @pytest.mark.redis
    def test_a_missed_collection_is_delivered_by_a_real_worker(self, world, running_worker, tmp_path):
        test_app = worker_app(tmp_path)
        with running_worker(test_app):
            contact = record_missed_through_the_api(world)
            rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
            states = wait_until_sent(rows)
        assert states and set(states) == {"sent"}
        assert set(rows.filter(channel="in_app").values_list("recipient__username", flat=True)) == {
            "keyworker.sm",
            "manager.sm",
        }
        if REDIS_URL:
            import redis

            queue = test_app.conf.task_default_queue
            redis.Redis.from_url(REDIS_URL).delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )


@pytest.mark.django_db
class BrokerDownTests:
    def test_the_request_succeeds_and_the_sweep_delivers_later(
        self, world, monkeypatch, django_capture_on_commit_callbacks
    ):
        from dualcare.notifications import tasks

        def broker_down(*args, **kwargs):
            raise ConnectionError("broker unreachable")

        monkeypatch.setattr(tasks.notifications_deliver_batch, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            contact = record_missed_through_the_api(world)
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
        assert rows.count() == 4 and set(rows.values_list("state", flat=True)) == {"pending"}
        later = timezone.now() + dt.timedelta(minutes=2)
        assert notification_services.notifications_sweep(now=later) == 4
        assert notification_services.notifications_sweep(now=later) == 0
        assert set(rows.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)  # real commits: the hand-over runs inside the request
class HandOverTests:
    def test_the_missed_button_answers_before_the_broker_has_the_alerts(self, world, client, monkeypatch):
        """The request writes the miss and its outbox rows and answers; the broker hand-over
        comes after, off the request: a broker that does not answer cannot hold the button."""
        from dualcare.notifications import tasks

        answered = threading.Event()
        handed = []

        def slow_broker(notification_ids):
            # Until the button has answered: a request that waited here would never answer.
            waited = answered.wait(timeout=5)
            handed.extend((notification_id, waited) for notification_id in notification_ids)

        monkeypatch.setattr(tasks.notifications_deliver_batch, "delay", slow_broker)
        contact = collection(world, schedule(world), timezone.localdate())
        client.force_login(world.pharmacist)
        response = client.post(
            f"/contacts/{contact.pk}/record/", {"outcome": "missed", "return_to": "pharmacy"}
        )
        answered.set()
        assert response.status_code == 302
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
        assert rows.count() == 4  # committed with the miss, before any hand-over
        assert notification_services.handover_wait(timeout=20)
        assert sorted(handed) == sorted((str(pk), True) for pk in rows.values_list("pk", flat=True))

    def test_each_row_is_delivered_once_by_the_hand_over_and_the_sweep_together(self, world, client):
        from django.core import mail

        contact = collection(world, schedule(world), timezone.localdate())
        client.force_login(world.pharmacist)
        client.post(f"/contacts/{contact.pk}/record/", {"outcome": "missed", "return_to": "pharmacy"})
        assert notification_services.handover_wait(timeout=20)
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
        for row in rows:  # the worker the hand-over reached, and a second, late one
            notification_services.notification_deliver(notification_id=row.pk)
            notification_services.notification_deliver(notification_id=row.pk)
        later = timezone.now() + dt.timedelta(hours=1)
        assert notification_services.notifications_sweep(now=later) == 0
        assert set(rows.values_list("state", flat=True)) == {"sent"}
        assert len(mail.outbox) == rows.filter(channel="email").count() == 2


# A generous regression guard: the promise is about 2 s (one socket timeout); a frozen Redis
# once held this request ~11 s (Celery's default of three publish retries, each timing out).
REQUEST_BOUND_SECONDS = 6


@pytest.fixture
def broker_at():
    """Make a throwaway Celery app on `url`, with DualCare's Redis transport options, the current one
    (so the outbox publishes through it); DualCare's app is current again afterwards."""

    def _use(url: str):
        app = make_test_app(broker_url=url, transport_options=settings.BROKER_REDIS_TRANSPORT_OPTIONS)
        app.set_current()
        app.set_default()
        return app

    yield _use
    dualcare_app.set_current()
    dualcare_app.set_default()


class FreezableRedis:
    """A TCP proxy to a real Redis that can freeze: from then on it accepts and never answers, on
    the connections already open (a warm pool) and on new ones."""

    def __init__(self, target: str):
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.sockets: list[socket.socket] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}{parts.path or '/0'}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client = self.server.accept()[0]
            except TimeoutError:
                continue
            except OSError:
                return
            self.sockets.append(client)
            if self.frozen.is_set():
                continue
            upstream = socket.create_connection(self.target)
            self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.frozen.is_set() and not self.closed.is_set():
                    time.sleep(0.05)
                if self.closed.is_set():
                    return
                sink.sendall(data)
        except OSError:
            return

    def close(self) -> None:
        self.closed.set()
        self.server.close()
        for sock in self.sockets:
            sock.close()


def record_a_miss_timed(world, django_capture_on_commit_callbacks):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # the request's after-commit publish
        contact = record_missed_through_the_api(world)
    return contact, time.monotonic() - started


def assert_the_sweep_delivers_once(contact):
    from django.core import mail

    rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
    assert rows.count() == 4 and set(rows.values_list("state", flat=True)) == {"pending"}
    later = timezone.now() + dt.timedelta(minutes=2)
    assert notification_services.notifications_sweep(now=later) == 4
    assert notification_services.notifications_sweep(now=later) == 0
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    emails = sorted((m.to[0], m.extra_headers["Message-ID"]) for m in mail.outbox)
    assert emails == sorted(rows.filter(channel="email").values_list("recipient__email", "message_id"))


@pytest.mark.django_db
class BrokerUnreachableTests:
    def test_a_refused_broker_connection_holds_the_request_no_longer_than_the_timeout(
        self, world, broker_at, django_capture_on_commit_callbacks
    ):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        broker_at(f"redis://127.0.0.1:{closed_port}/0")
        contact, seconds = record_a_miss_timed(world, django_capture_on_commit_callbacks)
        print(f"record a miss, broker refusing connections: {seconds:.2f} s")
        assert seconds < REQUEST_BOUND_SECONDS
        assert_the_sweep_delivers_once(contact)

    def test_a_frozen_broker_holds_the_request_no_longer_than_the_timeout(
        self, world, broker_at, hung_redis, django_capture_on_commit_callbacks
    ):
        broker_at(f"redis://127.0.0.1:{hung_redis}/0")
        contact, seconds = record_a_miss_timed(world, django_capture_on_commit_callbacks)
        print(f"record a miss, broker frozen: {seconds:.2f} s")
        assert seconds < REQUEST_BOUND_SECONDS
        assert_the_sweep_delivers_once(contact)

    @pytest.mark.redis
    @pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no real Redis to freeze")
    def test_a_redis_that_freezes_after_connecting_holds_the_request_no_longer_than_the_timeout(
        self, world, broker_at, django_capture_on_commit_callbacks
    ):
        import redis

        from dualcare.notifications.tasks import notification_deliver

        proxy = FreezableRedis(REDIS_URL)
        app = broker_at(proxy.url)
        try:
            notification_deliver.delay("00000000-0000-0000-0000-000000000000")  # the pool is warm
            proxy.frozen.set()
            contact, seconds = record_a_miss_timed(world, django_capture_on_commit_callbacks)
        finally:
            proxy.close()
            queue = app.conf.task_default_queue
            redis.Redis.from_url(REDIS_URL).delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )
        print(f"record a miss, Redis frozen after connecting: {seconds:.2f} s")
        assert seconds < REQUEST_BOUND_SECONDS
        assert_the_sweep_delivers_once(contact)
