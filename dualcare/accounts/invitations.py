"""Staff invitations: a new staff member chooses their own password from an emailed, expiring link.

An organisation admin adds someone (dualcare.people.services.staff_user_create); this sends them
an invitation through the notifications outbox. Its link carries a token made like Django's
password-reset token, so it stops working once a password is set, and names the invitation, so
sending again (which replaces the open invitation) stops the earlier link too. The invitation's
own `expires_at` (STAFF_INVITATION_HOURS) says how long it works.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.links import absolute_url
from dualcare.people.models import Organisation, StaffInvitation, User


class InvitationTokens(PasswordResetTokenGenerator):
    """Django's reset token (a keyed hash of the password, last sign-in and email), for one invitation.

    The token's timestamp is the invitation's own creation time, so Django's PASSWORD_RESET_TIMEOUT
    never decides: the invitation's `expires_at` does.
    """

    key_salt = "dualcare.accounts.invitations.InvitationTokens"

    def __init__(self, invitation: StaffInvitation):
        super().__init__()
        self.invitation = invitation

    def _now(self):
        return timezone.make_naive(self.invitation.created_at, dt.UTC).replace(microsecond=0)

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{self.invitation.pk}"


class InvitationNotUsable(Exception):
    """The link cannot be used; `reason` is "accepted", "replaced", "expired" or "invalid"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_path(invitation: StaffInvitation, token: str) -> str:
    return reverse("invitation_accept", kwargs={"invitation_pk": invitation.pk, "token": token})


def _invitation_body(invitation: StaffInvitation, link: str) -> str:
    expires = timezone.localtime(invitation.expires_at)
    # Only what Django's own reset email carries (a username and a link) and who it is from.
    return (
        f"{invitation.organisation.name} has given you a DualCare account. "
        f"Your username is {invitation.user.get_username()}.\n\n"
        f"To choose your password, open this link. It works once, until "
        f"{expires:%H:%M} on {expires.day} {expires:%B %Y}:\n\n{link}\n\n"
        "If you were not expecting this, you can ignore this email."
    )


@transaction.atomic
def staff_invitation_send(
    *, user: User, organisation: Organisation, by: User | None = None, via: str = "admin"
) -> StaffInvitation:
    """Invite a staff member to choose their password (or invite them again): email through the outbox.

    Any open invitation is replaced, so only the newest link works. Refused once they have a
    password of their own. `by` is the organisation admin (None when sent again from the
    "forgot your password" page).
    """
    from dualcare.notifications.services import notify

    if by is not None:
        from dualcare import access

        if not access.organisations_administered_by(by).filter(pk=organisation.pk).exists():
            raise ApplicationError("Only an administrator of their organisation can invite them.")
    # The user row is the lock: two resends at once make one open invitation, not a constraint error.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.kind != User.Kind.STAFF:
        raise ApplicationError("Only staff are invited this way.")
    if user.has_usable_password():
        raise ApplicationError("They have already chosen a password, so they can sign in.")
    if not user.email:
        raise ApplicationError(
            "Add their work email address first: the invitation is emailed.", field="email"
        )
    if not user.is_active:
        raise ApplicationError("This account has been closed.")
    replaced = StaffInvitation.objects.filter(user=user, state=StaffInvitation.State.OPEN).update(
        state=StaffInvitation.State.REPLACED, updated_at=timezone.now()
    )
    invitation = StaffInvitation.objects.create(
        user=user,
        organisation=organisation,
        invited_by=by,
        expires_at=timezone.now() + dt.timedelta(hours=settings.STAFF_INVITATION_HOURS),
    )
    link = absolute_url(invitation_path(invitation, InvitationTokens(invitation).make_token(user)))
    notify(
        event_key=f"staff_invitation:{invitation.pk}",
        recipients=[user],
        kind="staff.invitation",
        subject="Choose your password to sign in",
        body=_invitation_body(invitation, link),
        related=invitation,
        channels=["email"],
    )
    audit_record(
        actor=by,
        action="staff.invitation_resend" if replaced or via != "admin" else "staff.invite",
        target=user,
        organisation=organisation,
        detail={"invitation": str(invitation.pk), "via": via},
    )
    return invitation


def staff_invitation_check(*, invitation_pk, token: str) -> StaffInvitation:
    """The invitation this link opens, or InvitationNotUsable saying why not."""
    invitation = (
        StaffInvitation.objects.select_related("user", "organisation").filter(pk=invitation_pk).first()
    )
    if invitation is None or not InvitationTokens(invitation).check_token(invitation.user, token):
        # An accepted invitation's token fails too (the password changed): say it was used.
        if invitation is not None and invitation.state == StaffInvitation.State.ACCEPTED:
            raise InvitationNotUsable("accepted")
        raise InvitationNotUsable("invalid")
    if invitation.state == StaffInvitation.State.REPLACED:
        raise InvitationNotUsable("replaced")
    if invitation.state == StaffInvitation.State.ACCEPTED:
        raise InvitationNotUsable("accepted")
    if invitation.is_expired or not invitation.user.is_active:
        raise InvitationNotUsable("expired")
    return invitation


def staff_invitation_refusal_record(*, invitation_pk, reason: str) -> None:
    """Audit a link that could not be used (no actor: whoever holds the link is not signed in)."""
    audit_record(
        actor=None,
        action="staff.invitation_refused",
        denied=True,
        detail={"invitation": str(invitation_pk), "reason": reason},
    )


@transaction.atomic
def staff_invitation_accept(*, invitation_pk, token: str, password: str) -> User:
    """Set the password chosen from an invitation link (already checked by the password validators).

    The invitation is locked and checked again, so one link sets a password once even when it is
    submitted twice at the same moment.
    """
    StaffInvitation.objects.select_for_update().filter(pk=invitation_pk).first()
    invitation = staff_invitation_check(invitation_pk=invitation_pk, token=token)
    user = invitation.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.state = StaffInvitation.State.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_at", "updated_at"])
    audit_record(
        actor=user,
        action="staff.invitation_accepted",
        target=user,
        organisation=invitation.organisation,
        detail={"invitation": str(invitation.pk)},
    )
    return user


def staff_invitations_resend_for_email(*, email: str) -> int:
    """From "forgot your password": invite again each active staff login with this address that
    has never chosen a password (Django's reset skips them). Returns how many were sent; the page
    says the same whatever it is."""
    users = User.objects.filter(email__iexact=email, is_active=True, kind=User.Kind.STAFF)
    sent = 0
    for user in users:
        if user.has_usable_password() or user.last_login is not None:
            continue
        organisation = _inviting_organisation(user)
        if organisation is None:
            continue
        staff_invitation_send(user=user, organisation=organisation, by=None, via="password_reset")
        sent += 1
    return sent


def _inviting_organisation(user: User) -> Organisation | None:
    latest = user.staff_invitations.select_related("organisation").order_by("-created_at").first()
    if latest is not None:
        return latest.organisation
    from dualcare import access

    return access.organisations_of(user).order_by("name").first()
