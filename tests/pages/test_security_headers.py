"""Security headers (issue 12, item 6): a strict Content-Security-Policy on every response, and
Cache-Control: no-store on every response that may carry personal data: pages, API, CSV, PDF
and error pages. Static files keep their own long cache."""

import re

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from rest_framework.test import APIClient

from dualcare import urls as site_urls
from dualcare.middleware import NoStoreMiddleware
from tests.linkworkers.conftest import lw  # noqa: F401  (a link meeting, for its agenda PDF)
from tests.outcomes.helpers import make_honos

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug in a view")


# The site's own URLs, and one view that fails, for the server error page.
urlpatterns = [*site_urls.urlpatterns, path("boom/", _boom)]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def assert_strict_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def token_client(world, username="keyworker.mh") -> APIClient:
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": username, "password": world.password})
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


@pytest.fixture
def server_errors_as_pages(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


class ContentSecurityPolicyTests:
    def test_it_is_on_the_sign_in_page_and_signed_in_pages(self, client, world):
        assert_strict_policy(client.get("/accounts/login/"))
        client.force_login(world.keyworker_mh)
        assert_strict_policy(client.get("/caseload/"))
        assert_strict_policy(client.get(f"/people/{world.service_user.pk}/"))

    def test_it_is_on_api_answers_good_and_bad(self, world):
        api = token_client(world)
        assert_strict_policy(api.get("/api/v1/me/"))
        assert_strict_policy(api.get("/api/v1/service-users/"))
        assert_strict_policy(APIClient().get("/api/v1/me/"))  # 401
        assert_strict_policy(APIClient().post("/api/v1/auth/token/", {}))  # 400

    def test_it_is_on_error_pages(self, client, world, server_errors_as_pages):
        client.force_login(world.keyworker_mh_south)
        not_found = client.get(f"/people/{world.sm_only.pk}/")
        assert not_found.status_code == 404
        assert_strict_policy(not_found)
        server_error = client.get("/boom/")
        assert server_error.status_code == 500
        assert_strict_policy(server_error)

    def test_the_csrf_failure_page_is_ours_with_no_inline_style(self, world):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(world.keyworker_mh)
        response = client.post("/accounts/logout/")
        assert response.status_code == 403
        html = response.content.decode()
        assert "Your form was not sent" in html and "Nothing was saved" in html
        assert "<style" not in html and " style=" not in html
        assert_strict_policy(response)
        assert response["Cache-Control"] == "no-store"

    def test_it_is_on_the_admin(self, client, world):
        world.orgadmin_mh.is_staff = world.orgadmin_mh.is_superuser = True
        world.orgadmin_mh.save(update_fields=["is_staff", "is_superuser"])
        client.force_login(world.orgadmin_mh)
        response = client.get("/django-admin/")
        assert response.status_code == 200
        assert_strict_policy(response)

    def test_it_widens_only_what_each_api_docs_page_needs_and_never_for_scripts(self, client, world):
        client.force_login(world.keyworker_mh)
        swagger = client.get("/api/docs/")
        assert swagger.status_code == 200
        html = swagger.content.decode()
        assert "<script>" not in html and "<style>" not in html
        assert "/api/docs/?script=" in html  # the start-up script is a file from the same view
        policy = directives(swagger)
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["img-src"] == "'self' data:"  # Swagger UI's icons
        script = client.get("/api/docs/", {"script": ""})
        assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")

        redoc = client.get("/api/redoc/")
        assert redoc.status_code == 200
        html = redoc.content.decode()
        assert "<script>" not in html and "<style>" not in html
        assert "fonts.googleapis.com" not in html  # nothing from another site
        policy = directives(redoc)
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == "'self' 'unsafe-inline'"  # styled-components writes <style>
        assert "unsafe-eval" not in redoc["Content-Security-Policy"]

    def test_the_base_template_carries_no_inline_script_or_style(self, client, world):
        client.force_login(world.keyworker_mh)
        html = client.get("/caseload/").content.decode()
        assert "<script>" not in html and '<script type="module">' not in html
        assert " style=" not in html and "<style" not in html
        assert '"includeIndicatorStyles": false' in html  # htmx would add a <style> element


# What the policy refuses, written into a template: a script with a body, a style attribute or
# element, an event handler attribute, a javascript: link. Templates only WeasyPrint reads (their
# names say pdf) may have <style>: no browser applies a page policy to a PDF.
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: link": re.compile(r"javascript:", re.I),
}
STYLE_ELEMENT = re.compile(r"<style", re.I)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


