from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a staff member may reach before completing two-factor sign-in.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/api/", "/healthz")


class StaffTwoFactorMiddleware:
    """When REQUIRE_STAFF_2FA is on, staff must verify a TOTP code before anything else.

    The API has its own check at token issue (see dualcare.api).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_STAFF_2FA
            and user is not None
            and user.is_authenticated
            and user.kind == user.Kind.STAFF
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            return redirect(f"{reverse('two_factor')}?next={request.path}")
        return self.get_response(request)
