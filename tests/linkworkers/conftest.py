import datetime as dt

import pytest
from django.utils import timezone

from linkworkers import services
from linkworkers.models import Course, Tier
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


@pytest.fixture
def lw(world):
    """The world with a register: linkworker.mh (North CMHT, deputy keyworker.mh) and keyworker.sm
    (Recovery Team) appointed; every other team a gap; a meeting in 10 days chaired by linkworker.mh."""
    start = timezone.localdate() - dt.timedelta(days=100)
    world.north_appt = services.appointment_create(
        team=world.cmht_north, user=world.linkworker_mh, deputy=world.keyworker_mh, start=start
    )
    world.sm_appt = services.appointment_create(team=world.sm_team, user=world.keyworker_sm, start=start)
    world.meeting = services.meeting_create(
        title="Locality link meeting",
        starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=10),
        duration_minutes=90,
        location="Room 2, Northgate House",
        chair=world.linkworker_mh,
        standing_items=["Learning and training"],
    )
    world.course1 = Course.objects.create(
        title="Dual diagnosis awareness", tier=Tier.AWARENESS, refresh_months=36
    )
    world.course2 = Course.objects.create(title="Assessment and brief interventions", tier=Tier.ASSESSMENT)
    return world


CASE = {
    "brief_history": "Known to services for six years.",
    "mental_health": "Low mood, intrusive thoughts.",
    "substance_use": "Daily alcohol, occasional crack cocaine.",
    "current_concerns": "Missed two appointments; housing at risk.",
    "question": "Who should lead the joint assessment?",
}
