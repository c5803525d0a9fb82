"""The access matrix of issue 2, at the level of dualcare.access (pages and API test it again)."""

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.people import services
from dualcare.people.models import Consent, Scope, ServiceUserUserObjectPermission, User

pytestmark = pytest.mark.django_db


def visible(user):
    return set(access.service_users_visible_to(user))


class AccessMatrixTests:
    def test_it_lets_a_key_worker_of_an_involved_team_see_the_record(self, world):
        assert access.can_view_record(world.keyworker_mh, world.service_user)
        assert world.service_user in visible(world.keyworker_mh)
        assert world.mh_only in visible(world.keyworker_mh)

    def test_it_denies_a_key_worker_of_the_same_organisation_in_an_uninvolved_team(self, world):
        assert not access.can_view_record(world.keyworker_mh_south, world.service_user)
        assert visible(world.keyworker_mh_south) == {world.south_only}
        with pytest.raises(Http404):
            access.get_service_user_or_404(world.keyworker_mh_south, world.service_user.pk)

    def test_it_gives_another_involved_organisation_only_the_consented_scopes(self, world):
        su = world.service_user
        assert access.can_view_record(world.keyworker_sm, su)
        assert access.visible_scopes(world.keyworker_sm, su) == {Scope.CARE_PLAN, Scope.CONTACTS}
        assert access.can_view_scope(world.keyworker_sm, su, Scope.CARE_PLAN, owner=world.mh)
        assert not access.can_view_scope(world.keyworker_sm, su, Scope.RISK, owner=world.mh)
        assert not access.can_view_scope(world.keyworker_sm, su, Scope.OUTCOMES, owner=world.mh)
        # Their own organisation's information needs no consent.
        assert access.can_view_scope(world.keyworker_sm, su, Scope.RISK, owner=world.sm)

    def test_it_withdraws_a_scope_the_moment_consent_is_withdrawn(self, world):
        su = world.service_user
        consent = Consent.objects.get(
            service_user=su, organisation=world.sm, scope=Scope.CARE_PLAN, withdrawn_at__isnull=True
        )
        services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert not access.can_view_scope(world.keyworker_sm, su, Scope.CARE_PLAN, owner=world.mh)
        assert su not in set(access.service_users_visible_to(world.keyworker_sm, perm="view_care_plan"))
        assert access.visible_scopes(world.keyworker_sm, su) == {Scope.CONTACTS}
        # History kept: the withdrawn consent is a dated row, not a deleted one.
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None and consent.withdrawn_by == world.keyworker_mh

    def test_it_lets_a_pharmacist_see_contacts_only(self, world):
        su = world.service_user
        assert not access.can_view_record(world.pharmacist, su)
        assert visible(world.pharmacist) == set()
        assert su in set(access.service_users_visible_to(world.pharmacist, perm="view_contacts"))
        assert access.can_view_scope(world.pharmacist, su, Scope.CONTACTS, owner=world.mh)
        assert not access.can_view_scope(world.pharmacist, su, Scope.CARE_PLAN, owner=world.mh)

    def test_it_lets_a_manager_see_their_own_organisation_only(self, world):
        seen = visible(world.manager_mh)
        assert {world.service_user, world.mh_only, world.south_only} <= seen
        assert world.sm_only not in seen

    def test_it_gives_an_org_admin_no_clinical_record(self, world):
        assert visible(world.orgadmin_mh) == set()
        assert not access.can_view_record(world.orgadmin_mh, world.service_user)

    def test_it_lets_a_service_user_see_their_own_record_only(self, world):
        me = world.service_user_login
        assert access.can_view_record(me, world.service_user)
        assert not access.can_view_record(me, world.mh_only)
        assert visible(me) == {world.service_user}

    def test_it_lets_a_carer_see_only_what_was_granted(self, world):
        su = world.service_user
        assert not access.can_view_record(world.carer, su)
        assert access.can_view_scope(world.carer, su, Scope.CARE_PLAN, owner=world.mh)
        assert not access.can_view_scope(world.carer, su, Scope.CONTACTS, owner=world.mh)
        services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        assert not access.can_view_scope(world.carer, su, Scope.CARE_PLAN, owner=world.mh)

    def test_it_denies_an_outsider_and_the_anonymous(self, world):
        from django.contrib.auth.models import AnonymousUser

        assert visible(world.outsider) == set()
        assert visible(AnonymousUser()) == set()
        assert not access.can_view_record(AnonymousUser(), world.service_user)


