"""A staff member added by an organisation admin is emailed an invitation, chooses a password and signs in."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from dualcare.audit.models import AuditEvent
from dualcare.notifications import services as notifications
from dualcare.notifications.models import Notification
from dualcare.people.models import StaffInvitation, StaffRole, User

from .helpers import force_verified_login, sign_in, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-first-passphrase"


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.REQUIRE_STAFF_2FA = False


def _add_staff(client, world, username="nia.newstarter"):
    force_verified_login(client, world.orgadmin_mh)
    response = client.post(
        reverse("staff_create", args=[world.mh.pk]),
        {
            "first_name": "Nia",
            "last_name": "Newstarter",
            "email": f"{username}@example.invalid",
            "username": username,
            "team": world.cmht_north.pk,
            "role": StaffRole.Role.KEY_WORKER,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    client.logout()
    return User.objects.get(username=username)


def _deliver_invitation(user) -> str:
    """Deliver the newest invitation email through the outbox; the link's path."""
    row = (
        Notification.objects.filter(recipient=user, kind="staff.invitation", state="pending")
        .order_by("-created_at")
        .get()
    )
    assert row.channel == "email"
    assert notifications.notification_deliver(notification_id=row.pk)
    body = mail.outbox[-1].body
    match = re.search(r"http://127\.0\.0\.1:8000(/accounts/invitation/\S+/)", body)
    assert match, body
    return match.group(1)


def _choose_password(client, link, first=NEW_PASSWORD, second=None):
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(response.url, {"new_password1": first, "new_password2": second or first})


class InvitationJourneyTests:
    def test_it_emails_a_link_that_sets_the_password_and_signs_them_in(self, client, world):
        user = _add_staff(client, world)
        assert not user.has_usable_password()
        link = _deliver_invitation(user)
        assert mail.outbox[-1].to == ["nia.newstarter@example.invalid"]

        response = _choose_password(client, link)
        assert response.status_code == 302 and response.url == reverse("home")
        assert client.session["_auth_user_id"] == str(user.pk)
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

        client.logout()
        assert sign_in(client, "nia.newstarter", NEW_PASSWORD).status_code == 302
        actions = list(
            AuditEvent.objects.filter(target_id=str(user.pk)).order_by("pk").values_list("action", "actor")
        )
        assert ("staff.invite", world.orgadmin_mh.pk) in actions
        assert ("staff.invitation_accepted", user.pk) in actions

    def test_the_link_works_once(self, client, world):
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        assert _choose_password(client, link).status_code == 302
        client.logout()
        response = _choose_password(client, link, first="another-long-passphrase")
        assert response.status_code == 410
        assert "This invitation has been used" in response.content.decode()
        refusal = AuditEvent.objects.get(action="staff.invitation_refused")
        assert (
            refusal.outcome == "denied" and refusal.actor is None and refusal.detail["reason"] == "accepted"
        )
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_an_expired_link_says_so_and_sets_nothing(self, client, world, settings):
        settings.STAFF_INVITATION_HOURS = 72
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        sent = StaffInvitation.objects.get(user=user).created_at
        with freeze_time(sent + dt.timedelta(hours=72, minutes=1)):
            response = _choose_password(client, link)
            assert response.status_code == 410
            html = response.content.decode()
            assert "This invitation has expired" in html
            assert "Forgot your password?" in html
            client.force_login(world.orgadmin_mh)
            page = client.get(reverse("staff_detail", args=[user.pk])).content.decode()
            assert "Invitation expired" in page
        user.refresh_from_db()
        assert not user.has_usable_password()

    def test_it_works_until_just_before_it_expires(self, client, world, settings):
        settings.STAFF_INVITATION_HOURS = 72
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        sent = StaffInvitation.objects.get(user=user).created_at
        with freeze_time(sent + dt.timedelta(hours=71, minutes=59)):
            assert _choose_password(client, link).status_code == 302

    def test_resending_sends_a_new_link_and_the_old_one_stops_working(self, client, world):
        user = _add_staff(client, world)
        old_link = _deliver_invitation(user)
        client.force_login(world.orgadmin_mh)
        page = client.get(reverse("staff_detail", args=[user.pk])).content.decode()
        assert "Invited" in page and "Resend invitation" in page
        response = client.post(reverse("staff_invitation_resend", args=[user.pk]))
        assert response.status_code == 302
        assert AuditEvent.objects.filter(
            action="staff.invitation_resend", actor=world.orgadmin_mh, target_id=str(user.pk)
        ).exists()
        new_link = _deliver_invitation(user)
        assert new_link != old_link
        client.logout()

        response = _choose_password(client, old_link)
        assert response.status_code == 410
        assert "only the link in the newest one works" in response.content.decode()
        assert _choose_password(client, new_link).status_code == 302
        assert StaffInvitation.objects.filter(user=user, state="accepted").count() == 1

        client.force_login(world.orgadmin_mh)
        page = client.get(reverse("organisation_detail", args=[world.mh.pk])).content.decode()
        assert "Accepted" in page
        page = client.get(reverse("staff_detail", args=[user.pk])).content.decode()
        assert "Resend invitation" not in page
        response = client.post(reverse("staff_invitation_resend", args=[user.pk]), follow=True)
        assert "They have already chosen a password" in response.content.decode()

    def test_a_weak_password_gets_a_field_error_and_the_link_still_works(self, client, world):
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        response = _choose_password(client, link, first="short")
        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        user.refresh_from_db()
        assert not user.has_usable_password()
        form_url = client.get(link).url
        response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302

    def test_a_tampered_token_does_not_work(self, client, world):
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        response = _choose_password(client, link[:-3] + "zz/")
        assert response.status_code == 410
        assert "This link does not work" in response.content.decode()

    def test_the_email_carries_only_the_username_the_link_and_the_organisation(self, client, world):
        user = _add_staff(client, world)
        _deliver_invitation(user)
        message = mail.outbox[-1]
        text = f"{message.subject}\n{message.body}"
        assert "nia.newstarter" in text and world.mh.name in text
        assert "Nia" not in text and "Newstarter" not in text
        assert "@example.invalid" not in text

    def test_with_two_factor_on_they_go_straight_to_enrolment(self, client, world, settings):
        settings.REQUIRE_STAFF_2FA = True
        user = _add_staff(client, world)
        link = _deliver_invitation(user)
        response = _choose_password(client, link)
        assert response.status_code == 302 and response.url == reverse("two_factor")
        assert client.get(reverse("caseload")).status_code == 302  # not until two-factor is set up
        assert client.get(reverse("two_factor")).templates[0].name == "registration/two_factor_setup.html"
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post(reverse("two_factor"), {"otp_token": totp_code(device)})
        assert response.status_code == 302
        assert client.get(reverse("caseload")).status_code == 200


