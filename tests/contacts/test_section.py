"""The contacts section for the record page: what each viewer may see, constant queries."""

import pytest
from django.template import Context, Template
from django.utils import timezone

from dualcare import access
from dualcare.contacts import services

from .helpers import appointment, collection, schedule

pytestmark = pytest.mark.django_db

TAG = Template("{% load contact_tags %}{% contacts_section person %}")


def render(rf, user, person):
    request = rf.get("/")
    request.user = user
    return TAG.render(Context({"request": request, "person": person}))


class ContactsSectionTests:
    def test_the_prescriber_sees_the_schedule_and_the_collections(self, rf, world):
        contact = collection(world, schedule(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        html = render(rf, world.keyworker_sm, world.service_user)
        expected = "Supervised consumption of methadone oral solution 1 mg/ml, 60 mg: every day at Dispensary"
        assert expected in html
        assert "Book an appointment" in html

    def test_an_agency_without_contacts_consent_sees_only_its_own(self, rf, world):
        collection(world, schedule(world), timezone.localdate())
        appointment(world, hours=30)
        html = render(rf, world.keyworker_mh, world.service_user)
        assert "methadone" not in html and "Key worker appointment with North CMHT" in html

    def test_the_person_gets_a_link_to_their_own_appointments(self, rf, world):
        html = render(rf, world.service_user_login, world.service_user)
        assert "/contacts/mine/" in html and "Book" not in html

    def test_queries_do_not_grow_with_contacts(self, rf, world, django_assert_num_queries):
        sched = schedule(world)
        collection(world, sched, timezone.localdate())
        viewer, person = world.keyworker_sm, world.service_user
        # As on the record page: inside its record_checks_once block, after its own checks (the
        # viewer's permissions and acting team), which "Book" reuses. 3 queries: coming, recent,
        # the schedules (4 when the section asked again for an involved team of the viewer's).
        with access.record_checks_once():
            access.acting_team(viewer, person)
            with django_assert_num_queries(3) as first:
                render(rf, viewer, person)
        for hours in (5, 30, 50, -5, -30):
            appointment(world, hours=hours, by=viewer, team=world.sm_team)
        with access.record_checks_once():
            access.acting_team(viewer, person)
            with django_assert_num_queries(len(first.captured_queries)):
                html = render(rf, viewer, person)
        assert "Book an appointment" in html