class AccessFollowsChangesTests:
    def test_it_withdraws_access_when_an_involvement_ends(self, world):
        involvement = world.service_user.involvements.get(team=world.sm_team, end__isnull=True)
        services.involvement_end(involvement=involvement, reason="Discharged", by=world.keyworker_sm)
        assert not access.can_view_record(world.keyworker_sm, world.service_user)
        involvement.refresh_from_db()
        assert involvement.end is not None  # kept, dated

    def test_it_withdraws_access_when_a_staff_role_ends(self, world):
        role = world.keyworker_mh.staff_roles.get()
        services.staff_role_end(staff_role=role)
        assert not access.can_view_record(world.keyworker_mh, world.service_user)

    def test_it_grants_access_when_a_role_starts_by_date(self, world):
        import datetime as dt

        from django.utils import timezone

        newcomer = User.objects.create_user("newcomer", kind=User.Kind.STAFF)
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        role = services.staff_role_add(
            user=newcomer, team=world.cmht_north, role="key_worker", start=tomorrow
        )
        assert not access.can_view_record(newcomer, world.service_user)
        type(role).objects.filter(pk=role.pk).update(start=timezone.localdate())  # the day comes
        assert access.staff_roles_bring_into_force() >= 1
        assert access.can_view_record(newcomer, world.service_user)
        assert access.staff_roles_bring_into_force() == 0  # a second run does nothing

    def test_nobody_holds_a_global_permission_on_clinical_models(self, world):
        clinical = Permission.objects.filter(content_type__app_label__in=["people", "cohorts", "audit"])
        assert not User.objects.filter(user_permissions__in=clinical).exists()
        assert not User.objects.filter(groups__permissions__in=clinical).exists()

    def test_permissions_live_in_the_direct_foreign_key_table(self, world):
        from guardian.models import UserObjectPermission

        assert ServiceUserUserObjectPermission.objects.exists()
        assert not UserObjectPermission.objects.exists()


class AuditOfReadsTests:
    def test_it_audits_allowed_and_denied_reads(self, world):
        access.get_service_user_or_404(world.keyworker_mh, world.service_user.pk)
        with pytest.raises(Http404):
            access.get_service_user_or_404(world.outsider, world.service_user.pk)
        allowed = AuditEvent.objects.get(actor=world.keyworker_mh, action="service_user.view")
        assert allowed.organisation == world.mh and allowed.service_user == world.service_user
        denied = AuditEvent.objects.get(actor=world.outsider, action="service_user.view")
        assert denied.outcome == "denied"

    def test_it_answers_404_for_unknown_ids_and_non_uuids(self, world):
        with pytest.raises(Http404):
            access.get_service_user_or_404(world.keyworker_mh, "not-a-uuid")


class TeamManagersTests:
    def test_it_finds_the_teams_manager_even_with_a_planned_leaving_date(self, world):
        import datetime as dt

        from django.utils import timezone

        role = world.manager_sm.staff_roles.get()
        type(role).objects.filter(pk=role.pk).update(end=timezone.localdate() + dt.timedelta(days=10))
        assert access.team_managers(world.sm_team.pk) == [world.manager_sm]

    def test_it_falls_back_to_the_organisations_managers_then_the_teams_staff(self, world):
        assert access.team_managers(world.cmht_north.pk) == [world.manager_mh]
        assert set(access.team_managers(world.charity_team.pk)) == {world.outsider}
