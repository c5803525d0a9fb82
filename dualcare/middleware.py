from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from dualcare.accounts.services import two_factor_pending

# Paths a staff member may reach before completing two-factor sign-in. /api/ checks for itself:
# session auth there accepts only verified sessions, and tokens need a code (see dualcare.api).
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz")


class StaffTwoFactorMiddleware:
    """When REQUIRE_STAFF_2FA is on, staff must verify a TOTP code before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not request.path.startswith(_OPEN_PREFIXES) and two_factor_pending(user):
            return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Cache-Control: no-store on every response but static files.

    Nearly every page, API answer, CSV and PDF carries someone's personal data, and the few that
    do not (sign-in, errors) lose nothing by not being kept: one rule, so no view can forget it.
    A view that already said no-store (never_cache) keeps its own header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            response["Cache-Control"] = "no-store"
        return response
