"""One way to say no (issue 14, item 3): yes/no questions are `can_` rules that never raise; refusals
are access.Hidden (404) or access.Refused (403), answered the same way by pages and the API."""

import pytest
from django.http import Http404
from django.urls import reverse

from dualcare import access

pytestmark = pytest.mark.django_db


class CanActForTests:
    def test_it_answers_without_raising_for_everyone(self, world):
        from django.contrib.auth.models import AnonymousUser

        person = world.service_user  # CMHT North and the drug and alcohol service are involved
        assert access.can_act_for(world.keyworker_mh, person)
        assert access.acting_team(world.keyworker_mh, person) == world.cmht_north
        # Sees the person (their organisation's manager) but no team of theirs is involved.
        assert access.can_view_record(world.manager_mh, person)
        assert not access.can_act_for(world.manager_mh, person)
        # Sees nothing of the person; not signed in; not staff.
        for user in (world.outsider, world.pharmacist, AnonymousUser(), world.service_user_login):
            assert access.can_act_for(user, person) is False
            assert access.acting_team(user, person) is None

    def test_the_refusing_form_says_which_no_it_is(self, world):
        with pytest.raises(access.Hidden):
            access.ensure_can_act_for(world.outsider, world.service_user)
        with pytest.raises(access.Refused) as refused:
            access.ensure_can_act_for(world.manager_mh, world.service_user)
        assert "involved in this person's care" in str(refused.value)
        # Hidden is a 404 wherever Django or DRF meets it; Refused a 403.
        assert issubclass(access.Hidden, Http404)
        assert refused.value.message == str(refused.value)


class OneMappingTests:
    def test_pages_answer_hidden_with_404_and_refused_with_403(self, world, login):
        url = reverse("consent_record", args=[world.service_user.pk])
        assert login(world.outsider).get(url).status_code == 404
        refused = login(world.manager_mh).get(url)
        assert refused.status_code == 403
        assert "You cannot use this page" in refused.content.decode()  # the project's 403 page

    def test_the_api_answers_the_same_way(self):
        from dualcare.api import exception_handler  # the project's, named in REST_FRAMEWORK

        context = {"request": None, "view": None}
        hidden = exception_handler(access.Hidden("No such record."), context)
        refused = exception_handler(access.Refused("Only staff of an involved team can do this."), context)
        assert hidden.status_code == 404
        assert refused.status_code == 403
        assert refused.data["detail"] == "Only staff of an involved team can do this."


class GroupPermissionTests:
    def test_access_is_only_what_permissions_sync_grants_never_a_group_permission(self, world):
        """Nothing grants object permissions through groups, so access reads no group table: a
        group permission row (made by hand, say in the Django admin) opens nothing."""
        from django.contrib.auth.models import Group, Permission

        from dualcare.people.models import ServiceUserGroupObjectPermission

        group = Group.objects.create(name="Everyone")
        world.outsider.groups.add(group)
        ServiceUserGroupObjectPermission.objects.create(
            group=group,
            permission=Permission.objects.get(codename=access.VIEW_RECORD, content_type__app_label="people"),
            content_object=world.service_user,
        )
        assert not access.can_view_record(world.outsider, world.service_user)
        assert not access.service_users_visible_to(world.outsider).filter(pk=world.service_user.pk).exists()
