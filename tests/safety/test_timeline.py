"""Risk assessments and flag changes on the person's timeline, as the risk rule lets the viewer see them."""

import pytest

from dualcare.safety import services
from dualcare.timeline.selectors import Wanted, timeline_for

pytestmark = pytest.mark.django_db


def titles(viewer, person) -> list[str]:
    return [entry.title for entry in timeline_for(viewer, person, Wanted(kinds=frozenset({"risk"})))[0:100]]


class SafetyTimelineTests:
    def test_it_shows_assessments_and_flag_changes_to_those_who_may_see_them(self, world, assess, raise_flag):
        assess()
        flag = raise_flag()
        services.safety_flag_remove(flag=flag, by=world.keyworker_mh, reason="Engaging")
        shown = titles(world.keyworker_mh, world.service_user)
        assert "Risk assessment" in shown
        assert "Safety flag: Overdose risk: recent release from prison (Raised)" in shown
        assert "Safety flag: Overdose risk: recent release from prison (Removal asked for)" in shown
        # The drug and alcohol service has no risk consent from Sam.
        assert titles(world.keyworker_sm, world.service_user) == []

    def test_it_follows_the_risk_consent(self, world, assess, share_risk):
        assess()
        share_risk(world.sm)
        assert titles(world.keyworker_sm, world.service_user) == ["Risk assessment"]
