"""A throwaway Celery app per test, so a test worker never drains the demo's or CI's real queues."""

import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

import dualcare.people.tasks  # noqa: F401  (registers the shared tasks on every app)
from dualcare.celery import app as dualcare_app


def make_test_app(*, broker_url: str, transport_options: dict) -> Celery:
    """DualCare's Celery configuration, on its own broker and a queue no one else reads."""
    app = Celery("dualcare-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        task_default_queue=f"dualcare-test-{uuid.uuid4().hex}",
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
    return app


@pytest.fixture
def running_worker() -> Iterator:
    """Start a real worker thread for an app; give the process its own app back afterwards."""

    def _start(app: Celery):
        # perform_ping_check needs a result backend, which DualCare deliberately has none of.
        return start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=15)

    yield _start
    # start_worker makes the test app the current one; later tests expect DualCare's.
    dualcare_app.set_current()
    dualcare_app.set_default()


@pytest.fixture
def hung_redis() -> Iterator[int]:
    """A TCP server that accepts connections and never answers: a Redis that has hung."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()
