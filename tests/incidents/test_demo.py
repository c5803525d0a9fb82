"""The demo incidents (issue 19 item 8): a near miss under joint review across two organisations, a
complaint, a serious incident closed with lessons, all in the last quarter's meeting pack."""

import pytest

from dualcare.dashboards import pack
from dualcare.dashboards.selectors import period_for
from dualcare.notifications.models import Notification
from dualcare.safety.incidents import demo as incidents_demo
from dualcare.safety.incidents.models import Incident, State

pytestmark = pytest.mark.django_db


class DemoIncidentTests:
    def test_it_loads_the_three_once_and_the_pack_has_them(self, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py): incidents' build ran in it
        near_miss = Incident.objects.get(title=incidents_demo.NEAR_MISS)
        assert near_miss.state == State.REVIEW
        assert {a.owner_organisation.name for a in near_miss.actions.all()} == {
            demo.organisations["mh"].name,
            demo.organisations["sm"].name,
        }
        assert Incident.objects.get(title=incidents_demo.COMPLAINT).kind == "complaint"
        serious = Incident.objects.get(title=incidents_demo.SERIOUS)
        assert serious.state == State.CLOSED and serious.lessons_learned and serious.closure_summary
        told = Notification.objects.filter(event_key=f"incident.serious:{serious.pk}", channel="in_app")
        assert set(told.values_list("recipient__username", flat=True)) >= {"manager.mh", "manager.sm"}
        the_pack = pack.pack(period_for(13))
        assert any("release from prison" in lesson["lessons_learned"] for lesson in the_pack.lessons)
        assert the_pack.actions_count == 1
        count = Incident.objects.count()
        incidents_demo.build(demo)
        assert Incident.objects.count() == count
