"""Sign in with NHS login, for people in care (issue 20, item 7): the hooks, off until configured.

NHS login is an OpenID Connect provider. As its public documentation describes it
(nhsconnect.github.io/nhslogin, "Scopes and claims", and its External Interface Specification):
the authorisation code flow; the client authenticates at the token endpoint with private_key_jwt
(a JWT signed with the service's private key, RS512); the `profile` scope gives the person's
`nhs_number`, `family_name`, `birthdate` and `identity_proofing_level` (P0, P5 or P9: P9 means
the identity was checked against the NHS record in person or with photo ID) from the userinfo
endpoint. Authlib (a kept OpenID Connect client) does the protocol: discovery, state, nonce,
PKCE, the signed client assertion, and checking the ID token's signature, issuer, audience and
nonce.

A person signs in only to the DualCare account their care team made for them: the NHS number
from NHS login must be a person's in DualCare with a portal login, at the proofing level asked
for (NHS_LOGIN_PROOFING_LEVEL, default P9), and with the same date of birth as DualCare holds.
Anything else is refused with a plain reason and audited, without the NHS number.

Settings: NHS_LOGIN_ISSUER (e.g. the sandpit's or live issuer URL), NHS_LOGIN_CLIENT_ID,
NHS_LOGIN_PRIVATE_KEY (PEM text) or NHS_LOGIN_PRIVATE_KEY_FILE; all three make it on.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from authlib.integrations.django_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from django.db import transaction

from dualcare.audit.services import audit_record
from dualcare.people.models import ServiceUser, User

PROOFING_ORDER = ("P0", "P5", "P9")
REASONS = {
    "not_known": "We could not find your DualCare account. Your care team sets it up for you: ask them.",
    "proofing": (
        "NHS login has not yet fully checked who you are, so you cannot use it to sign in to DualCare. "
        "Sign in with your username and password, or finish proving who you are in the NHS App."
    ),
    "mismatch": (
        "The details NHS login holds about you do not match your DualCare account. "
        "Ask your care team to check them."
    ),
    "closed": "Your DualCare account has been closed. Ask your care team for help.",
    "cancelled": "You did not finish signing in with NHS login.",
    "failed": (
        "Signing in with NHS login did not work. Try again, or sign in with your username and password."
    ),
}


def enabled() -> bool:
    return bool(settings.NHS_LOGIN_ISSUER and settings.NHS_LOGIN_CLIENT_ID and private_key())


def private_key() -> str:
    if settings.NHS_LOGIN_PRIVATE_KEY:
        return settings.NHS_LOGIN_PRIVATE_KEY
    if settings.NHS_LOGIN_PRIVATE_KEY_FILE:
        with open(settings.NHS_LOGIN_PRIVATE_KEY_FILE, encoding="ascii") as file:
            return file.read()
    return ""


@cache
def _client(issuer: str, client_id: str, key: str):
    oauth = OAuth()
    return oauth.register(
        name="nhs_login",
        client_id=client_id,
        client_secret=key,  # the private key: PrivateKeyJWT signs the client assertion with it
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile",
            "token_endpoint_auth_method": "private_key_jwt",
            "code_challenge_method": "S256",
            "timeout": 10,
        },
        client_auth_methods=[PrivateKeyJWT(alg="RS512")],
    )


def client():
    """The NHS login client for the current settings (made once per settings)."""
    return _client(settings.NHS_LOGIN_ISSUER, settings.NHS_LOGIN_CLIENT_ID, private_key())


def _level(value) -> int:
    return PROOFING_ORDER.index(value) if value in PROOFING_ORDER else -1


def _birthdate(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@transaction.atomic
def nhs_login_match(*, claims: dict) -> tuple[User | None, str]:
    """The person's DualCare login that these NHS login claims sign in to, or None and the
    reason (a key of REASONS). Audited either way; the audit row carries no NHS number."""
    nhs_number = "".join(str(claims.get("nhs_number") or "").split())
    person = (
        ServiceUser.objects.select_related("user").filter(nhs_number=nhs_number).first()
        if nhs_number
        else None
    )
    if person is None or person.user is None:
        reason = "not_known"
    elif _level(claims.get("identity_proofing_level")) < _level(settings.NHS_LOGIN_PROOFING_LEVEL):
        reason = "proofing"
    elif _birthdate(claims.get("birthdate")) != person.date_of_birth:
        reason = "mismatch"
    elif not person.user.is_active:
        reason = "closed"
    else:
        audit_record(actor=person.user, action="auth.login", target=person.user, detail={"via": "nhs_login"})
        return person.user, ""
    audit_record(
        actor=None,
        action="auth.nhs_login_refused",
        denied=True,
        service_user=person if reason in ("proofing", "mismatch", "closed") else None,
        detail={"reason": reason},
    )
    return None, reason


def nhs_login_failure_record(*, reason: str) -> None:
    """Audit a sign-in that did not come back from NHS login with the person's claims."""
    audit_record(actor=None, action="auth.nhs_login_refused", denied=True, detail={"reason": reason})
