"""Two people saving the same entry at once: one wins, the other is told; two publishing at once
get two numbers, never the same one."""

import os
import threading

import pytest
from django.db import connection, connections

from careplans import services
from careplans.models import PlanEntry, PlanVersion
from dualcare.exceptions import ApplicationError

from .helpers import shared_plan

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="A real race needs row locks: run with DATABASE_URL pointing at PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


def _race(*actions):
    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("won")
        except ApplicationError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


class RaceTests:
    def test_concurrent_saves_of_one_entry_leave_one_winner_and_a_clear_refusal(self, world):
        assert connection.vendor == "postgresql"
        goal = shared_plan(world)["goal"]
        fields = {"text": "My words", "domain": "mental_health", "target_date": None}

        def save(by, progress):
            return lambda: services.entry_update(
                entry=PlanEntry.objects.get(pk=goal.pk),
                by=by,
                expected_version=1,
                **fields,
                progress=progress,
            )

        outcomes = _race(save(world.keyworker_mh, "from one"), save(world.linkworker_mh, "from two"))
        assert outcomes.count("won") == 1
        refusal = next(o for o in outcomes if o != "won")
        assert "after you opened it" in refusal and "have not been saved" in refusal
        stored = PlanEntry.objects.get(pk=goal.pk)
        assert stored.version == 2 and stored.progress in ("from one", "from two")

    def test_concurrent_publishing_numbers_versions_one_after_the_other(self, world):
        shared_plan(world)
        outcomes = _race(
            lambda: services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh),
            lambda: services.careplan_publish(service_user=world.service_user, by=world.keyworker_sm),
        )
        assert outcomes == ["won", "won"]
        assert sorted(PlanVersion.objects.values_list("number", flat=True)) == [1, 2]
