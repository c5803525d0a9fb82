"""The API's documentation pages (Swagger UI and Redoc, self-hosted by drf-spectacular-sidecar)
under the site's Content-Security-Policy.

Swagger UI runs with no inline script (drf-spectacular's split view serves its start-up script
as a file) and needs only data: images (its icons). Redoc draws with styled-components, which
writes <style> elements at run time, uses data: images and searches in a blob: worker: so the
Redoc page, and only it, allows inline styles and blob: workers. Neither allows inline or eval'd
script, nor anything from another site: Redoc's bundle asks for its maker's logo from their CDN,
which is refused (Redoc then hides it). tests/browser/test_api_docs.py draws both pages.
"""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


def swagger_view(*, url_name: str):
    view = SpectacularSwaggerSplitView.as_view(url_name=url_name, template_name="api/swagger_ui.html")
    return csp_update({"img-src": ["'self'", "data:"]})(view)


def redoc_view(*, url_name: str):
    view = SpectacularRedocView.as_view(url_name=url_name, template_name="api/redoc.html")
    return csp_update(
        {"style-src": ["'unsafe-inline'"], "img-src": ["'self'", "data:"], "worker-src": ["'self'", "blob:"]}
    )(view)