class ForgotPasswordBeforeAcceptingTests:
    def test_it_sends_the_invitation_again_and_says_the_same_as_for_anyone(self, client, world):
        user = _add_staff(client, world)
        old_link = _deliver_invitation(user)
        response = client.post(reverse("password_reset"), {"email": "NIA.newstarter@example.invalid"})
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
        new_link = _deliver_invitation(user)
        assert new_link != old_link
        assert _choose_password(client, old_link).status_code == 410
        assert _choose_password(client, new_link).status_code == 302
        assert AuditEvent.objects.filter(
            action="staff.invitation_resend", actor=None, target_id=str(user.pk)
        ).exists()

    def test_an_account_with_a_password_gets_the_ordinary_reset_email_only(self, client, world):
        client.post(reverse("password_reset"), {"email": world.keyworker_mh.email})
        assert len(mail.outbox) == 1 and "/accounts/password-reset/" in mail.outbox[0].body
        assert not Notification.objects.filter(kind="staff.invitation").exists()


class ResendPermissionTests:
    def test_only_their_organisations_admin_may_resend(self, client, world):
        user = _add_staff(client, world)
        before = StaffInvitation.objects.count()
        client.force_login(world.keyworker_mh)
        assert client.post(reverse("staff_invitation_resend", args=[user.pk])).status_code == 403
        client.force_login(world.outsider)
        assert client.post(reverse("staff_invitation_resend", args=[user.pk])).status_code == 403
        client.force_login(world.orgadmin_mh)
        assert client.get(reverse("staff_invitation_resend", args=[user.pk])).status_code == 405
        assert StaffInvitation.objects.count() == before

    def test_another_organisations_admin_gets_404(self, client, world):
        from tests.factories import staff

        user = _add_staff(client, world)
        sm_admin = staff("orgadmin.sm", world.sm_team, StaffRole.Role.ORG_ADMIN)
        client.force_login(sm_admin)
        assert client.post(reverse("staff_invitation_resend", args=[user.pk])).status_code == 404
        assert StaffInvitation.objects.filter(user=user).count() == 1
