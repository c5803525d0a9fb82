"""Helpers for signing in through the real pages, and for computing TOTP codes as an app would."""

import re
import time

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice) -> str:
    """A code the device will accept now, as an authenticator app computes it from the shared key.

    A code can be used once: when this step's code was already spent, take the next step's, which
    the device's tolerance of one step still accepts.
    """
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step)
    step = max(now_step + device.drift, device.last_t + 1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = device.t0 + step * device.step + device.step / 2
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"


def enrolled_device(user) -> TOTPDevice:
    """A confirmed authenticator app for `user` (set up as if they had enrolled earlier)."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def verified_staff_login(client: Client, user, password: str) -> TOTPDevice:
    """Sign a staff member in through the pages, including the TOTP code (enrolling if needed)."""
    sign_in(client, user.username, password)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        client.get(reverse("two_factor"))
        device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
    assert response.status_code == 302, "two-factor code was not accepted"
    return device


def reset_link(body: str) -> str:
    """The path of the password-reset link in an email body."""
    match = re.search(r"https?://[^/\s]+(/accounts/password-reset/[^\s]+/)", body)
    assert match, "no reset link in the email"
    return match.group(1)


def force_verified_login(client: Client, user) -> Client:
    """Sign in without the pages, with a session that has passed two-factor (for other areas' tests).

    Staff get a confirmed device and the session carries it, as django_otp.login would leave it.
    """
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    if user.kind == user.Kind.STAFF:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
