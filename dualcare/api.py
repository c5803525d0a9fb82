"""Shared API plumbing: errors in the contract's shape, authentication, token issue."""

import logging

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from redis.exceptions import RedisError
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from dualcare.api_auth import needs_second_factor
from dualcare.exceptions import ApplicationError, StateConflict

logger = logging.getLogger(__name__)


def validation_error(error: ApplicationError) -> exceptions.ValidationError:
    """A service's refusal as the API's 400: the field it names, or `detail`."""
    return exceptions.ValidationError(
        {error.field: [error.message]} if error.field else {"detail": error.message}
    )


def exception_handler(exc, context):
    """Errors as the contract says: {"field": ["message"]} or {"detail": "message"}."""
    if isinstance(exc, StateConflict):
        return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class VerifiedSessionScheme(SessionScheme):
    """OpenAPI: our session authentication is the cookie session scheme."""

    target_class = "dualcare.api_auth.VerifiedSessionAuthentication"


class TokenThrottle(AnonRateThrottle):
    """20 tries a minute from one address, counted in the shared cache (settings.CACHES) across
    every web process. If Redis is unreachable the try is let through, logged: axes still locks
    the account after 5 failures, and sign-in must not fail because a cache did."""

    rate = "20/min"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except RedisError:
            logger.warning("Token throttle: the shared cache is unreachable; request let through")
            return True


class ObtainTokenView(APIView):
    """POST username and password (and otp_token for staff when two-factor is on) to get an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp_token": serializers.CharField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(
                        help_text="Send as 'Authorization: Token <token>'. Shown once."
                    ),
                    "expiry": serializers.DateTimeField(
                        help_text="When the token stops working (renewed by use, up to 7 days after issue)."
                    ),
                },
            )
        },
        auth=[],
    )
    def post(self, request):
        username = str(request.data.get("username", "")).strip()
        password = str(request.data.get("password", ""))
        errors = {}
        if not username:
            errors["username"] = ["Enter your username."]
        if not password:
            errors["password"] = ["Enter your password."]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        http_request = request._request  # axes counts failures on the Django request
        user = authenticate(request=http_request, username=username, password=password)
        if getattr(http_request, "axes_locked_out", False):
            # Answer in the API's own shape rather than axes' HTML lockout page.
            http_request.axes_locked_out = False
            return Response(
                {"detail": "Too many failed sign-ins. Wait 15 minutes or reset your password."},
                status=status.HTTP_403_FORBIDDEN,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": "Username or password is not right."}, status=status.HTTP_400_BAD_REQUEST
            )
        if needs_second_factor(user):
            from dualcare.accounts.services import staff_otp_verify

            otp_token = str(request.data.get("otp_token", "")).strip()
            if not otp_token:
                return Response(
                    {"otp_token": ["Enter the 6-digit code from your authenticator app."]}, status=400
                )
            if not staff_otp_verify(user=user, token=otp_token):
                return Response({"otp_token": ["This code is not right or has expired."]}, status=400)
        from dualcare.accounts.services import api_token_issue

        token, expiry = api_token_issue(user=user)
        return Response({"token": token, "expiry": expiry})


class RevokeTokenView(APIView):
    """POST with the token in the Authorization header to sign it out: it stops working at once."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        from dualcare.accounts.services import api_token_revoke

        api_token_revoke(user=request.user, token_instance=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
