"""DualCare's own error pages, never Django's debug pages, whatever DEBUG is."""

import pytest
from django.test import Client
from django.urls import include, path, reverse

pytestmark = pytest.mark.django_db


def _fails(request):
    raise RuntimeError("a bug")


# The project's URLs, plus one view that fails, for the 500 page.
urlpatterns = [path("test-fails/", _fails), path("", include("dualcare.urls"))]

DEBUG_PAGE_MARKS = ("URLconf", "Using the URLconf", "Traceback", "technical_404", "DEBUG = True")


@pytest.fixture(params=[True, False], ids=["DEBUG on", "DEBUG off"])
def debug(request, settings):
    settings.DEBUG = request.param
    settings.REQUIRE_STAFF_2FA = False
    return request.param


def _assert_not_a_debug_page(html: str):
    for mark in DEBUG_PAGE_MARKS:
        assert mark not in html, mark
    assert "uuid:" not in html  # no list of URL patterns such as people/<uuid:pk>/


@pytest.mark.urls("tests.test_error_pages")
class ErrorPageTests:
    def test_a_hidden_record_is_the_projects_404_page(self, debug, client, world):
        for user in (world.service_user_login, world.carer, world.keyworker_sm):
            client.force_login(user)
            response = client.get(reverse("service_user_detail", args=[world.mh_only.pk]))
            assert response.status_code == 404
            html = response.content.decode()
            assert "<h1>Page not found</h1>" in html
            _assert_not_a_debug_page(html)

    def test_an_unknown_address_is_the_projects_404_page(self, debug, client, world):
        client.force_login(world.service_user_login)
        response = client.get("/no-such-page/at-all/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "<h1>Page not found</h1>" in html
        _assert_not_a_debug_page(html)

    def test_a_refused_page_is_the_projects_403_page(self, debug, client, world):
        client.force_login(world.keyworker_mh)
        response = client.get(reverse("organisation_home"))
        assert response.status_code == 403
        html = response.content.decode()
        assert "You cannot use this page" in html
        _assert_not_a_debug_page(html)

    def test_a_failure_is_the_projects_500_page(self, debug, world):
        client = Client(raise_request_exception=False)
        client.force_login(world.keyworker_mh)
        response = client.get("/test-fails/")
        assert response.status_code == 500
        html = response.content.decode()
        assert "Sorry, there is a problem with the service" in html
        _assert_not_a_debug_page(html)
        assert "a bug" not in html and "RuntimeError" not in html

    def test_a_missing_slash_still_redirects(self, debug, client, world):
        client.force_login(world.keyworker_mh)
        response = client.get("/caseload")
        assert response.status_code == 301 and response.url == "/caseload/"
