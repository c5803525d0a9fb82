"""DualCare's own 404, 403 and 500 pages, whatever DEBUG is.

With DEBUG on, Django answers with its debug pages instead: every URL pattern for a 404, the
settings and a traceback for a 500. Anyone can set DEBUG, and a service user who follows an old
link to a hidden record must see the same "Page not found" page as in production.
"""

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils.log import log_response
from django.views import defaults

log = logging.getLogger("django.request")


class ProjectErrorPagesMiddleware:
    """Stands in for Django's debug pages while DEBUG is on; does nothing with DEBUG off, where
    Django already shows the templates 404.html, 403.html and 500.html."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # A path that matched no URL pattern never reaches a view (so not process_exception).
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return defaults.bad_request(request, exception)
        # As Django does for an uncaught exception: tell listeners, log it, then the 500 page.
        signals.got_request_exception.send(sender=None, request=request)
        response = defaults.server_error(request)
        log_response(
            "%s: %s",
            "Internal Server Error",
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response
