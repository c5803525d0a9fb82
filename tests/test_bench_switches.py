"""bench/trust.py's two switches (dualcare/bench.py): the floor page and the X-Query-Count header.

Both are off by default: no /_bench/ route, no header. On, the floor is the base template for
staff only, and the header counts every query the request ran."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from tests import bench_urls  # noqa: F401  (imports dualcare.urls now, with the floor switched off)
from tests.test_settings import run_python

_SWITCHES = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")
import django
django.setup()
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
try:
    floor = resolve("/_bench/floor/").url_name
except Resolver404:
    floor = None
print(json.dumps({"floor": floor, "page": settings.BENCH_FLOOR_PAGE, "count": settings.BENCH_QUERY_COUNT,
                  "first": settings.MIDDLEWARE[0]}))
"""
COUNTER = "dualcare.bench.QueryCountMiddleware"


def switches(tmp_path, **env) -> dict:
    result = run_python(tmp_path, {"DEBUG": "1", **env}, "-c", _SWITCHES)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class BenchSettingsTests:
    def test_it_has_neither_the_floor_nor_the_counter_by_default(self, tmp_path):
        values = switches(tmp_path)
        assert values["page"] is False and values["count"] is False
        assert values["floor"] is None
        assert values["first"] != COUNTER

    def test_it_serves_the_floor_and_counts_queries_when_switched_on(self, tmp_path):
        values = switches(tmp_path, BENCH_FLOOR_PAGE="1", BENCH_QUERY_COUNT="1")
        assert values["floor"] == "bench_floor"
        assert values["first"] == COUNTER  # outermost: the session and sign-in queries count too

    def test_it_fails_loudly_on_a_bad_value(self, tmp_path):
        result = run_python(tmp_path, {"DEBUG": "1", "BENCH_QUERY_COUNT": "lots"}, "-c", _SWITCHES)
        assert result.returncode != 0
        assert "BENCH_QUERY_COUNT must be a boolean" in result.stderr

    def test_the_test_site_has_no_floor_route(self):
        with pytest.raises(Resolver404):
            resolve("/_bench/floor/", urlconf=settings.ROOT_URLCONF)


@pytest.mark.urls("tests.bench_urls")
class FloorPageTests:
    def test_it_shows_staff_the_base_template_and_nothing_else(self, world, client, settings):
        settings.BENCH_FLOOR_PAGE = True
        client.force_login(world.keyworker_mh)
        response = client.get("/_bench/floor/")
        assert response.status_code == 200
        assert [t.name for t in response.templates][:2] == ["bench/floor.html", "base.html"]
        text = response.content.decode()
        assert "Sign out" in text
        assert world.service_user.family_name not in text

    def test_it_is_not_there_for_people_or_carers(self, world, client, settings):
        settings.BENCH_FLOOR_PAGE = True
        for user in (world.service_user_login, world.carer):
            client.force_login(user)
            assert client.get("/_bench/floor/").status_code == 404

    def test_it_sends_nobody_signed_in_to_sign_in(self, world, client, settings):
        settings.BENCH_FLOOR_PAGE = True
        response = client.get("/_bench/floor/")
        assert response.status_code == 302
        assert response.url.startswith(resolve_url(settings.LOGIN_URL))

    def test_it_is_not_found_when_switched_off(self, world, client):
        assert settings.BENCH_FLOOR_PAGE is False
        client.force_login(world.keyworker_mh)
        assert client.get("/_bench/floor/").status_code == 404


@pytest.mark.urls("tests.bench_urls")
class QueryCountHeaderTests:
    def test_it_says_how_many_queries_the_request_ran(self, world, client, settings):
        settings.MIDDLEWARE = [COUNTER, *settings.MIDDLEWARE]
        client.force_login(world.keyworker_mh)
        for url in ("/caseload/", f"/people/{world.service_user.pk}/"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            assert int(response["X-Query-Count"]) == len(queries) > 0, url

    def test_it_adds_no_header_when_switched_off(self, world, client):
        client.force_login(world.keyworker_mh)
        assert "X-Query-Count" not in client.get("/caseload/")
