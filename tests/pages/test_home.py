from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from dualcare.people import services
from dualcare.people.models import StaffRole
from tests.factories import UserFactory


class HomeTests:
    def test_it_sends_anonymous_visitors_to_sign_in(self, world, client):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL))

    def test_it_sends_each_kind_of_user_to_their_own_start_page(self, world, client):
        expected = [
            (world.service_user_login, "my_home"),
            (world.carer, "carer_home"),
            (world.keyworker_mh, "caseload"),
            (world.linkworker_mh, "caseload"),
            (world.manager_mh, "caseload"),
            (world.pharmacist, "pharmacy_list"),
            (world.orgadmin_mh, "organisation_home"),
        ]
        for user, name in expected:
            client.force_login(user)
            response = client.get(reverse("home"))
            assert (user.username, response.status_code, response.url) == (user.username, 302, reverse(name))

    def test_it_tells_staff_with_no_role_today_what_to_do(self, world, client):
        client.force_login(UserFactory(username="nobody.yet"))
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "You have no role in DualCare yet" in response.content.decode()

    def test_it_tells_a_system_admin_there_is_nothing_here_for_their_role(self, world, client):
        system_admin = UserFactory(username="sysadmin")
        services.staff_role_add(user=system_admin, team=world.mh_admin_team, role=StaffRole.Role.ADMIN)
        client.force_login(system_admin)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "There are no pages here for your role" in response.content.decode()

    def test_it_sends_an_org_admin_who_also_holds_a_clinical_role_to_the_caseload(self, world, client):
        services.staff_role_add(user=world.orgadmin_mh, team=world.cmht_north, role=StaffRole.Role.KEY_WORKER)
        client.force_login(world.orgadmin_mh)
        assert client.get(reverse("home")).url == reverse("caseload")


class BaseTemplateTests:
    def test_it_shows_staff_their_name_organisation_and_role_and_a_sign_out_form(self, world, client):
        world.keyworker_mh.first_name, world.keyworker_mh.last_name = "Morgan", "Keyworth"
        world.keyworker_mh.save()
        client.force_login(world.keyworker_mh)
        html = client.get(reverse("caseload")).content.decode()
        assert '<html lang="en-GB">' in html
        assert 'href="#maincontent"' in html and 'id="maincontent"' in html
        assert "Morgan Keyworth" in html
        assert "Key worker, Testshire Mental Health Trust" in html
        assert f'action="{reverse("logout")}" method="post"' in html
        assert "<title>Caseload – DualCare</title>" in html

    def test_it_shows_a_service_user_only_their_name_and_their_own_links(self, world, client):
        client.force_login(world.service_user_login)
        html = client.get(reverse("my_home")).content.decode()
        assert world.service_user_login.display_name in html
        assert "Key worker" not in html.split("</header>")[0]
        assert reverse("my_record_views") in html and reverse("caseload") not in html

    def test_it_gives_each_role_only_the_navigation_it_can_use(self, world, client):
        client.force_login(world.pharmacist)
        header = client.get(reverse("pharmacy_list")).content.decode().split("</header>")[0]
        assert reverse("pharmacy_list") in header
        assert reverse("caseload") not in header and reverse("organisation_home") not in header
        client.force_login(world.orgadmin_mh)
        header = client.get(reverse("home"), follow=True).content.decode().split("</header>")[0]
        assert reverse("organisation_home") in header and reverse("caseload") not in header

    def test_the_carers_menu_says_the_plans_are_what_was_shared_with_them(self, world, client):
        client.force_login(world.carer)
        header = client.get(reverse("carer_home")).content.decode().split("</header>")[0]
        assert "Plans shared with you" in header and ">Care plan<" not in header

    def test_it_loads_the_vendored_nhsuk_frontend_and_marks_the_body_for_its_scripts(self, world, client):
        client.force_login(world.keyworker_mh)
        html = client.get(reverse("caseload")).content.decode()
        assert "vendor/nhsuk-frontend/nhsuk-frontend.min.css" in html
        # From files, not inline scripts (the Content-Security-Policy forbids those).
        assert '<script src="/static/js/js-enabled.js"></script>' in html
        assert '<script type="module" src="/static/js/dualcare.js"></script>' in html
        static_js = settings.BASE_DIR / "static/js"
        assert "nhsuk-frontend-supported" in (static_js / "js-enabled.js").read_text()
        assert (
            'import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js"'
            in (static_js / "dualcare.js").read_text()
        )
        for path in ("nhsuk-frontend.min.css", "nhsuk-frontend.min.js", "VERSION", "LICENSE"):
            assert (settings.BASE_DIR / "static/vendor/nhsuk-frontend" / path).exists()
        assert (settings.BASE_DIR / "static/vendor/htmx/htmx.min.js").exists()


class ErrorPageTests:
    def test_it_shows_a_plain_not_found_page_without_saying_whether_the_person_exists(self, world, client):
        client.force_login(world.keyworker_mh_south)
        response = client.get(reverse("service_user_detail", args=[world.service_user.pk]))
        html = response.content.decode()
        assert response.status_code == 404
        assert "Page not found" in html
        assert world.service_user.family_name not in html

    def test_it_renders_the_server_error_page_with_no_request_context(self):
        from django.template import Context, Engine, loader

        template = loader.get_template("500.html")
        html = template.template.render(Context({}))
        assert "Sorry, there is a problem with the service" in html
        assert isinstance(Engine.get_default(), Engine)
