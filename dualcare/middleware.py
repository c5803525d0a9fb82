from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

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


class LanguageResetMiddleware:
    """Back to the default language once a response is made: LocaleMiddleware and
    UserLanguageMiddleware activate a language for the thread and leave it, so whatever the thread
    does next outside a request (a task run eagerly, the next test) would be in a Welsh user's
    language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            translation.deactivate()


class UserLanguageMiddleware:
    """Pages in the language the signed-in user chose (`User.language`), whatever the browser says.

    Django's LocaleMiddleware, before this one, has already chosen from the language cookie or the
    browser's Accept-Language. A user's own choice wins once they sign in, and is written to the
    language cookie so the pages after signing out (and the next sign-in page) stay in it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = user.language if user is not None and user.is_authenticated else ""
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if chosen and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != chosen:
            language_cookie_set(response, chosen)
        return response


def language_cookie_set(response, language: str) -> None:
    """Remember a language in the browser (a preference, not personal data), as Django's own does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
