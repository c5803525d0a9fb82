"""Carers as the Triangle of Care asks (issue 20 item 4): identified without a login, their needs
and experience, the offer of an assessment, and a plan summary sent once by email with only what
the person allows."""

import pytest
from django.urls import reverse

from carers import services
from carers.models import AssessmentOffer, CarerNeeds
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Carer
from tests.careplans.helpers import publish, shared_plan


def jan(world, **overrides):
    values = {
        "service_user": world.service_user,
        "by": world.keyworker_mh,
        "given_name": "Jan",
        "family_name": "Carewell",
        "relationship": "Sister",
        "contact_by": "email",
        "email": "jan.carewell@example.invalid",
    }
    return people_services.carer_record(**{**values, **overrides})


@pytest.mark.django_db
class CarerWithoutLoginTests:
    def test_staff_record_a_carer_without_a_login(self, world):
        carer = jan(world)
        assert carer.user is None and carer.display_name == "Jan Carewell"
        assert carer.identified_by == world.keyworker_mh and carer.wants_information

    def test_the_way_to_contact_them_needs_its_address(self, world):
        with pytest.raises(ApplicationError) as refused:
            jan(world, email="")
        assert refused.value.field == "email"
        assert not Carer.objects.filter(given_name="Jan").exists()

    def test_an_outsider_cannot_record_one(self, world):
        with pytest.raises(ApplicationError):
            jan(world, by=world.outsider)

    def test_the_form_shows_field_errors_and_writes_nothing(self, world, client):
        client.force_login(world.keyworker_mh)
        url = reverse("carers:add", args=[world.service_user.pk])
        page = client.post(url, {"given_name": "", "relationship": "", "contact_by": "letter"})
        assert page.status_code == 200
        assert b"Enter the carer&#x27;s first name." in page.content
        assert Carer.objects.filter(service_user=world.service_user).count() == 1  # the world's carer
        page = client.post(
            url,
            {"given_name": "Jan", "relationship": "Sister", "contact_by": "letter", "address": "1 Test Row"},
        )
        assert page.status_code == 302

    def test_the_carer_list_costs_the_same_queries_however_many_carers(
        self, world, client, django_assert_max_num_queries
    ):
        client.force_login(world.keyworker_mh)
        url = reverse("carers:for_person", args=[world.service_user.pk])
        client.get(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        for name in ("Ann", "Bo", "Cy"):
            jan(world, given_name=name)
        with CaptureQueriesContext(connection) as four:
            page = client.get(url)
        assert b"Cy Carewell" in page.content
        assert len(four.captured_queries) == len(one.captured_queries)

    def test_the_carer_list_is_searched_by_name_or_relationship(self, world, client):
        jan(world, given_name="Ann", relationship="Neighbour")
        jan(world, given_name="Bo", relationship="Brother")
        client.force_login(world.keyworker_mh)
        url = reverse("carers:for_person", args=[world.service_user.pk])
        by_name = client.get(url, {"q": "ann"}).content.decode()
        assert "Ann Carewell" in by_name and "Bo Carewell" not in by_name
        by_relationship = client.get(url, {"q": "brother"}).content.decode()
        assert "Bo Carewell" in by_relationship and "Ann Carewell" not in by_relationship
        assert "Bo Carewell" not in client.get(url, {"q": "brother ann"}).content.decode()  # every word

    def test_an_outsider_gets_a_404(self, world, client):
        client.force_login(world.outsider)
        assert client.get(reverse("carers:for_person", args=[world.service_user.pk])).status_code == 404


@pytest.mark.django_db
class NeedsAndAssessmentTests:
    def test_staff_record_needs_experience_and_the_offer(self, world):
        carer = jan(world)
        services.carer_needs_record(
            carer=carer, by=world.keyworker_mh, needs="A break now and then", answers={"identified": "yes"}
        )
        services.assessment_offer_record(carer=carer, by=world.keyworker_mh, state="referred")
        assert CarerNeeds.objects.get(carer=carer).answers == {"identified": "yes"}
        offer = AssessmentOffer.objects.get(carer=carer)
        assert offer.state == "referred" and offer.organisation == world.cmht_north.organisation

    def test_a_bad_answer_is_refused(self, world):
        with pytest.raises(ApplicationError):
            services.carer_needs_record(
                carer=jan(world), by=world.keyworker_mh, answers={"identified": "maybe"}
            )

    def test_a_carer_with_a_login_records_their_own(self, world, client):
        client.force_login(world.carer)
        url = reverse("carers:mine", args=[world.carer_link.pk])
        assert client.get(url).status_code == 200
        page = client.post(url, {"needs-needs": "To know who to call", "needs-support": "no"})
        assert page.status_code == 302
        row = CarerNeeds.objects.get(carer=world.carer_link)
        assert row.recorded_by == world.carer and row.answers == {"support": "no"}

    def test_another_carer_cannot_open_it(self, world, client):
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("carers:mine", args=[world.carer_link.pk])).status_code == 404


@pytest.mark.django_db
class PlanSummaryTests:
    def test_a_carer_without_a_login_is_emailed_once_what_the_person_allows(self, world):
        shared_plan(world)
        publish(world)
        carer = jan(world)
        with pytest.raises(ApplicationError):
            services.plan_summary_send(carer=carer, by=world.keyworker_mh)  # not allowed yet
        people_services.carer_permission_grant(carer=carer, scope="care_plan", by=world.keyworker_mh)
        services.plan_summary_send(carer=carer, by=world.keyworker_mh)
        services.plan_summary_send(carer=carer, by=world.keyworker_mh)
        email = Notification.objects.get(kind="carers.plan_summary")
        assert email.to_address == "jan.carewell@example.invalid" and email.channel == "email"
        person = world.service_user
        assert person.given_name not in email.subject and person.family_name not in email.subject
        assert person.family_name not in email.body


@pytest.mark.django_db
class LetterTests:
    def test_a_carer_wanting_letters_has_the_summary_on_the_page_to_print(self, world, client):
        shared_plan(world)
        publish(world)
        carer = jan(world, contact_by="letter", email="", address="1 Test Row, Northgate")
        people_services.carer_permission_grant(carer=carer, scope="care_plan", by=world.keyworker_mh)
        with pytest.raises(ApplicationError):
            services.plan_summary_send(carer=carer, by=world.keyworker_mh)
        client.force_login(world.keyworker_mh)
        page = client.get(reverse("carers:detail", args=[carer.pk])).content.decode()
        assert "to print and post" in page and "crisis" in page.lower()

    def test_the_carer_page_costs_the_same_queries_however_much_history(self, world, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        carer = jan(world)
        client.force_login(world.keyworker_mh)
        url = reverse("carers:detail", args=[carer.pk])
        services.assessment_offer_record(carer=carer, by=world.keyworker_mh, state="offered")
        client.get(url)
        with CaptureQueriesContext(connection) as one:
            assert client.get(url).status_code == 200
        for state in ("accepted", "referred"):
            services.assessment_offer_record(carer=carer, by=world.keyworker_mh, state=state)
            services.carer_needs_record(carer=carer, by=world.keyworker_mh, needs="A break")
        with CaptureQueriesContext(connection) as three:
            assert b"referred to the council" in client.get(url).content
        assert len(three.captured_queries) == len(one.captured_queries)
