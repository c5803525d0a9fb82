"""The demo's risk history and safety flag for Sam (dualcare/safety/demo.py), on the shared demo."""

import pytest

from dualcare.management.demo_data import SHARED_PERSON
from dualcare.people.models import User
from dualcare.safety import demo as safety_demo
from dualcare.safety import selectors
from dualcare.safety.models import RiskAssessment, SafetyFlag

pytestmark = pytest.mark.django_db


class SafetyDemoTests:
    def test_it_gives_a_history_across_two_organisations_and_a_flag_the_pharmacy_sees(self, demo_live):
        demo = demo_live.demo
        sam = demo.people[SHARED_PERSON.key]
        keyworker_sm = User.objects.get(username="keyworker.sm")
        history = list(selectors.risk_history(keyworker_sm, sam, domain="overdose"))
        assert {rating.organisation.name for rating in history} == {
            demo.organisations["mh"].name,
            demo.organisations["sm"].name,
        }
        assert any(rating.previous_level and rating.previous_level != rating.level for rating in history)
        pharmacist = User.objects.get(username="pharmacist")
        flags = selectors.flags_active_for_people(pharmacist, [sam.pk])[sam.pk]
        # The drug and alcohol service's overdose flag and the CMHT's home-visit one: both shared with it.
        assert {flag.code for flag in flags} == {"overdose", "lone_visit"}
        counts = (RiskAssessment.objects.count(), SafetyFlag.objects.count())
        safety_demo.build(demo)
        assert counts == (RiskAssessment.objects.count(), SafetyFlag.objects.count())