class InlineCodeTests:
    def test_no_template_has_what_the_policy_refuses(self):
        found = []
        for template in sorted((django_settings.BASE_DIR / "templates").rglob("*.html")):
            source = TEMPLATE_COMMENT.sub("", template.read_text())
            checks = dict(INLINE)
            if "pdf" not in template.name:
                checks["a <style> element"] = STYLE_ELEMENT
            found += [
                f"{template.name}: {what}" for what, pattern in checks.items() if pattern.search(source)
            ]
        assert not found, found

    def test_the_checks_find_what_they_look_for(self):
        for sample in ("<script>alert(1)</script>", '<p style="color:red">', '<a onclick="go()">', "<style>"):
            assert any(p.search(sample) for p in [*INLINE.values(), STYLE_ELEMENT]), sample
        assert not any(p.search('<script src="/static/js/dualcare.js"></script>') for p in INLINE.values())


class NoStoreTests:
    def test_it_is_on_pages(self, client, world):
        client.force_login(world.keyworker_mh)
        for url in ("/caseload/", f"/people/{world.service_user.pk}/", "/alerts/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Cache-Control"] == "no-store", url

    def test_it_keeps_a_views_own_never_cache(self, client):
        # The sign-in page says never_cache itself (max-age=0, no-cache, no-store, ...).
        cache_control = client.get("/accounts/login/")["Cache-Control"]
        assert "no-store" in cache_control and cache_control.startswith("max-age=0")

    def test_it_is_on_api_answers_and_the_token_itself(self, world):
        anonymous = APIClient()
        issued = anonymous.post(
            "/api/v1/auth/token/", {"username": "keyworker.mh", "password": world.password}
        )
        assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
        api = token_client(world)
        for url in (
            "/api/v1/me/",
            "/api/v1/service-users/",
            f"/api/v1/service-users/{world.service_user.pk}/",
        ):
            response = api.get(url)
            assert response.status_code == 200, url
            assert response["Cache-Control"] == "no-store", url
        assert anonymous.get("/api/v1/me/")["Cache-Control"] == "no-store"

    def test_it_is_on_csv_exports(self, client, world):
        make_honos(world)
        client.force_login(world.keyworker_mh)
        response = client.get(f"/outcomes/teams/{world.cmht_north.pk}/export.csv", {"instrument": "honos"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Cache-Control"] == "no-store"

    def test_it_is_on_pdfs(self, client, lw):  # noqa: F811
        client.force_login(lw.linkworker_mh)
        response = client.get(f"/link-workers/meetings/{lw.meeting.pk}/agenda.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "no-store"

    def test_it_is_on_error_pages(self, client, world, server_errors_as_pages):
        client.force_login(world.keyworker_mh_south)
        assert client.get(f"/people/{world.sm_only.pk}/")["Cache-Control"] == "no-store"
        assert client.get("/boom/")["Cache-Control"] == "no-store"

    def test_static_files_keep_their_long_cache(self, settings):
        long_cache = "max-age=315360000, public, immutable"

        def static_file(request):
            response = HttpResponse(b"body{}", content_type="text/css")
            response["Cache-Control"] = long_cache
            return response

        middleware = NoStoreMiddleware(static_file)
        request = RequestFactory().get(f"{settings.STATIC_URL}css/dualcare.abc123.css")
        assert middleware(request)["Cache-Control"] == long_cache
        assert middleware(RequestFactory().get("/caseload/"))["Cache-Control"] == "no-store"
