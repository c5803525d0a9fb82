"""Merging two records of one person (issue 21, item 4): every reference moved, found through the
model graph; the stricter consent; refusals; audit; and an undo that moves exactly those rows back."""

import datetime as dt

import pytest
from django.utils import timezone
from freezegun import freeze_time

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.people import importing, merging, services
from dualcare.people.models import Consent, Involvement, PersonMerge, Scope, ServiceUser, StaffRole
from tests.audit.test_audit_sweep import _sweep_world
from tests.factories import person, staff


def references_to(service_user) -> dict[str, int]:
    counts = {}
    for field in merging.moved_references():
        n = field.model._base_manager.filter(**{field.attname: service_user.pk}).count()
        if n:
            counts[merging._label(field)] = n
    return counts


def duplicate(team, **names):
    """A second record of someone, registered without an NHS number (how duplicates arise)."""
    return person(team, nhs_number="", **names)


@pytest.mark.django_db
class GraphTests:
    def test_every_reference_to_a_person_is_moved_or_named_with_its_reason(self):
        labels = {merging._label(field) for field in merging.person_references()}
        moved = {merging._label(field) for field in merging.moved_references()}
        assert moved == labels - set(merging.NOT_MOVED)
        assert set(merging.NOT_MOVED) <= labels, "NOT_MOVED names a reference that no longer exists"
        assert all(reason.strip() for reason in merging.NOT_MOVED.values())
        # The graph reaches capability apps the core never imports.
        assert {"careplans.careplan.service_user", "referrals.referral.service_user"} <= moved

    def test_a_merge_leaves_nothing_on_the_merged_record_and_undo_puts_exactly_it_back(self):
        w = _sweep_world()
        b = w.service_user  # one of everything refers to Sam
        a = duplicate(w.cmht_south, given_name="Sam", family_name="Testwell")
        before_b, before_a = references_to(b), references_to(a)
        # Sam's record reaches most apps: the walk below is no empty check.
        assert len(before_b) >= 15, before_b
        number, login = b.nhs_number, b.user_id
        merge = merging.people_merge(kept=a, merged=b, by=None, reason="Registered twice by two teams")
        for field in merging.moved_references():
            assert not field.model._base_manager.filter(**{field.attname: b.pk}).exists(), merging._label(
                field
            )
        after_a = references_to(a)
        for label, n in before_b.items():
            assert after_a[label] >= n, label
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.nhs_number, a.user_id, b.nhs_number, b.user_id) == (number, login, "", None)
        assert set(merge.moved) == set(before_b)
        # Access follows the rows: Sam's key workers now see the kept record, and nobody the other.
        assert access.can_view_record(w.keyworker_sm, a)
        assert not access.can_view_record(w.keyworker_sm, b)
        assert AuditEvent.objects.filter(action="service_user.merge", service_user__in=[a, b]).count() == 2

        # Something written on the kept record after the merge stays there after the undo.
        later = services.involvement_start(service_user=a, team=w.charity_team)
        merging.people_merge_undo(merge=merge, by=None)
        assert references_to(b) == before_b
        later_counts = references_to(a)
        assert (
            later_counts.pop("people.involvement.service_user")
            == before_a["people.involvement.service_user"] + 1
        )
        assert Involvement.objects.get(pk=later.pk).service_user_id == a.pk
        a.refresh_from_db()
        b.refresh_from_db()
        assert (b.nhs_number, b.user_id, a.nhs_number) == (number, login, "")
        assert access.can_view_record(w.keyworker_sm, b)
        assert AuditEvent.objects.filter(action="service_user.merge_undo").count() == 2


