import datetime as dt
import re

from django.urls import reverse
from django.utils.html import escape

from cohorts.services import quadrant_assess
from dualcare.people import services
from dualcare.people.models import StaffRole
from tests.contacts.helpers import appointment
from tests.factories import TeamFactory, person, staff, synthetic_nhs_number

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

    def test_a_key_worker_opens_on_their_own_people_and_can_list_their_teams(self, world, client):
        other = person(
            world.cmht_north, key_worker=world.linkworker_mh, given_name="Lee", family_name="Linked"
        )
        client.force_login(world.keyworker_mh)
        landing = client.get(reverse("caseload"))
        team = [row.person for row in client.get(reverse("caseload"), {"show": "teams"}).context["rows"]]
        earlier_link = [row.person for row in client.get(reverse("caseload"), {"mine": "1"}).context["rows"]]
        assert landing.context["wanted"].show == "mine"
        assert [row.person for row in landing.context["rows"]] == [world.mh_only, world.service_user]
        assert other in team and world.service_user in team
        assert earlier_link == [world.mh_only, world.service_user]

    def test_a_key_worker_with_nobody_of_their_own_opens_on_the_team(self, world, client):
        newcomer = staff("keyworker.new", world.cmht_north, Role.KEY_WORKER)
        client.force_login(newcomer)
        response = client.get(reverse("caseload"))
        assert response.context["wanted"].show == "teams"
        assert {row.person for row in response.context["rows"]} == {world.service_user, world.mh_only}

    def test_it_shows_managers_their_organisations_people_on_asking(self, world, client):
        client.force_login(world.manager_mh)
        response = client.get(reverse("caseload"), {"show": "organisation"})
        organisation_people = {row.person for row in response.context["rows"]}
        assert organisation_people == {world.service_user, world.mh_only, world.south_only}
        assert world.sm_only not in organisation_people
        assert "Everyone my organisation works with" in response.content.decode()

    def test_a_key_worker_cannot_list_the_organisation(self, world, client):
        client.force_login(world.keyworker_mh)
        response = client.get(reverse("caseload"), {"show": "organisation"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "Everyone my organisation works with" not in html
        assert "Choose one of the lists offered." in html
        assert world.south_only not in {row.person for row in response.context["rows"]}

    def test_it_lists_one_of_my_teams_when_i_have_several(self, world, client):
        services.staff_role_add(user=world.keyworker_mh, team=world.cmht_south, role=Role.KEY_WORKER)
        client.force_login(world.keyworker_mh)
        south = client.get(reverse("caseload"), {"show": str(world.cmht_south.pk)})
        north = client.get(reverse("caseload"), {"show": str(world.cmht_north.pk)})
        assert [row.person for row in south.context["rows"]] == [world.south_only]
        assert {row.person for row in north.context["rows"]} == {world.service_user, world.mh_only}
        # Another organisation's team is not a choice.
        other = client.get(reverse("caseload"), {"show": str(world.sm_team.pk)})
        assert "Choose one of the lists offered." in other.content.decode()

    def test_it_finds_people_by_name_nhs_number_and_date_of_birth(self, world, client):
        born_1990 = services.service_user_register(
            team=world.cmht_north,
            given_name="Robin",
            family_name="Dateley",
            preferred_name="Bobbie",
            date_of_birth=dt.date(1990, 7, 4),
            nhs_number=synthetic_nhs_number(),
            key_worker=world.keyworker_mh,
        )
        client.force_login(world.keyworker_mh)
        number = world.service_user.nhs_number

        def found(text):
            response = client.get(reverse("caseload"), {"show": "teams", "q": text})
            assert response.status_code == 200, text
            return [row.person for row in response.context["rows"]]

        assert found("testwell") == [world.service_user]
        assert found("Sam Test") == [world.service_user]
        assert found("alex testwell") == []  # every word must match the same person
        assert found("Bobbie") == [born_1990]  # the preferred name
        assert found(number) == [world.service_user]
        assert found(world.service_user.nhs_number_display) == [world.service_user]  # with spaces
        assert found(number[:6]) == sorted(
            [
                p
                for p in (world.service_user, world.mh_only, born_1990)
                if p.nhs_number.startswith(number[:6])
            ],
            key=lambda p: (p.family_name, p.given_name),
        )
        for written in ("04/07/1990", "4/7/1990", "04-07-1990", "1990-07-04", "4 July 1990", "4 Jul 1990"):
            assert found(written) == [born_1990], written
        assert found("14/03/1985") == [world.mh_only, world.service_user]
        # Someone my teams do not work with is not found, however exactly they are named.
        assert found("Mockridge") == [] and found(world.sm_only.nhs_number) == []
        assert found("Exampleby") == []

    def test_it_filters_by_quadrant_overdue_review_overdue_measure_and_not_seen(self, world, client):
        from careplans import services as careplans
        from careplans.models import CarePlan
        from dualcare.contacts import services as contacts
        from dualcare.people.models import Involvement

        quadrant_assess(
            service_user=world.service_user,
            mental_health_severity="high",
            substance_use_severity="high",
            rationale="Both high.",
            by=world.keyworker_mh,
        )
        careplans.entry_add(
            service_user=world.mh_only, section="what_matters", by=world.keyworker_mh, text="My flat."
        )
        careplans.careplan_publish(service_user=world.mh_only, by=world.keyworker_mh)
        CarePlan.objects.filter(service_user=world.mh_only).update(
            review_due=world.today - dt.timedelta(days=1)
        )
        # Sam's care with North began 60 days ago and nobody has recorded the assessment HoNOS.
        Involvement.objects.filter(service_user=world.service_user, team=world.cmht_north).update(
            start=world.today - dt.timedelta(days=60)
        )
        contacts.contact_record(
            contact=appointment(world, person=world.mh_only, hours=-72),
            by=world.keyworker_mh,
            outcome="attended",
        )
        client.force_login(world.keyworker_mh)

        def listed(**filters):
            response = client.get(reverse("caseload"), {"show": "teams", **filters})
            assert response.status_code == 200
            return [row.person for row in response.context["rows"]]

        assert listed(quadrant="IV") == [world.service_user]
        assert listed(quadrant="II") == []
        assert listed(due="review") == [world.mh_only]
        assert listed(due="measure") == [world.service_user]
        assert listed(not_seen="7") == [world.service_user]
        assert listed(not_seen="2") == [world.mh_only, world.service_user]
        assert listed(due="measure", q="Sampleton") == []
        html = client.get(reverse("caseload"), {"show": "teams"}).content.decode()
        assert "Care plan review</strong>" in html and "Outcome measure</strong>" in html

    def test_bad_filters_are_named_and_the_list_still_shows(self, world, client):
        client.force_login(world.keyworker_mh)
        for params, message in [
            ({"not_seen": "soon"}, "Enter the number of days as a whole number, like 28."),
            ({"not_seen": "0"}, "Enter a number of 1 or more."),
            ({"not_seen": "99999"}, "Enter a number of 3,650 or less."),
            ({"quadrant": "V"}, "Choose a quadrant from the list."),
            ({"due": "everything"}, "Choose what is overdue from the list."),
            ({"q": "x" * 101}, "100"),
            ({"q": "Sam\x00"}, "hidden"),
        ]:
            response = client.get(reverse("caseload"), params)
            html = response.content.decode()
            assert response.status_code == 200, params
            assert "There is a problem" in html and message in html, params
            assert [row.person for row in response.context["rows"]] == [world.mh_only, world.service_user]

    def test_it_shows_25_a_page_with_the_count_and_keeps_the_filters_across_pages(self, world, client):
        team, key_worker = _caseload_world(world, 60)
        client.force_login(key_worker)
        response = client.get(reverse("caseload"), {"q": "person", "quadrant": "IV"})
        html = response.content.decode()
        assert len(response.context["rows"]) == 25
        assert len(re.findall(r'href="/people/[0-9a-f-]{36}/"', html)) == 25
        assert "Showing 1 to 25 of 60 people" in html
        assert "q=person&amp;show=mine&amp;quadrant=IV&amp;page=2" in html
        last = client.get(reverse("caseload"), {"q": "person", "quadrant": "IV", "page": "3"})
        assert [row.person.given_name for row in last.context["rows"]] == [
            f"Person{n:02d}" for n in range(50, 60)
        ]
        assert "Showing 51 to 60 of 60 people" in last.content.decode()

    def test_it_audits_the_people_on_the_page_shown_only(self, world, client):
        from dualcare.audit.models import AuditEvent

        team, key_worker = _caseload_world(world, 30)
        client.force_login(key_worker)
        client.get(reverse("caseload"))
        listed = AuditEvent.objects.filter(action="caseload.list", actor=key_worker)
        assert listed.count() == 25
        assert set(listed.values_list("service_user__given_name", flat=True)) == {
            f"Person{n:02d}" for n in range(25)
        }
        client.get(reverse("caseload"), {"q": "Person29"})
        assert listed.count() == 26 and listed.filter(service_user__given_name="Person29").exists()

    # session, user, two role checks (clinical, then team manager), my teams, whether I am anyone's
    # key worker (only when the page does not say whom to show), the count, the page of people
    # (quadrant and overdue flags as subqueries), their involvements, roles for the header; the
    # session save (savepoint, update, release); the audit of the page: acting organisations, insert.
    def test_it_issues_the_same_number_of_queries_for_3_and_30_people(
        self, world, client, django_assert_num_queries
    ):
        team, key_worker = _caseload_world(world, 3)
        client.force_login(key_worker)
        with django_assert_num_queries(16):
            response = client.get(reverse("caseload"))
        assert len(response.context["rows"]) == 3
        _caseload_world(world, 27, team=team, key_worker=key_worker)
        with django_assert_num_queries(16):
            response = client.get(reverse("caseload"))
        assert len(response.context["rows"]) == 25
        assert all(row.person.current_quadrant == "IV" for row in response.context["rows"])

    def test_every_filter_at_once_costs_no_more_queries(self, world, client, django_assert_num_queries):
        from dualcare.people.models import Involvement

        def begun_two_months_ago(team):  # so the assessment HoNOS is overdue for everyone
            Involvement.objects.filter(team=team).update(start=world.today - dt.timedelta(days=60))

        team, key_worker = _caseload_world(world, 3)
        begun_two_months_ago(team)
        client.force_login(key_worker)
        everything = {"show": "teams", "q": "Person", "quadrant": "IV", "due": "measure", "not_seen": "5"}
        # As above, less the key worker question (the page says whom to show).
        with django_assert_num_queries(15):
            response = client.get(reverse("caseload"), everything)
        assert len(response.context["rows"]) == 3
        _caseload_world(world, 27, team=team, key_worker=key_worker)
        begun_two_months_ago(team)
        with django_assert_num_queries(15):
            response = client.get(reverse("caseload"), {**everything, "page": "2"})
        assert response.context["page"].paginator.count == 30 and len(response.context["rows"]) == 5

    def test_the_managers_organisation_list_costs_the_same_for_3_and_30_people(
        self, world, client, django_assert_num_queries
    ):
        _caseload_world(world, 3)
        client.force_login(world.manager_mh)
        with django_assert_num_queries(15):
            response = client.get(reverse("caseload"), {"show": "organisation"})
        assert response.context["page"].paginator.count == 6
        _caseload_world(world, 27, team=TeamFactory(organisation=world.mh, name="East CMHT"))
        with django_assert_num_queries(15):
            response = client.get(reverse("caseload"), {"show": "organisation", "page": "2"})
        assert response.context["page"].paginator.count == 33
        assert len(response.context["rows"]) == 8


class PharmacyListTests:
    def test_it_issues_the_same_number_of_queries_whatever_the_list(
        self, world, client, django_assert_num_queries
    ):
        client.force_login(world.pharmacist)
        # Ten (the page's count and its people), and the audit of everyone listed (rule 6); the
        # safety flags the pharmacy may see of the page's people (its roles, the flags: issue 19).
        with django_assert_num_queries(14):
            client.get(reverse("pharmacy_list"))
        for n in range(5):
            someone = person(world.pharmacy_team, given_name=f"Pharm{n}", family_name="Customer")
            services.consent_record(
                service_user=someone, organisation=world.pharmacy_org, scope="contacts", by=world.pharmacist
            )
        with django_assert_num_queries(14):
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

    def test_it_searches_and_pages_the_pharmacys_people(self, world, client):
        for n in range(30):
            someone = person(world.pharmacy_team, given_name=f"Pharm{n:02d}", family_name="Customer")
            services.consent_record(
                service_user=someone, organisation=world.pharmacy_org, scope="contacts", by=world.pharmacist
            )
        client.force_login(world.pharmacist)
        first = client.get(reverse("pharmacy_list"), {"q": "customer"})
        assert len(first.context["people"]) == 25
        assert "Showing 1 to 25 of 30 people" in first.content.decode()
        assert 'href="?q=customer&amp;page=2"' in first.content.decode()
        assert [
            p.given_name for p in client.get(reverse("pharmacy_list"), {"q": "Pharm07"}).context["people"]
        ] == ["Pharm07"]
        sam = client.get(reverse("pharmacy_list"), {"q": world.service_user.nhs_number_display})
        assert list(sam.context["people"]) == [world.service_user]
        # Someone who shares nothing with the pharmacy is not found.
        assert list(client.get(reverse("pharmacy_list"), {"q": "Sampleton"}).context["people"]) == []
        assert (
            "No one matches your search."
            in client.get(reverse("pharmacy_list"), {"q": "Zz"}).content.decode()
        )


def test_the_caseloads_people_are_access_service_users_on_caseload(world):
    from dualcare import access
    from dualcare.people.selectors import CaseloadFilter, Show, caseload_people

    services.involvement_start(service_user=world.sm_only, team=world.cmht_south)
    for user in (
        world.keyworker_mh,
        world.keyworker_sm,
        world.manager_mh,
        world.linkworker_mh,
        world.outsider,
    ):
        listed = list(caseload_people(user, CaseloadFilter(show=Show.TEAMS)))
        assert len(listed) == len(set(listed)), user.username  # nobody twice
        assert set(listed) == set(access.service_users_on_caseload(user)), user.username
