"""Sign-in: the writes behind it (TOTP devices, lockout reset) and the audit rows it leaves.

The browser pages (dualcare.accounts.views) and the API token endpoint (dualcare.api) both call
these, so staff two-factor is decided and checked in one place.
"""

import datetime as dt
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from dualcare import access
from dualcare.audit.services import audit_record

# Enrolment makes one device per person; a second, named device would be a new feature.
TOTP_DEVICE_NAME = "Authenticator app"


def two_factor_required(user) -> bool:
    """True when this user must verify a TOTP code to sign in: staff, while REQUIRE_STAFF_2FA is on."""
    return bool(
        settings.REQUIRE_STAFF_2FA
        and user is not None
        and getattr(user, "is_authenticated", False)
        and user.kind == user.Kind.STAFF
    )


def two_factor_pending(user) -> bool:
    """True when this signed-in user must still verify a code in this session before going on."""
    return two_factor_required(user) and not (hasattr(user, "is_verified") and user.is_verified())


def confirmed_totp_device(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at", "pk").first()


def totp_secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps expect it typed in (base32, groups of four)."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def totp_device_start_enrolment(*, user) -> TOTPDevice:
    """The unconfirmed TOTP device a person is enrolling; created on first visit, reused on reload.

    Reusing it means the QR code someone has already scanned stays valid if they reload the page.
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("created_at", "pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        audit_record(actor=user, action="auth.2fa_enrolment_started", target=device)
    return device


@transaction.atomic
def totp_device_confirm(*, user, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolling device with a code from the app. Returns False (and audits) if wrong.

    Other unconfirmed devices of the user are removed: they hold secrets nobody will use.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed:
        # Confirmed already (e.g. a second tab): still verify the code, never re-enrol.
        return device.verify_token(token)
    if not device.verify_token(token):
        audit_record(
            actor=user, action="auth.2fa_failed", target=device, denied=True, detail={"stage": "enrol"}
        )
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    audit_record(actor=user, action="auth.2fa_enrolled", target=device)
    return True


@transaction.atomic
def totp_verify(*, user, token: str) -> TOTPDevice | None:
    """The user's confirmed device that accepts this code, or None (audited as a failed attempt).

    Locks the device row so two requests cannot both spend one code; django-otp's throttling
    (growing delays after wrong codes) applies.
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=True)
        .order_by("created_at", "pk")
        .first()
    )
    if device is None:
        audit_record(actor=user, action="auth.2fa_failed", denied=True, detail={"reason": "no_device"})
        return None
    if not device.verify_token((token or "").replace(" ", "")):
        audit_record(
            actor=user, action="auth.2fa_failed", target=device, denied=True, detail={"stage": "verify"}
        )
        return None
    audit_record(actor=user, action="auth.2fa_verified", target=device)
    return device


@transaction.atomic
def totp_devices_reset(*, user, by) -> int:
    """Remove a staff member's authenticator apps (lost phone); they set one up at next sign-in.

    Only an organisation admin of one of the person's organisations may do this; returns how many
    devices went. Raises PermissionDenied otherwise.
    """

    administers = access.organisations_administered_by(by).filter(pk__in=access.organisations_of(user))
    if by == user or not administers.exists():
        raise access.Refused("Only an administrator of their organisation can reset two-factor sign-in.")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=by, action="auth.2fa_reset", target=user, detail={"devices_removed": removed})
    return removed


def totp_throttled(device: TOTPDevice) -> bool:
    """True while django-otp refuses codes for this device after repeated wrong ones."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


def staff_otp_verify(*, user, token: str) -> bool:
    """True when the user has a confirmed TOTP device and `token` is a current, unused code for it.

    For the API token endpoint; the pages use totp_verify to learn which device to log in with.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return totp_verify(user=user, token=token) is not None


def sign_in_record(*, user) -> None:
    """Audit a successful password sign-in."""
    audit_record(actor=user, action="auth.login", target=user)


def sign_in_failure_record(*, locked_out: bool) -> None:
    """Audit a failed sign-in: no actor and no username (a mistyped username can be personal data)."""
    audit_record(actor=None, action="auth.login_failed", denied=True, detail={"locked_out": locked_out})


def sign_out_record(*, user) -> None:
    """Audit a sign-out (called before the session ends, while we still know who it is)."""
    audit_record(actor=user, action="auth.logout", target=user)


@transaction.atomic
def password_reset_complete(*, user) -> None:
    """After a new password is set through an emailed link: lift any lockout and audit it.

    The lockout page tells people to reset their password, so that must actually let them in.
    """
    from axes.utils import reset as axes_reset

    axes_reset(username=user.get_username())
    audit_record(actor=user, action="auth.password_reset", target=user)


# ---------------------------------------------------------------------------
# API tokens: django-rest-knox keeps only a SHA-512 digest of each token, and every token expires.

API_TOKENS_PER_USER = 10


@transaction.atomic
def api_token_issue(*, user) -> tuple[str, dt.datetime | None]:
    """A new API token for ``user`` (shown once; only its digest is stored) and when it expires.

    Expired tokens of the user are deleted first; a user may hold at most ``API_TOKENS_PER_USER``
    live tokens (each device or integration signs in for its own), after which the oldest goes.
    """
    from django.utils import timezone
    from knox.models import AuthToken

    tokens = AuthToken.objects.filter(user=user)
    tokens.filter(expiry__lt=timezone.now()).delete()
    surplus = list(tokens.order_by("-created").values_list("pk", flat=True)[API_TOKENS_PER_USER - 1 :])
    if surplus:
        AuthToken.objects.filter(pk__in=surplus).delete()
    instance, token = AuthToken.objects.create(user=user)
    audit_record(actor=user, action="auth.token", detail={"two_factor": settings.REQUIRE_STAFF_2FA})
    return token, instance.expiry


@transaction.atomic
def api_token_revoke(*, user, token_instance) -> None:
    """Sign an API token out: it stops working at once."""
    token_instance.delete()
    audit_record(actor=user, action="auth.token_revoked", detail={})


@transaction.atomic
def user_language_set(*, user, language: str) -> None:
    """Remember the language a user chose for their pages, emails and PDFs (issue 20)."""
    if language not in user.Language.values:
        raise ValueError(f"not a language DualCare is shipped in: {language!r}")
    if user.language == language:
        return
    user.language = language
    user.save(update_fields=["language"])
    audit_record(actor=user, action="account.language_set", detail={"language": language})
