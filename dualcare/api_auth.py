"""API authentication and permission classes (kept apart from views: DRF settings import them)."""

from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission


def needs_second_factor(user) -> bool:
    from dualcare.accounts.services import two_factor_required

    return two_factor_required(user)


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session auth that, when staff two-factor is required, accepts only verified sessions."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        if needs_second_factor(user) and not (hasattr(user, "is_verified") and user.is_verified()):
            raise exceptions.AuthenticationFailed("Finish two-factor sign-in first.")
        return result


class IsStaff(BasePermission):
    message = "Only staff can use this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.kind == user.Kind.STAFF)


class IsStaffOrPersonReading(BasePermission):
    """Staff do everything the view allows; a service user or a carer only reads (GET), and the
    view narrows what they read to what their portal pages show them."""

    message = "Only staff can do this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.kind == user.Kind.STAFF:
            return True
        return user.kind in (user.Kind.SERVICE_USER, user.Kind.CARER) and request.method in SAFE_METHODS
