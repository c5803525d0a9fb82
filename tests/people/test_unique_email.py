"""One email address, one account: a new staff login, portal login or carer cannot take an
address another account already has (in any letter case), and nothing is half-written."""

import pytest

from dualcare.exceptions import ApplicationError
from dualcare.people import services
from dualcare.people.models import StaffRole, User

pytestmark = pytest.mark.django_db


class UniqueEmailTests:
    def test_a_new_staff_login_cannot_take_a_used_address(self, world):
        before = User.objects.count()
        with pytest.raises(ApplicationError) as refused:
            services.staff_user_create(
                username="new.starter",
                first_name="New",
                last_name="Starter",
                email=" SAM@example.invalid ",
                team=world.mh_admin_team,
                role=StaffRole.Role.KEY_WORKER,
                by=world.orgadmin_mh,
                invite=False,
            )
        assert refused.value.field == "email"
        assert (
            refused.value.message == "Another account already uses this email address. Enter a different one."
        )
        assert User.objects.count() == before

    def test_a_new_portal_login_cannot_take_a_used_address(self, world):
        with pytest.raises(ApplicationError) as refused:
            services.portal_login_create(
                service_user=world.mh_only,
                username="alex",
                email="carer@example.invalid",
                by=world.keyworker_mh,
            )
        assert refused.value.field == "email"
        assert not User.objects.filter(username="alex").exists()

    def test_a_new_address_is_fine(self, world):
        user = services.portal_login_create(
            service_user=world.mh_only, username="alex", email="alex@example.invalid", by=world.keyworker_mh
        )
        assert user.email == "alex@example.invalid"
