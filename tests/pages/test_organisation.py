from django.urls import reverse

from dualcare import access
from dualcare.people import services
from dualcare.people.models import StaffRole, Team, User
from tests.factories import staff

Role = StaffRole.Role


def _org_url(world):
    return reverse("organisation_detail", args=[world.mh.pk])


class OrganisationAdminTests:
    def test_it_shows_the_admin_their_own_organisations_teams_and_staff(self, world, client):
        client.force_login(world.orgadmin_mh)
        response = client.get(reverse("organisation_home"))
        assert response.status_code == 302 and response.url == _org_url(world)
        html = client.get(_org_url(world)).content.decode()
        assert "North CMHT" in html and "South CMHT" in html
        assert "keyworker.mh" in html and "Key worker, North CMHT" in html
        assert "Recovery Team" not in html and "keyworker.sm" not in html

    def test_it_shows_no_clinical_records_to_the_admin(self, world, client):
        client.force_login(world.orgadmin_mh)
        html = client.get(_org_url(world)).content.decode()
        assert world.service_user.family_name not in html
        assert client.get(reverse("service_user_detail", args=[world.mh_only.pk])).status_code == 404

    def test_it_adds_a_team_and_shows_field_errors_for_a_duplicate_name(self, world, client):
        client.force_login(world.orgadmin_mh)
        url = reverse("team_create", args=[world.mh.pk])
        response = client.post(url, {"name": "East CMHT", "phone": "0115 496 0001", "is_active": "on"})
        assert response.status_code == 302
        team = Team.objects.get(organisation=world.mh, name="East CMHT")
        assert team.phone == "0115 496 0001" and team.is_active
        before = Team.objects.count()
        response = client.post(url, {"name": "north cmht", "is_active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors["name"] == [
            "Your organisation already has a team with this name."
        ]
        assert Team.objects.count() == before

    def test_it_edits_a_team(self, world, client):
        client.force_login(world.orgadmin_mh)
        url = reverse("team_edit", args=[world.cmht_south.pk])
        assert 'value="South CMHT"' in client.get(url).content.decode()
        response = client.post(
            url, {"name": "South CMHT", "description": "Covers the south", "email": "south@example.invalid"}
        )
        assert response.status_code == 302
        world.cmht_south.refresh_from_db()
        assert world.cmht_south.description == "Covers the south" and world.cmht_south.is_active is False

    def test_it_gives_404_for_another_organisations_team_staff_and_roles(self, world, client):
        client.force_login(world.orgadmin_mh)
        sm_role = StaffRole.objects.get(user=world.keyworker_sm)
        assert client.get(reverse("organisation_detail", args=[world.sm.pk])).status_code == 404
        assert client.get(reverse("team_create", args=[world.sm.pk])).status_code == 404
        assert (
            client.post(reverse("team_edit", args=[world.sm_team.pk]), {"name": "Hijacked"}).status_code
            == 404
        )
        assert client.get(reverse("staff_detail", args=[world.keyworker_sm.pk])).status_code == 404
        assert client.post(reverse("staff_role_end", args=[sm_role.pk])).status_code == 404
        world.sm_team.refresh_from_db()
        sm_role.refresh_from_db()
        assert world.sm_team.name == "Recovery Team" and sm_role.end is None

    def test_it_refuses_the_admin_pages_to_everyone_else(self, world, client):
        for user, status in [
            (world.keyworker_mh, 403),
            (world.manager_mh, 403),
            (world.pharmacist, 403),
            (world.service_user_login, 404),
            (world.carer, 404),
        ]:
            client.force_login(user)
            assert client.get(reverse("organisation_home")).status_code == status, user.username
            assert client.get(_org_url(world)).status_code == status, user.username

    def test_it_adds_a_staff_member_with_no_password_and_their_first_role(self, world, client):
        client.force_login(world.orgadmin_mh)
        response = client.post(
            reverse("staff_create", args=[world.mh.pk]),
            {
                "first_name": "Nia",
                "last_name": "Newstarter",
                "email": "nia@example.invalid",
                "username": "nia.newstarter",
                "team": world.cmht_north.pk,
                "role": Role.KEY_WORKER,
            },
        )
        assert response.status_code == 302
        created = User.objects.get(username="nia.newstarter")
        assert created.kind == User.Kind.STAFF and not created.has_usable_password()
        assert access.active_roles(created).get().team == world.cmht_north
        assert access.can_view_record(created, world.service_user)

    def test_it_shows_a_taken_username_on_the_username_field_and_creates_nobody(self, world, client):
        client.force_login(world.orgadmin_mh)
        before = User.objects.count()
        response = client.post(
            reverse("staff_create", args=[world.mh.pk]),
            {
                "first_name": "Dup",
                "last_name": "Licate",
                "email": "dup@example.invalid",
                "username": "keyworker.mh",
                "team": world.cmht_north.pk,
                "role": Role.KEY_WORKER,
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["username"] == ["This username is taken."]
        assert '<a href="#username">This username is taken.</a>' in response.content.decode()
        assert User.objects.count() == before

    def test_it_does_not_offer_another_organisations_teams_for_new_staff(self, world, client):
        client.force_login(world.orgadmin_mh)
        response = client.post(
            reverse("staff_create", args=[world.mh.pk]),
            {
                "first_name": "Sly",
                "last_name": "Crosser",
                "email": "sly@example.invalid",
                "username": "sly",
                "team": world.sm_team.pk,
                "role": Role.KEY_WORKER,
            },
        )
        assert "team" in response.context["form"].errors
        assert not User.objects.filter(username="sly").exists()

    def test_it_adds_a_role_and_ends_a_role_and_access_follows(self, world, client):
        client.force_login(world.orgadmin_mh)
        url = reverse("staff_detail", args=[world.keyworker_mh_south.pk])
        assert not access.can_view_record(world.keyworker_mh_south, world.service_user)
        response = client.post(url, {"team": world.cmht_north.pk, "role": Role.KEY_WORKER})
        assert response.status_code == 302
        assert access.can_view_record(world.keyworker_mh_south, world.service_user)
        north_role = StaffRole.objects.get(user=world.keyworker_mh_south, team=world.cmht_north)
        response = client.post(reverse("staff_role_end", args=[north_role.pk]))
        assert response.status_code == 302 and response.url == url
        assert not access.can_view_record(world.keyworker_mh_south, world.service_user)
        assert client.get(reverse("staff_role_end", args=[north_role.pk])).status_code == 405

    def test_it_manages_an_admin_of_two_organisations_one_at_a_time(self, world, client):
        staff_two = staff("orgadmin.two", world.mh_admin_team, Role.ORG_ADMIN)
        services.staff_role_add(user=staff_two, team=world.sm_team, role=Role.ORG_ADMIN)
        client.force_login(staff_two)
        response = client.get(reverse("organisation_home"))
        assert response.status_code == 200
        assert list(response.context["organisations"]) == [world.sm, world.mh]
        assert client.get(reverse("organisation_detail", args=[world.sm.pk])).status_code == 200
