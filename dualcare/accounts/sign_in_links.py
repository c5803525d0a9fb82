"""Sign-in links for people in care and their carers: "email me a link" instead of a password
(issue 20, item 7). Staff keep passwords and two-factor; the link is not offered to them.

The link's token is django-sesame's: signed, scoped to signing in, valid for
SIGN_IN_LINK_MINUTES, and single use (it is bound to the account's last sign-in, which signing
in changes, and to its password hash). The account row is locked while a link is used, so the
same link submitted twice at once signs in once. The email carries only the link: no name, no
username, nothing about care. Asking says the same whether or not an account has that address,
and an account is sent at most SIGN_IN_LINKS_PER_HOUR links an hour.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_token

from dualcare.audit.services import audit_record
from dualcare.links import absolute_url
from dualcare.people.models import User

SCOPE = "dualcare-sign-in-link"
KIND = "auth.sign_in_link"
PEOPLE = (User.Kind.SERVICE_USER, User.Kind.CARER)


def offered_to(user) -> bool:
    """May this account sign in with an emailed link? People in care and carers, when it is on."""
    return bool(settings.SIGN_IN_LINKS and user.is_active and user.kind in PEOPLE and user.email)


def _body(link: str) -> str:
    return (
        "You asked for a link to sign in to DualCare. It works once, for the next "
        f"{settings.SIGN_IN_LINK_MINUTES} minutes:\n\n{link}\n\n"
        "If you did not ask for it, you can ignore this email. Nobody can sign in without the link."
    )


@transaction.atomic
def sign_in_link_send(*, email: str) -> int:
    """Email a sign-in link to each person's or carer's account with this address (through the
    outbox); returns how many were sent. Asking twice in the same minute sends one email; past
    the hourly limit nothing more is sent (and the page says the same)."""
    from dualcare.notifications.models import Notification
    from dualcare.notifications.services import notify

    now = timezone.now()
    sent = 0
    accounts = User.objects.select_for_update().filter(email__iexact=email.strip(), kind__in=PEOPLE)
    for user in accounts.order_by("pk"):
        if not offered_to(user):
            continue
        recent = Notification.objects.filter(
            recipient=user, kind=KIND, created_at__gte=now - dt.timedelta(hours=1)
        ).count()
        if recent >= settings.SIGN_IN_LINKS_PER_HOUR:
            audit_record(actor=None, action="auth.sign_in_link_limited", target=user, denied=True)
            continue
        link = absolute_url(reverse("sign_in_link_open", kwargs={"token": get_token(user, scope=SCOPE)}))
        rows = notify(
            event_key=f"sign_in_link:{user.pk}:{now:%Y%m%d%H%M}",
            recipients=[user],
            kind=KIND,
            subject="Your link to sign in to DualCare",
            body=_body(link),
            channels=[Notification.Channel.EMAIL],
        )
        if rows:
            audit_record(actor=None, action="auth.sign_in_link_sent", target=user)
            sent += 1
    return sent


@transaction.atomic
def sign_in_link_use(*, request, token: str) -> User | None:
    """The account this link signs in, marking it used; None if the link is not (or no longer)
    usable. The caller logs the account in (django.contrib.auth.login), in this transaction's
    wake; the account's last sign-in is set here, which is what makes the link single use."""
    user = _check(request, token)
    if user is None:
        audit_record(actor=None, action="auth.sign_in_link_refused", denied=True)
        return None
    # Lock the account, then check again: a second use of the same link waits here and then
    # finds the last sign-in changed, so it is refused.
    User.objects.select_for_update().filter(pk=user.pk).first()
    user = _check(request, token)
    if user is None or not offered_to(user):
        audit_record(actor=None, action="auth.sign_in_link_refused", denied=True)
        return None
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    audit_record(actor=user, action="auth.login", target=user, detail={"via": "sign_in_link"})
    return user


def _check(request, token: str) -> User | None:
    if not token:
        return None
    return authenticate(request, sesame=token, scope=SCOPE, max_age=settings.SIGN_IN_LINK_MINUTES * 60)
