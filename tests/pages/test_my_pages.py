import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from freezegun import freeze_time

from dualcare import access
from dualcare.people import services
from dualcare.people.models import CarerPermission
from tests.factories import TEST_PASSWORD, person


class MyHomeTests:
    def test_it_shows_the_person_their_care_team_in_plain_words(self, world, client):
        world.cmht_north.phone = "0115 496 0000"
        world.cmht_north.save()
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_home"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Your care team" in html and "Your key worker" in html
        assert "North CMHT" in html and escape(world.keyworker_mh.display_name) in html
        assert 'href="tel:01154960000"' in html
        assert "Testshire Drug and Alcohol Service" in html and "Test Street Pharmacy" in html
        assert reverse("my_record_views") in html and reverse("my_carers") in html
        assert "service user" not in html.lower()

    def test_it_is_only_for_service_users(self, world, client):
        for user in (world.keyworker_mh, world.carer, world.orgadmin_mh):
            client.force_login(user)
            for name in ("my_home", "my_record_views", "my_carers"):
                assert client.get(reverse(name)).status_code == 404, (user.username, name)

    def test_it_sends_anonymous_visitors_to_sign_in(self, world, client):
        assert client.get(reverse("my_home")).status_code == 302


class RecordViewsTests:
    def test_it_shows_who_looked_and_what_they_did_in_plain_words(self, world, client):
        client.force_login(world.keyworker_sm)
        client.get(reverse("service_user_detail", args=[world.service_user.pk]))
        client.force_login(world.service_user_login)
        html = client.get(reverse("my_record_views")).content.decode()
        assert "Looked at your record" in html
        assert "Recorded your consent to share" in html
        assert (
            escape(world.keyworker_sm.display_name) in html and "Testshire Drug and Alcohol Service" in html
        )
        assert "service_user.view" not in html and "consent.record" not in html

    def test_it_does_not_show_another_persons_record_views(self, world, client):
        client.force_login(world.service_user_login)
        before = client.get(reverse("my_record_views")).context["page"].paginator.count
        with freeze_time(timezone.now() + dt.timedelta(hours=1)):
            client.force_login(world.keyworker_sm)
            client.get(reverse("service_user_detail", args=[world.sm_only.pk]))
            client.force_login(world.service_user_login)
            response = client.get(reverse("my_record_views"))
        assert response.context["page"].paginator.count == before

    def test_it_issues_the_same_number_of_queries_for_3_and_30_views(
        self, world, client, django_assert_num_queries
    ):
        someone = person(
            world.cmht_north, key_worker=world.keyworker_mh, given_name="Quinn", family_name="Counted"
        )
        login = services.portal_login_create(
            service_user=someone,
            username="quinn",
            email="q@example.invalid",
            by=world.keyworker_mh,
            password=TEST_PASSWORD,
        )
        # Visits a quarter of an hour apart: each is a row.
        visit_at = timezone.now() - dt.timedelta(days=2)

        def visits(n):
            nonlocal visit_at
            for _ in range(n):
                visit_at += dt.timedelta(minutes=15)
                with freeze_time(visit_at):
                    access.get_service_user_or_404(world.keyworker_mh, someone.pk)

        visits(3)
        client.force_login(login)
        # session, user, own record, count of visits, the page of visits, their rows (actor and
        # organisation joined), staff roles of actors whose rows name no organisation (those that
        # set the person up), new-messages count; session save (3).
        with django_assert_num_queries(11):
            first = client.get(reverse("my_record_views"))
        visits(27)
        with django_assert_num_queries(11):
            second = client.get(reverse("my_record_views"))
        assert len(first.context["page"].object_list) < len(second.context["page"].object_list) == 25
        assert second.context["page"].paginator.count >= 30
        assert client.get(reverse("my_record_views"), {"page": 2}).status_code == 200


class MyCarersTests:
    def test_it_shows_what_the_carer_can_see_as_ticked_boxes(self, world, client):
        client.force_login(world.service_user_login)
        response = client.get(reverse("my_carers"))
        html = response.content.decode()
        assert "Pat Testwell" in html
        assert f'name="{world.carer_link.pk}-scopes" type="checkbox" value="care_plan" checked' in html
        assert f'name="{world.carer_link.pk}-scopes" type="checkbox" value="appointments">' in html

    def test_it_grants_and_revokes_through_the_services_and_the_carer_sees_the_change(self, world, client):
        client.force_login(world.service_user_login)
        response = client.post(
            reverse("my_carers"),
            {"carer": world.carer_link.pk, f"{world.carer_link.pk}-scopes": ["appointments", "outcomes"]},
        )
        assert response.status_code == 302
        assert access.carer_scopes(world.carer, world.service_user) == {"appointments", "outcomes"}
        revoked = CarerPermission.objects.get(carer=world.carer_link, scope="care_plan")
        assert revoked.revoked_by == world.service_user_login
        client.force_login(world.carer)
        html = client.get(reverse("carer_home")).content.decode()
        assert "Sam&#x27;s appointments" in html
        assert "Sam&#x27;s crisis and relapse-prevention plan" not in html

    def test_it_shares_nothing_when_every_box_is_cleared(self, world, client):
        client.force_login(world.service_user_login)
        client.post(reverse("my_carers"), {"carer": world.carer_link.pk})
        assert access.carer_scopes(world.carer, world.service_user) == set()

    def test_it_rejects_an_unknown_scope_and_changes_nothing(self, world, client):
        client.force_login(world.service_user_login)
        response = client.post(
            reverse("my_carers"), {"carer": world.carer_link.pk, f"{world.carer_link.pk}-scopes": ["risk"]}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()
        assert access.carer_scopes(world.carer, world.service_user) == {"care_plan"}

    def test_it_ignores_a_carer_who_is_not_the_persons_own(self, world, client):
        other_login = services.portal_login_create(
            service_user=world.mh_only, username="alex", email="a@example.invalid", by=world.keyworker_mh
        )
        client.force_login(other_login)
        response = client.post(
            reverse("my_carers"),
            {"carer": world.carer_link.pk, f"{world.carer_link.pk}-scopes": ["outcomes"]},
        )
        assert response.status_code == 200
        assert "Pat Testwell" not in response.content.decode()
        assert access.carer_scopes(world.carer, world.service_user) == {"care_plan"}


class CarerHomeTests:
    def test_it_shows_only_what_the_person_granted_and_says_the_rest_is_private(self, world, client):
        client.force_login(world.carer)
        response = client.get(reverse("carer_home"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Sam Testwell" in html and "Sam&#x27;s crisis and relapse-prevention plan" in html
        assert "Sam&#x27;s appointments" not in html
        assert "Everything else about Sam's care is private to Sam" in html
        assert world.service_user.nhs_number_display not in html

    def test_it_shows_nobody_once_everything_is_revoked(self, world, client):
        services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        client.force_login(world.carer)
        html = client.get(reverse("carer_home")).content.decode()
        assert "Sam" not in html and "No one has chosen to share anything with you yet" in html

    def test_it_is_only_for_carers(self, world, client):
        for user in (world.keyworker_mh, world.service_user_login):
            client.force_login(user)
            assert client.get(reverse("carer_home")).status_code == 404