@pytest.mark.django_db
class MergeRuleTests:
    def test_consent_withdrawn_on_either_record_is_withdrawn_after_the_merge_until_undone(self, world):
        a = duplicate(world.cmht_south, given_name="Alex", family_name="Sampleton")
        b = world.mh_only
        services.involvement_start(service_user=b, team=world.sm_team)
        kept = services.consent_record(
            service_user=a, organisation=world.sm, scope=Scope.OUTCOMES, by=world.keyworker_mh
        )
        services.consent_withdraw(consent=kept, by=world.keyworker_mh)
        shared = services.consent_record(
            service_user=b, organisation=world.sm, scope=Scope.OUTCOMES, by=world.keyworker_mh
        )
        both_a = services.consent_record(
            service_user=a, organisation=world.sm, scope=Scope.RISK, by=world.keyworker_mh
        )
        both_b = services.consent_record(
            service_user=b, organisation=world.sm, scope=Scope.RISK, by=world.keyworker_mh
        )
        merge = merging.people_merge(kept=a, merged=b, by=None, reason="Same person")
        active = set(
            Consent.objects.filter(service_user=a, withdrawn_at__isnull=True).values_list("pk", flat=True)
        )
        assert shared.pk not in active  # the other record had withdrawn it: stricter wins
        assert both_a.pk in active and both_b.pk not in active  # a duplicate: A's carries on
        assert not access.user_has_perm(world.keyworker_sm, "view_outcomes", a)
        assert access.user_has_perm(world.keyworker_sm, "view_risk", a)
        merging.people_merge_undo(merge=merge, by=None)
        assert Consent.objects.get(pk=shared.pk).withdrawn_at is None
        assert Consent.objects.get(pk=both_b.pk).service_user_id == b.pk

    def test_it_refuses_what_would_be_there_twice_and_writes_nothing(self, world):
        a = duplicate(world.cmht_north, given_name="Alex", family_name="Sampleton")
        b = world.mh_only  # both on North CMHT's caseload
        with pytest.raises(StateConflict, match="open involvement with the same team"):
            merging.people_merge(kept=a, merged=b, by=None, reason="Same person")
        assert not PersonMerge.objects.exists()
        assert b.involvements.filter(end__isnull=True).count() == 1

    def test_it_refuses_two_nhs_numbers_two_logins_or_a_merged_record(self, world):
        with pytest.raises(StateConflict, match="different NHS numbers"):
            merging.people_merge(kept=world.mh_only, merged=world.south_only, by=None, reason="x")
        a = duplicate(world.cmht_south)
        merging.people_merge(kept=a, merged=world.mh_only, by=None, reason="Same person")
        c = duplicate(world.sm_team)
        assert "already been merged" in " ".join(merging.people_merge_check(kept=c, merged=world.mh_only))
        with pytest.raises(ApplicationError, match="Say why"):
            merging.people_merge(kept=c, merged=a, by=None, reason=" ")

    def test_an_org_admin_merges_only_records_their_organisation_alone_has_known(self, world):
        a = duplicate(world.cmht_south, given_name="Alex", family_name="Sampleton")
        assert access.people_can_merge(world.orgadmin_mh, a, world.mh_only)
        assert not access.people_can_merge(world.orgadmin_mh, a, world.sm_only)
        assert not access.people_can_merge(world.keyworker_mh, a, world.mh_only)
        with pytest.raises(ApplicationError, match="system admin"):
            merging.people_merge(kept=a, merged=world.sm_only, by=world.orgadmin_mh, reason="Same")
        system_admin = staff("system.admin", world.mh_admin_team, StaffRole.Role.ADMIN)
        assert access.people_can_merge(system_admin, a, world.sm_only)
        merge = merging.people_merge(kept=a, merged=world.mh_only, by=world.orgadmin_mh, reason="Same")
        assert merge.by == world.orgadmin_mh

    def test_the_undo_has_a_time_limit(self, world, settings):
        settings.PEOPLE_MERGE_UNDO_DAYS = 30
        a = duplicate(world.cmht_south)
        merge = merging.people_merge(kept=a, merged=world.mh_only, by=None, reason="Same")
        with (
            freeze_time(timezone.now() + dt.timedelta(days=31)),
            pytest.raises(StateConflict, match="30 days"),
        ):
            merging.people_merge_undo(merge=merge, by=None)
        merging.people_merge_undo(merge=merge, by=None)
        with pytest.raises(StateConflict, match="already been undone"):
            merging.people_merge_undo(merge=merge, by=None)

    def test_the_import_does_not_match_a_merged_away_record(self, world):
        a = duplicate(world.cmht_south, given_name="Alex", family_name="Sampleton")
        merging.people_merge(kept=a, merged=world.mh_only, by=None, reason="Same")
        text = ",".join(importing.COLUMNS) + "\n,Alex,Sampleton,1985-03-14,North CMHT,,\n"
        plan = importing.people_import_dry_run(organisation=world.mh, text=text).rows[0]
        assert plan.outcome == "possible" and plan.person_id == a.pk
        assert ServiceUser.objects.filter(pk=world.mh_only.pk).exists()  # the record stays
