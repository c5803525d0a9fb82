"""The demo care plans: every state, Sam's multi-agency plan agreed, loaded once (on the shared demo)."""

import pytest

from careplans import demo as careplan_demo
from careplans import selectors
from careplans.models import Agreement, CarePlan, PlanEntry, PlanVersion
from dualcare import access
from dualcare.management import demo_data

pytestmark = pytest.mark.django_db


class DemoCarePlanTests:
    def test_it_loads_plans_in_every_state_once(self, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py): careplans.demo.build ran in it
        sam = demo.people["Sam Testwell"]
        plan = CarePlan.objects.get(service_user=sam)
        version = selectors.current_version(plan)
        assert version.number == 2 and selectors.agreement_status(version).agreed
        risk_orgs = {entry["organisation"] for entry in version.entries("risk")}
        assert risk_orgs == {demo.organisations["mh"].name, demo.organisations["sm"].name}
        assert version.entries("crisis")
        assert Agreement.objects.filter(version=version, kind="carer_views").exists()
        # The carer sees the crisis plan only.
        acc = access.care_plan_access(demo.carer_login, sam)
        assert [view.key for view in selectors.version_sections(acc, version) if view.entries] == ["crisis"]
        # The logins banner of `make run` says so, from the same rule (people.carer_sharing).
        carer_line = dict(demo_data.logins(demo))["carer"]
        assert "may see the crisis and relapse-prevention plan (not the rest of the care plan)" in carer_line
        assert "the care plan only" not in carer_line

        states = {}
        for key in ("Kerry Trialby", "Maya Mockley", "Rhys Placemoor", "Alex Sampleton"):
            other = CarePlan.objects.get(service_user=demo.people[key])
            states[key] = (
                other.current_version_number,
                selectors.agreement_status(selectors.current_version(other)).state,
                other.review_overdue(),
            )
        assert states["Alex Sampleton"] == (0, "none", False)
        assert states["Kerry Trialby"] == (1, "waiting", False)
        assert states["Maya Mockley"] == (1, "changes", False)
        assert states["Rhys Placemoor"][2] is True

        counts = (CarePlan.objects.count(), PlanEntry.objects.count(), PlanVersion.objects.count())
        careplan_demo.build(demo)
        assert (CarePlan.objects.count(), PlanEntry.objects.count(), PlanVersion.objects.count()) == counts
