"""A pharmacist is a role in a pharmacy's team only: not offered, nor taken, anywhere else."""

import pytest
from django.urls import reverse

from dualcare.exceptions import ApplicationError
from dualcare.people import services
from dualcare.people.models import StaffRole, User

pytestmark = pytest.mark.django_db


class PharmacistRoleTests:
    def test_a_mental_health_organisation_is_not_offered_the_pharmacist_role(self, world, client):
        client.force_login(world.orgadmin_mh)
        page = client.get(reverse("staff_create", args=[world.mh.pk])).content.decode()
        assert 'value="key_worker"' in page and 'value="pharmacist"' not in page

    def test_the_service_refuses_a_pharmacist_in_a_mental_health_team(self, world):
        with pytest.raises(ApplicationError) as refused:
            services.staff_user_create(
                username="new.pharmacist",
                first_name="New",
                last_name="Pharmacist",
                email="new.pharmacist@example.invalid",
                team=world.cmht_north,
                role=StaffRole.Role.PHARMACIST,
                by=world.orgadmin_mh,
                invite=False,
            )
        assert refused.value.field == "role" and "pharmacy" in refused.value.message
        assert not User.objects.filter(username="new.pharmacist").exists()
