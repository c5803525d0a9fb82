"""A missed collection recorded through the API reaches the outbox and a real Celery worker
delivers it: on Redis when REDIS_URL is set (CI), on the in-process filesystem broker otherwise.
And when the broker is down, the request still succeeds and the sweep delivers later."""

import datetime as dt
import os
import time

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

import dualcare.contacts.tasks  # noqa: F401  (registers the shared tasks)
import dualcare.notifications.tasks  # noqa: F401
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

        monkeypatch.setattr(tasks.notification_deliver, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            contact = record_missed_through_the_api(world)
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
        assert rows.count() == 4 and set(rows.values_list("state", flat=True)) == {"pending"}
        later = timezone.now() + dt.timedelta(minutes=2)
        assert notification_services.notifications_sweep(now=later) == 4
        assert notification_services.notifications_sweep(now=later) == 0
        assert set(rows.values_list("state", flat=True)) == {"sent"}
