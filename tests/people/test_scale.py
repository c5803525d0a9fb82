"""The trust-scale demo (manage.py demo --scale): the counts asked for, rows the models accept,
and object permissions exactly as permissions_sync would leave them (issue 15, item 1).

Generated once per class at a tiny fraction (1/2000: 25 people); runs on SQLite and PostgreSQL.
"""

from fractions import Fraction

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from careplans.models import Agreement, CarePlan, PlanEntry, PlanVersion
from cohorts.models import QuadrantAssessment
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.contacts.models import Contact, ContactOutcomeEvent, Kind, SupervisedConsumption
from dualcare.exceptions import ApplicationError
from dualcare.management.scale import parse_scale, trust_scale_build
from dualcare.people.models import (
    Consent,
    Involvement,
    Organisation,
    ServiceUser,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)
from dualcare.people.scale import trust_from_database
from outcomes.models import HonosRating, TopForm
from referrals.models import Referral, ReferralEvent

PASSWORD = "dualcare-demo-2026"
SCALE = Fraction(1, 2000)


def build(scale=SCALE, seed=7):
    return trust_scale_build(scale=scale, seed=seed, password=PASSWORD, say=lambda line: None)


def schema() -> list[str]:
    """Every index and constraint definition of the public schema (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture(scope="class")
def trust(class_db):
    before = schema()
    result = build()
    result["schema"] = (before, schema())
    return result


@pytest.mark.django_db
@pytest.mark.usefixtures("trust")
class TrustScaleTests:
    def test_it_makes_the_counts_asked_for_at_the_fraction(self, trust):
        # 50,000 people, 100,000 referrals, 1,000,000 contacts and 20,000 collections due today at
        # full scale; one care plan each; at least one organisation of each kind, one team each.
        assert ServiceUser.objects.count() == 25
        assert Referral.objects.count() == 50
        assert CarePlan.objects.count() == 25
        assert Contact.objects.count() == 500
        assert trust["counts"]["collections due today"] == 10
        assert Contact.objects.filter(kind=Kind.COLLECTION, outcome="").count() >= 10
        assert SupervisedConsumption.objects.count() == 10
        assert sorted(Organisation.objects.values_list("kind", flat=True)) == sorted(
            ["mental_health", "substance_misuse", "third_sector", "pharmacy"]
        )
        assert Team.objects.count() == 4
        # 21, 20, 13 and 4 staff in the four teams, and an organisation admin each.
        assert User.objects.filter(kind=User.Kind.STAFF).count() == 21 + 20 + 13 + 4 + 4
        # About 84,000 involvements at full scale: 42 here, give or take the draw.
        assert 32 <= Involvement.objects.count() <= 52
        assert trust["counts"]["people"] == 25 and trust["counts"]["referrals"] == 50

    def test_it_grants_what_permissions_sync_would_and_a_sync_changes_nothing(self, trust):
        granted = ServiceUserUserObjectPermission.objects.count()
        assert granted == trust["counts"]["object permissions"] > 0
        codenames = set(
            ServiceUserUserObjectPermission.objects.values_list("permission__codename", flat=True)
        )
        assert codenames == set(access.grants.ALL_PERMS)  # the record, every scope by consent
        people = list(ServiceUser.objects.order_by("nhs_number").values_list("pk", flat=True)[::2])
        assert access.permissions_sync(service_user_ids=people) == (0, 0)
        staff = list(StaffRole.objects.order_by("pk").values_list("user_id", flat=True)[::5])
        assert access.permissions_sync(user_ids=staff) == (0, 0)
        assert ServiceUserUserObjectPermission.objects.count() == granted

    def test_a_sync_would_notice_a_missing_or_extra_grant(self, trust):
        # The check above could fail: take one grant away and add one nobody should hold.
        row = ServiceUserUserObjectPermission.objects.order_by("pk").first()
        person = row.content_object_id
        row.delete()
        outsider = User.objects.filter(staff_roles__role=StaffRole.Role.ORG_ADMIN).first()
        ServiceUserUserObjectPermission.objects.create(
            user=outsider,
            content_object_id=person,
            permission=Permission.objects.get(codename=access.grants.VIEW_RECORD),
        )
        assert access.permissions_sync(service_user_ids=[person]) == (1, 1)

    def test_it_leaves_rows_the_models_accept(self, trust):
        models = [
            Organisation, Team, User, StaffRole, ServiceUser, Involvement, Consent,
            SupervisedConsumption, Contact, ContactOutcomeEvent, Referral, ReferralEvent,
            CarePlan, PlanEntry, PlanVersion, Agreement, HonosRating, TopForm, QuadrantAssessment,
        ]  # fmt: skip
        for model in models:
            rows = list(model.objects.order_by("pk")[:8])
            assert rows, model.__name__
            for row in rows:
                row.full_clean()

    def test_it_writes_rows_as_the_services_would(self, trust):
        # Referrals that led to an involvement were accepted the day it started.
        accepted = Referral.objects.filter(accepted_at__isnull=False)
        assert accepted.exists()
        for referral in accepted:
            assert Involvement.objects.filter(
                service_user_id=referral.service_user_id,
                team_id=referral.to_team_id,
                start=timezone.localtime(referral.accepted_at).date(),
            ).exists()
            assert referral.events.count() >= 3
        # Every recorded contact has its outcome event; today's collections are not recorded yet.
        recorded = Contact.objects.exclude(outcome="")
        assert recorded.count() == ContactOutcomeEvent.objects.count() > 0
        # Each plan's current version number and review date are its latest version's.
        for plan in CarePlan.objects.filter(current_version_number__gt=0):
            latest = plan.versions.order_by("-number").first()
            assert (latest.number, latest.review_due) == (plan.current_version_number, plan.review_due)
        # One audit row for the import as a whole.
        assert AuditEvent.objects.filter(action="demo.scale").count() == 1

    def test_its_logins_have_the_demo_password_and_their_roles(self, trust):
        roles = {
            "keyworker.trust": StaffRole.Role.KEY_WORKER,
            "manager.trust": StaffRole.Role.TEAM_MANAGER,
            "pharmacist.trust": StaffRole.Role.PHARMACIST,
            "admin.trust": StaffRole.Role.ORG_ADMIN,
        }
        for username, role in roles.items():
            user = User.objects.get(username=username)
            assert user.check_password(PASSWORD)
            assert list(user.staff_roles.values_list("role", flat=True)) == [role]
        others = User.objects.exclude(username__in=roles)
        assert not any(user.has_usable_password() for user in others)

    def test_it_puts_back_every_index_and_constraint_it_set_aside(self, trust):
        before, after = trust["schema"]
        assert after == before
        if connection.vendor == "postgresql":
            grants = [line for line in after if line.startswith("people_serviceuseruserobjectpermission ")]
            assert any("FOREIGN KEY" in line for line in grants)

    def test_it_refuses_a_database_that_is_not_empty(self, trust):
        with pytest.raises(ApplicationError, match="empty database"):
            build()

    def test_the_trust_read_back_holds_the_rows_written(self, trust):
        # What scale_add builds on: the same teams, staff in force, people, involvements and consents.
        read = trust_from_database(seed=7, scale=float(SCALE), today=timezone.localdate(), now=timezone.now())
        assert len(read.organisations) == Organisation.objects.count()
        assert {team.id for team in read.teams} == set(Team.objects.values_list("id", flat=True))
        assert sorted(read.people) == sorted(ServiceUser.objects.values_list("id", flat=True))
        assert {
            (i.id, i.service_user_id, i.team.id, i.key_worker_id, i.start, i.end) for i in read.involvements
        } == set(
            Involvement.objects.values_list(
                "id", "service_user_id", "team_id", "key_worker_id", "start", "end"
            )
        )
        workers = {user for team in read.teams for user in team.workers}
        in_force = StaffRole.objects.filter(end__isnull=True, role__in=["key_worker", "link_worker"])
        assert workers == set(in_force.values_list("user_id", flat=True))
        consented = {
            (person, org, scope) for (person, org), scopes in read.consents.items() for scope in scopes
        }
        current = Consent.objects.filter(withdrawn_at__isnull=True)
        assert consented == set(current.values_list("service_user_id", "organisation_id", "scope"))

    def test_scale_add_names_the_apps_that_add_rows_and_refuses_others(self, trust):
        with pytest.raises(CommandError, match="No app 'nothing' adds trust-scale rows"):
            call_command("scale_add", "nothing")


@pytest.mark.django_db
def test_scale_add_refuses_a_database_with_no_generated_trust(monkeypatch):
    from dualcare.management import scale

    monkeypatch.setattr(scale, "scale_additions", lambda: {"example": lambda trust: {"rows": 0}})
    with pytest.raises(ApplicationError, match="holds no generated trust"):
        scale.trust_scale_add("example", say=lambda line: None)


@pytest.mark.django_db
def test_scale_add_writes_with_the_generated_trusts_scale_and_seed(monkeypatch):
    from dualcare.management import scale

    build(seed=11)
    seen = []
    monkeypatch.setattr(
        scale, "scale_additions", lambda: {"example": lambda trust: seen.append(trust) or {"rows": 3}}
    )
    lines = []
    assert scale.trust_scale_add("example", say=lines.append) == {"rows": 3}
    assert (seen[0].seed, seen[0].scale) == (11, float(SCALE))
    assert len(seen[0].people) == ServiceUser.objects.count()
    assert lines[0].startswith("3 rows (")
    assert AuditEvent.objects.filter(action="demo.scale_add", detail__app="example").count() == 1


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    def generate(seed):
        with transaction.atomic():
            build(Fraction(1, 5000), seed)
            rows = (
                sorted(ServiceUser.objects.values_list("pk", "nhs_number", "given_name", "family_name")),
                sorted(Contact.objects.values_list("pk", "starts_at", "outcome")),
                sorted(ServiceUserUserObjectPermission.objects.values_list("user_id", "content_object_id")),
            )
            transaction.set_rollback(True)
        return rows

    first = generate(3)
    assert generate(3) == first
    assert generate(4) != first


def test_the_scale_is_trust_or_one_over_a_whole_number():
    assert parse_scale("trust") == 1
    assert parse_scale("1/25") == Fraction(1, 25)
    assert parse_scale(" 1/1000 ") == Fraction(1, 1000)
    for wrong in ("2/3", "1/0", "half", "1/x", ""):
        with pytest.raises(ApplicationError, match="1/N"):
            parse_scale(wrong)


@pytest.mark.django_db
def test_the_command_says_what_is_wrong_with_the_scale():
    with pytest.raises(CommandError, match="such as 1/25"):
        call_command("demo", scale="1/zero")
