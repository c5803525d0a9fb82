"""Consent gating per section: care_plan for the plan, risk for the risk history; withdrawal at once."""

import pytest
from django.urls import reverse

from careplans import selectors
from dualcare import access
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db


def _visible(user, person, version=None):
    acc = access.care_plan_access(user, person)
    if version is None:
        sections = selectors.working_sections(acc, selectors.plan_of(person))
    else:
        sections = selectors.version_sections(acc, version)
    shown = {}
    for view in sections:
        for entry in view.entries:
            org = entry["organisation"] if isinstance(entry, dict) else entry.organisation.name
            shown.setdefault(view.key, set()).add(org)
    return shown


class SharingTests:
    def test_it_shows_other_organisations_entries_only_with_care_plan_consent(self, world):
        shared_plan(world)
        # mh and sm each have care_plan consent: each sees the other's goals and actions.
        assert _visible(world.keyworker_mh, world.service_user)["action"] == {world.sm.name}
        assert _visible(world.keyworker_sm, world.service_user)["goal"] == {world.mh.name}

    def test_it_shows_other_organisations_risk_only_with_risk_consent(self, world):
        shared_plan(world)
        assert _visible(world.keyworker_mh, world.service_user)["risk"] == {world.mh.name}
        assert _visible(world.keyworker_sm, world.service_user)["risk"] == {world.sm.name}
        people_services.consent_record(
            service_user=world.service_user, organisation=world.sm, scope=Scope.RISK, by=world.keyworker_mh
        )
        assert _visible(world.keyworker_sm, world.service_user)["risk"] == {world.mh.name, world.sm.name}

    def test_it_hides_the_plan_at_once_when_consent_is_withdrawn(self, world, client):
        shared_plan(world)
        version = publish(world)
        client.force_login(world.keyworker_sm)
        url = reverse("careplans:plan", kwargs={"service_user_pk": world.service_user.pk})
        assert "Seeing my daughter every weekend." in client.get(url).content.decode()
        consent = Consent.objects.get(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.CARE_PLAN,
            withdrawn_at__isnull=True,
        )
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Asked us to stop.")
        page = client.get(url).content.decode()
        assert "Seeing my daughter every weekend." not in page
        assert "Weekly key-work session" in page  # their own entry stays
        assert "not agreed to share their care plan" in page
        # Versions are filtered the same way, and the whole-plan PDF is refused.
        assert world.mh.name not in _visible(world.keyworker_sm, world.service_user, version).get(
            "goal", set()
        )
        version_page = client.get(reverse("careplans:version", kwargs={"pk": version.pk})).content.decode()
        assert "Seeing my daughter every weekend." not in version_page
        assert client.get(reverse("careplans:version_pdf", kwargs={"pk": version.pk})).status_code == 403

    def test_it_shows_the_person_every_section_of_the_published_plan_only(self, world):
        shared_plan(world)
        acc = access.care_plan_access(world.service_user_login, world.service_user)
        assert acc.published_only
        assert all(
            not view.entries
            for view in selectors.working_sections(acc, selectors.plan_of(world.service_user))
        )
        version = publish(world)
        shown = _visible(world.service_user_login, world.service_user, version)
        assert shown["risk"] == {world.mh.name, world.sm.name}

    def test_it_shows_the_carer_the_crisis_plan_and_carer_section_only(self, world):
        shared_plan(world)
        version = publish(world)
        shown = _visible(world.carer, world.service_user, version)
        assert set(shown) == {"crisis"}
        people_services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        assert not access.care_plan_access(world.carer, world.service_user).can_view
        assert _visible(world.carer, world.service_user, version) == {}

    def test_it_shows_nothing_to_staff_who_cannot_see_the_record(self, world):
        shared_plan(world)
        for user in (world.outsider, world.pharmacist, world.orgadmin_mh, world.keyworker_mh_south):
            acc = access.care_plan_access(user, world.service_user)
            assert not acc.can_view and not acc.can_write
