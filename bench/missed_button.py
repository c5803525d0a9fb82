"""How long does the pharmacist's "Missed" button take to answer?

Usage (uses DATABASE_URL and REDIS_URL when set, else a throwaway SQLite file and no healthy Redis):
    DEBUG=1 .venv/bin/python bench/missed_button.py [runs=15]

In a scratch test database with the test world (tests.world): the pharmacist posts "missed" on
today's-style collections through the Django test client (the whole request: session, access,
the write, the outbox rows, the commit and the after-commit broker hand-over), `runs` times
against each broker:
  - healthy: the Redis at REDIS_URL (skipped without one);
  - frozen: a TCP server that accepts and never answers (a hung Redis), each request as the first
    since it froze (the process's "broker recently down" memory is cleared before each).
Between misses an attended collection is recorded, untimed, so every miss is a first miss (the
same alerts each time). Prints the median and the slowest in milliseconds; asserts nothing.
"""

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("REQUIRE_STAFF_2FA", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

import dualcare.contacts.tasks  # noqa: E402, F401  (registers the shared tasks)
import dualcare.notifications.tasks  # noqa: E402, F401
from dualcare.celery import app as dualcare_app  # noqa: E402
from dualcare.contacts import services as contact_services  # noqa: E402
from dualcare.contacts.models import Contact  # noqa: E402
from dualcare.notifications import services as notification_services  # noqa: E402
from dualcare.notifications.models import Notification  # noqa: E402
from tests.celery.conftest import make_test_app  # noqa: E402
from tests.world import build_world  # noqa: E402


def hung_broker() -> tuple[int, threading.Event]:
    """A TCP server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    stop = threading.Event()
    accepted = []

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1], stop


def use_broker(url: str):
    app = make_test_app(broker_url=url, transport_options=settings.BROKER_REDIS_TRANSPORT_OPTIONS)
    app.set_current()
    app.set_default()
    return app


def wait_for_handover(seconds: float = 30) -> None:
    """Let a background hand-over (if the code has one) finish before the next broker is used."""
    drain = getattr(notification_services, "handover_wait", None)
    if drain is not None:
        drain(timeout=seconds)


def measure(label: str, client: Client, pairs, *, reset_broker_memory: bool) -> None:
    times = []
    for attended, missed in pairs:
        contact_services.contact_record(contact=attended, by=PHARMACIST, outcome="attended")
        if reset_broker_memory:
            notification_services._broker_down_until = 0.0
        started = time.perf_counter()
        response = client.post(
            reverse("contacts:record", args=[missed.pk]), {"outcome": "missed", "return_to": "pharmacy"}
        )
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302, response.status_code
    rows = Notification.objects.filter(related_id__in=[str(m.pk) for _, m in pairs]).count()
    print(
        f"  {label:<28} median {statistics.median(times):8.1f} ms   slowest {max(times):8.1f} ms"
        f"   ({len(times)} requests, {rows} outbox rows)"
    )


def main(runs: int) -> None:
    global PHARMACIST
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)  # migrated
    try:
        world = build_world()
        PHARMACIST = world.pharmacist
        today = timezone.localdate()
        days = 4 * runs + 2
        schedule = contact_services.supervised_consumption_start(
            by=world.keyworker_sm,
            service_user=world.service_user,
            pharmacy_team=world.pharmacy_team,
            prescribing_team=world.sm_team,
            medicine="Methadone oral solution 1 mg/ml",
            dose="60",
            days_of_week="0123456",
            start=today - dt.timedelta(days=days),
        )
        for back in range(days, 0, -1):
            contact_services.collections_generate(
                day=today - dt.timedelta(days=back), schedule_ids=[schedule.pk]
            )
        contacts = list(Contact.objects.filter(schedule=schedule, due_on__lt=today).order_by("due_on"))
        pairs = list(zip(contacts[0::2], contacts[1::2], strict=False))
        client = Client()
        client.force_login(world.pharmacist)
        print(f"database: {connection.vendor}; {runs} misses per broker")
        redis_url = os.environ.get("REDIS_URL", "")
        if redis_url:
            use_broker(redis_url)
            measure("healthy Redis", client, pairs[:runs], reset_broker_memory=True)
            wait_for_handover()
        else:
            print("  healthy Redis                (skipped: REDIS_URL is not set)")
        port, stop = hung_broker()
        use_broker(f"redis://127.0.0.1:{port}/0")
        measure("frozen Redis", client, pairs[runs : 2 * runs], reset_broker_memory=True)
        wait_for_handover()
        stop.set()
    finally:
        dualcare_app.set_current()
        dualcare_app.set_default()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
