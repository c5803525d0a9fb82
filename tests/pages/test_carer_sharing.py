"""What the person is told their carer sees is what the carer's pages show: one declaration
(dualcare.people.carer_sharing), read by the person's page, the carer's pages and access."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from careplans import selectors as careplan_selectors
from careplans.models import Section
from dualcare import access
from dualcare.people import services
from dualcare.people.carer_sharing import CARER_SHARES
from dualcare.people.models import CarerPermission
from tests.careplans.helpers import publish, shared_plan
from tests.contacts.helpers import appointment

pytestmark = pytest.mark.django_db


def _grant_only(world, scope):
    for granted in access.carer_scopes(world.carer, world.service_user):
        services.carer_permission_revoke(carer=world.carer_link, scope=granted, by=world.service_user_login)
    services.carer_permission_grant(carer=world.carer_link, scope=scope, by=world.service_user_login)


class PersonSideTests:
    def test_the_person_is_offered_each_choice_in_the_declared_words(self, world, client):
        client.force_login(world.service_user_login)
        html = client.get(reverse("my_carers")).content.decode()
        for share in CARER_SHARES.values():
            assert str(share.person_words) in html  # a lazy translation, rendered in English here
        # The plan's other sections are not the carer's: no choice promises the whole of "Your care plan".
        assert "Your care plan</label>" not in html

    def test_the_care_plan_choice_names_the_sections_the_carer_gets(self):
        share = CARER_SHARES[CarerPermission.Scope.CARE_PLAN]
        for key in share.care_plan_sections:
            assert Section(key).label.lower() in share.person_words.lower()


class CarerSideTests:
    @pytest.mark.parametrize("scope", list(CARER_SHARES))
    def test_the_carer_gets_exactly_the_page_of_what_was_shared(self, world, client, scope):
        shared_plan(world)
        publish(world)
        appointment(world, hours=30)
        _grant_only(world, scope)
        client.force_login(world.carer)
        home = client.get(reverse("carer_home")).content.decode()
        for other, share in CARER_SHARES.items():
            url = reverse(share.carer_page, args=[world.service_user.pk])
            words = escape(share.carer_words.format(name=world.service_user.known_as))
            if other == scope:
                assert f'<a href="{url}">{words}</a>' in home
                assert client.get(url).status_code == 200
            else:
                assert words not in home
                assert client.get(url).status_code == 404

    def test_the_care_plan_grant_shows_the_declared_sections_and_no_others(self, world):
        shared_plan(world)
        version = publish(world)
        _grant_only(world, CarerPermission.Scope.CARE_PLAN)
        acc = access.care_plan_access(world.carer, world.service_user)
        shown = {view.key for view in careplan_selectors.version_sections(acc, version) if view.entries}
        assert shown == set(CARER_SHARES[CarerPermission.Scope.CARE_PLAN].care_plan_sections)

    def test_the_appointments_grant_shows_the_coming_appointments(self, world, client):
        booked = appointment(world, hours=30)
        url = reverse("contacts:carer", args=[world.service_user.pk])
        client.force_login(world.carer)
        assert client.get(url).status_code == 404
        _grant_only(world, CarerPermission.Scope.APPOINTMENTS)
        html = client.get(url).content.decode()
        assert booked.place in html and world.cmht_north.name in html
        assert world.service_user.nhs_number_display not in html

    def test_another_persons_appointments_are_a_404(self, world, client):
        _grant_only(world, CarerPermission.Scope.APPOINTMENTS)
        client.force_login(world.carer)
        assert client.get(reverse("contacts:carer", args=[world.mh_only.pk])).status_code == 404
