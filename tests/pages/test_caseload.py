from django.urls import reverse
from django.utils.html import escape

from cohorts.services import quadrant_assess
from dualcare.people import services
from dualcare.people.models import StaffRole
from tests.factories import TeamFactory, person, staff

Role = StaffRole.Role


def _caseload_world(world, count: int, *, team=None, key_worker=None):
    """`count` people on a team's caseload, each with a quadrant and another agency involved."""
    team = team or TeamFactory(organisation=world.mh, name="West CMHT")
    key_worker = key_worker or staff("keyworker.west", team, Role.KEY_WORKER)
    for n in range(count):
        someone = person(
            team, key_worker=key_worker, given_name=f"Person{n:02d}", family_name=f"Family{n:02d}"
        )
        services.involvement_start(service_user=someone, team=world.sm_team, key_worker=world.keyworker_sm)
        quadrant_assess(
            service_user=someone,
            mental_health_severity="high",
            substance_use_severity="high",
            rationale="Both high.",
            by=key_worker,
        )
    return team, key_worker


class CaseloadTests:
    def test_it_lists_my_teams_people_with_key_worker_other_agencies_and_quadrant(self, world, client):
        quadrant_assess(
            service_user=world.service_user,
            mental_health_severity="high",
            substance_use_severity="low",
            rationale="Psychosis, occasional use.",
            by=world.keyworker_mh,
        )
        client.force_login(world.keyworker_mh)
        response = client.get(reverse("caseload"))
        html = response.content.decode()
        assert response.status_code == 200
        assert [row.person for row in response.context["rows"]] == [world.mh_only, world.service_user]
        assert reverse("service_user_detail", args=[world.service_user.pk]) in html
        assert world.service_user.nhs_number_display in html
        assert f"North CMHT: {escape(world.keyworker_mh.display_name)}" in html
        assert "Testshire Drug and Alcohol Service (Recovery Team)" in html
        assert "Test Street Pharmacy (Dispensary)" in html
        assert ">II</strong>" in html
        # Other teams' people are not on this caseload.
        assert world.sm_only.family_name not in html and world.south_only.family_name not in html

    def test_it_filters_to_people_i_am_key_worker_for(self, world, client):
        other = person(
            world.cmht_north, key_worker=world.linkworker_mh, given_name="Lee", family_name="Linked"
        )
        client.force_login(world.keyworker_mh)
        everyone = [row.person for row in client.get(reverse("caseload")).context["rows"]]
        mine = [row.person for row in client.get(reverse("caseload"), {"mine": "1"}).context["rows"]]
        assert other in everyone
        assert mine == [world.mh_only, world.service_user]

    def test_it_shows_managers_their_organisations_people_too(self, world, client):
        client.force_login(world.manager_mh)
        response = client.get(reverse("caseload"))
        organisation_people = {row.person for row in response.context["organisation_page"].object_list}
        assert organisation_people == {world.service_user, world.mh_only, world.south_only}
        assert world.sm_only not in organisation_people
        assert "People in your organisation" in response.content.decode()

    def test_it_shows_key_workers_no_organisation_list(self, world, client):
        client.force_login(world.keyworker_mh)
        assert client.get(reverse("caseload")).context["organisation_page"] is None

    def test_it_refuses_pharmacists_and_org_admins_and_hides_itself_from_service_users(self, world, client):
        for user, status in [
            (world.pharmacist, 403),
            (world.orgadmin_mh, 403),
            (world.service_user_login, 404),
            (world.carer, 404),
        ]:
            client.force_login(user)
            assert client.get(reverse("caseload")).status_code == status, user.username

    def test_it_sends_anonymous_visitors_to_sign_in(self, world, client):
        response = client.get(reverse("caseload"))
        assert response.status_code == 302 and "next=/caseload/" in response.url

    def test_it_issues_the_same_number_of_queries_for_3_and_30_people(
        self, world, client, django_assert_num_queries
    ):
        team, key_worker = _caseload_world(world, 3)
        client.force_login(key_worker)
        # session, user, two role checks, my teams, people (quadrant as a subquery), their involvements,
        # roles for the header; then the session save (savepoint, update, release); the audit of
        # everyone shown (rule 6): the acting organisation per person, one insert.
        with django_assert_num_queries(14):
            response = client.get(reverse("caseload"))
        assert len(response.context["rows"]) == 3
        _caseload_world(world, 27, team=team, key_worker=key_worker)
        with django_assert_num_queries(14):
            response = client.get(reverse("caseload"))
        assert len(response.context["rows"]) == 30
        assert all(row.person.current_quadrant == "IV" for row in response.context["rows"])

    def test_it_pages_the_managers_organisation_list_with_constant_queries(
        self, world, client, django_assert_num_queries
    ):
        _caseload_world(world, 3)
        client.force_login(world.manager_mh)
        # As a key worker's caseload, plus the manager's: teams, count, people, involvements.
        with django_assert_num_queries(18):
            response = client.get(reverse("caseload"))
        assert response.context["organisation_page"].paginator.count == 6
        with django_assert_num_queries(18):
            response = client.get(reverse("caseload"), {"page": "2"})
        assert response.context["organisation_page"].number == 1  # only one page: the last one is given

    def test_it_splits_the_organisation_list_into_pages_in_name_order(self, world):
        from dualcare.people.selectors import organisation_people_page

        first = organisation_people_page(world.manager_mh, 1, per_page=2)
        second = organisation_people_page(world.manager_mh, 2, per_page=2)
        names = [row.person.family_name for row in first.object_list + second.object_list]
        assert names == ["Exampleby", "Sampleton", "Testwell"]
        assert second.has_previous() and not second.has_next()


class PharmacyListTests:
    def test_it_issues_the_same_number_of_queries_whatever_the_list(
        self, world, client, django_assert_num_queries
    ):
        client.force_login(world.pharmacist)
        # Nine, and the audit of everyone listed (rule 6): acting organisation per person, one insert.
        with django_assert_num_queries(11):
            client.get(reverse("pharmacy_list"))
        for n in range(5):
            someone = person(world.pharmacy_team, given_name=f"Pharm{n}", family_name="Customer")
            services.consent_record(
                service_user=someone, organisation=world.pharmacy_org, scope="contacts", by=world.pharmacist
            )
        with django_assert_num_queries(11):
            response = client.get(reverse("pharmacy_list"))
        assert len(response.context["people"]) == 6

    def test_it_lists_people_who_share_contacts_with_the_pharmacy(self, world, client):
        client.force_login(world.pharmacist)
        response = client.get(reverse("pharmacy_list"))
        html = response.content.decode()
        assert list(response.context["people"]) == [world.service_user]
        assert world.service_user.nhs_number_display in html
        assert "14 March 1985" in html
        # Names only: no link to a record summary the pharmacist may not read.
        assert reverse("service_user_detail", args=[world.service_user.pk]) not in html

    def test_it_is_only_for_pharmacists(self, world, client):
        for user, status in [
            (world.keyworker_mh, 403),
            (world.orgadmin_mh, 403),
            (world.service_user_login, 404),
        ]:
            client.force_login(user)
            assert client.get(reverse("pharmacy_list")).status_code == status, user.username
