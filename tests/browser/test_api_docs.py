"""The API documentation pages draw in a real browser under their Content-Security-Policy."""

import pytest

from .conftest import assert_no_csp_violations, forgive_csp_refusals
from .test_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ApiDocsTests:
    def test_swagger_ui_and_redoc_draw_the_schema_with_nothing_refused(self, page, world, settings):
        settings.REQUIRE_STAFF_2FA = False
        sign_in(page, "keyworker.mh", world.password)

        page.goto("/api/docs/")
        page.locator(".swagger-ui .opblock").first.wait_for()  # the operations, from the schema
        assert "DualCare API" in page.inner_text(".swagger-ui .info")
        assert_no_csp_violations(page, "Swagger UI (/api/docs/)")

        page.goto("/api/redoc/")
        # Redoc lays out the whole schema in the browser before it draws the heading: on a loaded
        # 2-core machine that took over the 15 s default (a CI run at load average 14).
        page.get_by_role("heading", name="DualCare API").first.wait_for(timeout=90_000)
        page.wait_for_load_state("networkidle")
        # Redoc's bundle always asks for its maker's logo from their CDN. Refusing it is the point
        # (no request to another site from a signed-in page); Redoc then hides the image.
        refused = forgive_csp_refusals(page, of="https://cdn.redoc.ly/redoc/logo-mini.svg")
        assert len(refused) <= 1
        assert page.locator("img[alt='redocly logo']").count() == 0
        assert_no_csp_violations(page, "Redoc (/api/redoc/)")
