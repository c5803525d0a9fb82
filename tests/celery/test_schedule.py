"""The Celery app as the demo runs it: in-process broker, beat schedule, registered tasks."""

import datetime as dt
import os
import time

import pytest
from django.conf import settings
from django.utils import timezone

from dualcare.celery import app
from dualcare.people import services
from dualcare.people.models import StaffRole

from ..factories import TeamFactory, UserFactory
from .conftest import make_test_app

EXPIRE_TASK = "dualcare.people.tasks.access_expire_ended"


def ended_role() -> StaffRole:
    """A role recorded after it had already ended: access.py has not yet withdrawn it."""
    today = timezone.localdate()
    role = services.staff_role_add(
        user=UserFactory(),
        team=TeamFactory(),
        role=StaffRole.Role.KEY_WORKER,
        start=today - dt.timedelta(days=10),
        end=today - dt.timedelta(days=1),
    )
    assert role.access_state == "pending"
    return role


def wait_for_access_state(role: StaffRole, state: str, *, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        role.refresh_from_db()
        if role.access_state == state:
            break
        time.sleep(0.1)
    return role.access_state


class BeatScheduleTests:
    def test_it_uses_the_in_process_broker_unless_redis_is_configured(self):
        expected = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://"
        assert expected == settings.CELERY_BROKER_URL
        assert expected == app.conf.broker_url
        assert not app.conf.task_always_eager

    def test_it_declares_the_access_expiry_every_minute_and_nightly(self):
        schedule = app.conf.beat_schedule
        every_minute = schedule["access-expire-ended-roles"]
        assert every_minute["task"] == EXPIRE_TASK
        assert every_minute["schedule"] == 60.0
        nightly = schedule["access-expire-ended-roles-nightly"]
        assert nightly["task"] == EXPIRE_TASK
        assert nightly["schedule"].hour == {0}
        assert nightly["schedule"].minute == {1}

    def test_it_registers_every_task_the_beat_schedule_names(self):
        app.loader.import_default_modules()
        missing = [name for name, entry in app.conf.beat_schedule.items() if entry["task"] not in app.tasks]
        assert not missing, f"beat entries whose task is not registered: {missing}"
        assert EXPIRE_TASK in app.tasks

    def test_it_limits_task_time_and_worker_memory(self):
        assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT > 0
        assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
        assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD


class FilesystemBrokerTests:
    @pytest.mark.django_db(transaction=True)
    def test_it_delivers_a_delayed_task_to_a_worker_without_any_server(self, tmp_path, running_worker):
        queue_dir = tmp_path / "queue"
        queue_dir.mkdir()
        (tmp_path / "processed").mkdir()
        test_app = make_test_app(
            broker_url="filesystem://",
            transport_options={
                "data_folder_in": str(queue_dir),
                "data_folder_out": str(queue_dir),
                "processed_folder": str(tmp_path / "processed"),
                "control_folder": str(tmp_path / "control"),
                "store_processed": False,
                "polling_interval": 0.1,
            },
        )
        role = ended_role()

        with running_worker(test_app):
            test_app.tasks[EXPIRE_TASK].delay()
            state = wait_for_access_state(role, "withdrawn")

        assert state == "withdrawn"
        assert not list(queue_dir.iterdir()), "the message should have been consumed"
