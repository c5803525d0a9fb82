import pytest
from django.contrib.auth.models import AnonymousUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from dualcare.accounts import services
from dualcare.audit.models import AuditEvent

from .helpers import enrolled_device, totp_code, wrong_code

pytestmark = pytest.mark.django_db


class TwoFactorRequiredTests:
    def test_it_requires_staff_when_the_setting_is_on(self, settings, world):
        settings.REQUIRE_STAFF_2FA = True
        for user in (world.keyworker_mh, world.pharmacist, world.orgadmin_mh, world.manager_sm):
            assert services.two_factor_required(user)

    def test_it_never_requires_service_users_carers_or_anonymous(self, settings, world):
        settings.REQUIRE_STAFF_2FA = True
        for user in (world.service_user_login, world.carer, AnonymousUser(), None):
            assert not services.two_factor_required(user)

    def test_it_requires_nobody_when_the_setting_is_off(self, settings, world):
        settings.REQUIRE_STAFF_2FA = False
        assert not services.two_factor_required(world.keyworker_mh)


class StaffOtpVerifyTests:
    def test_it_accepts_a_current_code_from_a_confirmed_device(self, world):
        device = enrolled_device(world.keyworker_mh)
        assert services.staff_otp_verify(user=world.keyworker_mh, token=totp_code(device))
        assert AuditEvent.objects.filter(action="auth.2fa_verified", actor=world.keyworker_mh).count() == 1

    def test_it_accepts_the_code_with_a_space_in_it(self, world):
        device = enrolled_device(world.keyworker_mh)
        code = totp_code(device)
        assert services.staff_otp_verify(user=world.keyworker_mh, token=f"{code[:3]} {code[3:]}")

    def test_it_refuses_a_wrong_code(self, world):
        device = enrolled_device(world.keyworker_mh)
        assert not services.staff_otp_verify(user=world.keyworker_mh, token=wrong_code(device))
        event = AuditEvent.objects.get(action="auth.2fa_failed")
        assert event.outcome == AuditEvent.Outcome.DENIED and event.actor == world.keyworker_mh

    def test_it_refuses_a_code_used_already(self, world):
        device = enrolled_device(world.keyworker_mh)
        code = totp_code(device)
        assert services.staff_otp_verify(user=world.keyworker_mh, token=code)
        assert not services.staff_otp_verify(user=world.keyworker_mh, token=code)

    def test_it_refuses_someone_with_no_device(self, world):
        assert not services.staff_otp_verify(user=world.keyworker_mh, token="123456")

    def test_it_refuses_a_device_not_yet_confirmed(self, world):
        device = TOTPDevice.objects.create(user=world.keyworker_mh, name="Authenticator app", confirmed=False)
        assert not services.staff_otp_verify(user=world.keyworker_mh, token=totp_code(device))

    def test_it_refuses_a_code_from_another_persons_device(self, world):
        enrolled_device(world.keyworker_mh)
        other = enrolled_device(world.keyworker_sm)
        assert not services.staff_otp_verify(user=world.keyworker_mh, token=totp_code(other))

    def test_it_refuses_anonymous(self, world):
        assert not services.staff_otp_verify(user=AnonymousUser(), token="123456")

    def test_it_stops_checking_codes_after_wrong_ones(self, world):
        # django-otp throttles: after a wrong code even the right one is refused for a while.
        device = enrolled_device(world.keyworker_mh)
        services.staff_otp_verify(user=world.keyworker_mh, token=wrong_code(device))
        assert not services.staff_otp_verify(user=world.keyworker_mh, token=totp_code(device))
        device.refresh_from_db()
        assert services.totp_throttled(device)


class EnrolmentTests:
    def test_it_confirms_a_device_with_its_code_and_drops_other_unconfirmed_ones(self, world):
        device = services.totp_device_start_enrolment(user=world.keyworker_mh)
        stray = TOTPDevice.objects.create(user=world.keyworker_mh, name="old", confirmed=False)
        assert services.totp_device_confirm(user=world.keyworker_mh, device=device, token=totp_code(device))
        device.refresh_from_db()
        assert device.confirmed
        assert not TOTPDevice.objects.filter(pk=stray.pk).exists()
        assert services.confirmed_totp_device(world.keyworker_mh) == device

    def test_it_leaves_the_device_unconfirmed_for_a_wrong_code(self, world):
        device = services.totp_device_start_enrolment(user=world.keyworker_mh)
        assert not services.totp_device_confirm(
            user=world.keyworker_mh, device=device, token=wrong_code(device)
        )
        device.refresh_from_db()
        assert not device.confirmed
        assert not AuditEvent.objects.filter(action="auth.2fa_enrolled").exists()

    def test_it_will_not_confirm_someone_elses_device(self, world):
        device = services.totp_device_start_enrolment(user=world.keyworker_sm)
        with pytest.raises(TOTPDevice.DoesNotExist):
            services.totp_device_confirm(user=world.keyworker_mh, device=device, token=totp_code(device))

    def test_it_shows_the_key_in_groups_of_four(self, world):
        device = services.totp_device_start_enrolment(user=world.keyworker_mh)
        shown = services.totp_secret_base32(device)
        assert all(len(group) == 4 for group in shown.split(" "))
        assert len(shown.replace(" ", "")) == 32


class TwoFactorResetTests:
    def test_it_lets_an_org_admin_reset_a_colleagues_authenticator(self, world):
        enrolled_device(world.keyworker_mh)
        assert services.totp_devices_reset(user=world.keyworker_mh, by=world.orgadmin_mh) == 1
        assert not TOTPDevice.objects.filter(user=world.keyworker_mh).exists()
        event = AuditEvent.objects.get(action="auth.2fa_reset")
        assert event.actor == world.orgadmin_mh and event.target_id == str(world.keyworker_mh.pk)

    def test_it_refuses_anyone_else(self, world):
        from django.core.exceptions import PermissionDenied

        enrolled_device(world.keyworker_mh)
        enrolled_device(world.orgadmin_mh)
        for by, user in (
            (world.keyworker_sm, world.keyworker_mh),  # another organisation's key worker
            (world.manager_mh, world.keyworker_mh),  # a manager is not an admin
            (world.keyworker_mh, world.keyworker_mh),  # nor is the person themselves
            (world.orgadmin_mh, world.orgadmin_mh),  # an admin cannot reset their own
            (world.orgadmin_mh, world.keyworker_sm),  # nor another organisation's staff
        ):
            with pytest.raises(PermissionDenied):
                services.totp_devices_reset(user=user, by=by)
        assert TOTPDevice.objects.count() == 2
        assert not AuditEvent.objects.filter(action="auth.2fa_reset").exists()
