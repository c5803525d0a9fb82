"""`manage.py demo`: the fictional demo loads, is realistic enough to use, and loads only once."""

import datetime as dt
import re
from io import StringIO

import nhs_number as nhs
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import RequestFactory, TestCase, override_settings
from django.utils import timezone

from cohorts.models import QuadrantAssessment
from dualcare import access
from dualcare.management import demo_data
from dualcare.people.models import (
    Consent,
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

from ..demo_db import OnSharedDemo

Role = StaffRole.Role

# Ofcom's numbers for drama: 0113 to 0118 and 0121 to 0161 496 0xxx, 020 7946 0xxx, 07700 900xxx.
DRAMA_NUMBER = re.compile(r"^(01(1[3-8]|[2-6]1) 496 0\d{3}|020 7946 0\d{3}|07700 900\d{3})$")
FICTIONAL_EMAIL = re.compile(r"@[\w.-]+\.(example\.org|invalid)$")

LOGINS = {
    "keyworker.mh": ("Northgate North CMHT", Role.KEY_WORKER),
    "keyworker.sm": ("Harbourside Recovery Team", Role.KEY_WORKER),
    "linkworker.mh": ("Northgate North CMHT", Role.LINK_WORKER),
    "manager.mh": ("Northgate North CMHT", Role.TEAM_MANAGER),
    "pharmacist": ("Example Street Dispensary", Role.PHARMACIST),
    "orgadmin.mh": ("Northgate Trust Administration", Role.ORG_ADMIN),
    "keyworker.charity": ("Bridgeway Peer Mentoring", Role.KEY_WORKER),
}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def latest_assessments() -> dict:
    """Each person's latest quadrant assessment, whoever wrote it (the demo's data, not a viewer's)."""
    return {a.service_user_id: a for a in QuadrantAssessment.objects.order_by("assessed_on", "created_at")}


class DemoTests(OnSharedDemo, TestCase):
    """On the shared demo (tests/demo_db.py): `manage.py demo --seed 7` on an empty database, once
    per test process; each test rolls back what it writes."""

    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO(cls.shared.output)

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def sam(self) -> ServiceUser:
        return ServiceUser.objects.get(user__username="serviceuser")

    def test_it_creates_the_organisations_and_teams(self):
        kinds = dict(Organisation.objects.values_list("name", "kind"))
        self.assertEqual(
            kinds["Northgate Mental Health NHS Foundation Trust"], Organisation.Kind.MENTAL_HEALTH
        )
        self.assertEqual(kinds["Harbourside Drug and Alcohol Service"], Organisation.Kind.SUBSTANCE_MISUSE)
        self.assertEqual(kinds["Bridgeway Recovery Charity"], Organisation.Kind.THIRD_SECTOR)
        self.assertEqual(kinds["Example Street Pharmacy"], Organisation.Kind.PHARMACY)
        teams = set(Team.objects.values_list("organisation__kind", "name"))
        for team in [
            (Organisation.Kind.MENTAL_HEALTH, "Northgate North CMHT"),
            (Organisation.Kind.MENTAL_HEALTH, "Northgate South CMHT"),
            (Organisation.Kind.MENTAL_HEALTH, "Northgate Trust Administration"),
            (Organisation.Kind.SUBSTANCE_MISUSE, "Harbourside Recovery Team"),
            (Organisation.Kind.SUBSTANCE_MISUSE, "Harbourside Prescribing Team"),
            (Organisation.Kind.THIRD_SECTOR, "Bridgeway Peer Mentoring"),
            (Organisation.Kind.PHARMACY, "Example Street Dispensary"),
        ]:
            self.assertIn(team, teams)

    def test_it_uses_only_fictional_phone_numbers_and_emails(self):
        numbers = [
            *Organisation.objects.values_list("phone", flat=True),
            *Organisation.objects.values_list("out_of_hours_phone", flat=True),
            *Team.objects.values_list("phone", flat=True),
            *ServiceUser.objects.values_list("phone", flat=True),
        ]
        self.assertTrue(all(DRAMA_NUMBER.match(number) for number in numbers), numbers)
        emails = [
            *Organisation.objects.values_list("email", flat=True),
            *Team.objects.values_list("email", flat=True),
            *User.objects.values_list("email", flat=True),
            *ServiceUser.objects.exclude(email="").values_list("email", flat=True),
        ]
        self.assertTrue(all(FICTIONAL_EMAIL.search(email) for email in emails), emails)

    def test_it_creates_staff_of_every_role(self):
        held = set(StaffRole.objects.values_list("role", flat=True))
        self.assertEqual(held, set(Role.values))
        for username, (team, role) in LOGINS.items():
            roles = set(access.active_roles(self.user(username)).values_list("team__name", "role"))
            self.assertIn((team, role), roles, username)
        self.assertEqual(self.user("serviceuser").kind, User.Kind.SERVICE_USER)
        self.assertEqual(self.user("carer").kind, User.Kind.CARER)

    def test_it_lets_every_demo_login_sign_in_with_the_demo_password(self):
        for username in [*LOGINS, "serviceuser", "carer"]:
            request = RequestFactory().post("/accounts/login/")
            self.assertTrue(
                self.client.login(request=request, username=username, password=settings.DEMO_PASSWORD),
                username,
            )
            self.client.logout()
        self.assertFalse(
            self.client.login(
                request=RequestFactory().post("/accounts/login/"),
                username="keyworker.mh",
                password="wrong-one-1",
            )
        )

    def test_it_gives_staff_without_a_demo_login_no_usable_password(self):
        self.assertFalse(self.user("gareth.demoford").has_usable_password())
        self.assertFalse(self.user("manager.sm").has_usable_password())

    def test_it_prints_the_logins_and_the_password(self):
        output = self.output.getvalue()
        for username in [*LOGINS, "serviceuser", "carer"]:
            self.assertIn(username, output)
        self.assertIn(settings.DEMO_PASSWORD, output)

    def test_it_registers_at_least_40_people_with_valid_test_nhs_numbers(self):
        people = list(ServiceUser.objects.all())
        self.assertGreaterEqual(len(people), 40)
        numbers = [person.nhs_number for person in people]
        self.assertEqual(len(set(numbers)), len(numbers))
        for number in numbers:
            self.assertTrue(number.startswith("999") and nhs.is_valid(number), number)
        today = timezone.localdate()
        ages = {(today - person.date_of_birth).days // 365 for person in people}
        self.assertGreaterEqual(min(ages), 18)
        self.assertLessEqual(max(ages), 70)
        self.assertGreater(len(ages), 15)
        self.assertGreater(len({person.preferred_contact_method for person in people}), 2)
        self.assertGreater(len({person.pronouns for person in people}), 2)

    def test_it_is_deterministic(self):
        expected = {demo_data.demo_nhs_number(spec) for spec in demo_data.PEOPLE}
        self.assertEqual(set(ServiceUser.objects.values_list("nhs_number", flat=True)), expected)

    def test_it_involves_people_with_one_to_three_organisations_and_keeps_history(self):
        for person in ServiceUser.objects.prefetch_related("involvements__team"):
            open_orgs = {i.team.organisation_id for i in person.involvements.all() if i.end is None}
            self.assertIn(len(open_orgs), {1, 2, 3}, person.nhs_number)
            open_with_key_worker = [i for i in person.involvements.all() if i.end is None and i.key_worker_id]
            self.assertTrue(open_with_key_worker, person.nhs_number)
        ended = Involvement.objects.filter(end__isnull=False)
        self.assertGreaterEqual(ended.count(), 3)
        self.assertFalse(ended.filter(end_reason="").exists())

    def test_it_has_every_quadrant_as_someones_current_quadrant(self):
        current = {assessment.quadrant for assessment in latest_assessments().values()}
        self.assertEqual(current, {"I", "II", "III", "IV"})

    def test_it_shows_people_moving_between_quadrants_over_time(self):
        history: dict = {}
        for assessment in QuadrantAssessment.objects.order_by("assessed_on"):
            self.assertTrue(assessment.rationale.strip())
            self.assertLessEqual(assessment.assessed_on, timezone.localdate())
            history.setdefault(assessment.service_user_id, []).append(assessment.quadrant)
        self.assertEqual(len(history), ServiceUser.objects.count())
        moved = [quadrants for quadrants in history.values() if len(set(quadrants)) > 1]
        self.assertGreaterEqual(len(moved), 5)
        self.assertTrue(any(len(quadrants) >= 3 for quadrants in history.values()))
        # The demo stays fresh: everyone's latest assessment is recent, whenever it is loaded.
        latest = [assessment.assessed_on for assessment in latest_assessments().values()]
        self.assertLessEqual(timezone.localdate() - min(latest), dt.timedelta(days=45))

    def test_it_records_consent_in_every_state(self):
        self.assertTrue(Consent.objects.filter(withdrawn_at__isnull=True).exists())
        withdrawn = Consent.objects.filter(withdrawn_at__isnull=False)
        self.assertTrue(withdrawn.exists())
        self.assertFalse(withdrawn.filter(withdrawn_by__isnull=True).exists())
        # Never given: people shared between organisations, with nothing recorded for one of them.
        never_given = [
            (involvement.service_user_id, involvement.team.organisation_id, scope)
            for involvement in Involvement.objects.filter(end__isnull=True).select_related("team")
            for scope in Scope.values
            if not Consent.objects.filter(
                service_user_id=involvement.service_user_id,
                organisation_id=involvement.team.organisation_id,
                scope=scope,
            ).exists()
        ]
        self.assertTrue(never_given)

    def test_it_gives_each_key_worker_people_the_other_cannot_see(self):
        keyworker_mh, keyworker_sm = self.user("keyworker.mh"), self.user("keyworker.sm")
        seen_by_mh = set(access.service_users_visible_to(keyworker_mh))
        seen_by_sm = set(access.service_users_visible_to(keyworker_sm))
        only_mh, only_sm = seen_by_mh - seen_by_sm, seen_by_sm - seen_by_mh
        self.assertTrue(only_mh)
        self.assertTrue(only_sm)
        self.assertTrue(seen_by_mh & seen_by_sm)
        for person in only_mh:
            self.assertTrue(access.can_view_record(keyworker_mh, person))
            self.assertFalse(access.can_view_record(keyworker_sm, person))
        for person in only_sm:
            self.assertFalse(access.can_view_record(keyworker_mh, person))

    def test_it_gives_the_charity_key_worker_the_charitys_people_and_what_each_shares(self):
        mentor = self.user("keyworker.charity")
        mine = Involvement.objects.filter(key_worker=mentor, end__isnull=True).select_related("service_user")
        self.assertEqual(
            {str(involvement.service_user) for involvement in mine},
            {
                "Eilidh Demoson",
                "Niamh Samplewick",
                "Ellis Testbridge",
                "Vik Pretendly",
                "Olu Sampleridge",
                "Rosa Mockhurst",
                "Nadia Pseudowick",
            },
        )
        niamh = ServiceUser.objects.get(given_name="Niamh", family_name="Samplewick")
        vik = ServiceUser.objects.get(given_name="Vik", family_name="Pretendly")
        self.assertTrue(access.can_view_record(mentor, vik))
        # Niamh shares everything with the charity; Vik withdrew the other services' risk information.
        self.assertIn(Scope.RISK, access.visible_scopes(mentor, niamh))
        self.assertNotIn(Scope.RISK, access.visible_scopes(mentor, vik))
        self.assertFalse(access.can_view_record(mentor, self.sam()))

    def test_it_involves_the_service_user_with_the_cmht_drug_service_and_pharmacy(self):
        sam = self.sam()
        kinds = set(
            Involvement.objects.filter(service_user=sam, end__isnull=True).values_list(
                "team__organisation__kind", flat=True
            )
        )
        self.assertEqual(
            kinds,
            {Organisation.Kind.MENTAL_HEALTH, Organisation.Kind.SUBSTANCE_MISUSE, Organisation.Kind.PHARMACY},
        )
        self.assertTrue(sam.consents.filter(withdrawn_at__isnull=True).exists())
        self.assertTrue(access.can_view_record(self.user("serviceuser"), sam))
        self.assertTrue(access.can_view_record(self.user("keyworker.mh"), sam))
        self.assertTrue(access.can_view_record(self.user("keyworker.sm"), sam))
        # The recovery team sees the CMHT's care plan with Sam's consent; the CMHT not Sam's outcomes.
        self.assertIn(Scope.CARE_PLAN, access.visible_scopes(self.user("keyworker.sm"), sam))
        self.assertNotIn(Scope.OUTCOMES, access.visible_scopes(self.user("keyworker.mh"), sam))

    def test_it_shows_the_pharmacist_collections_but_not_records(self):
        pharmacist, sam = self.user("pharmacist"), self.sam()
        self.assertFalse(access.can_view_record(pharmacist, sam))
        self.assertIn(sam, access.service_users_visible_to(pharmacist, perm="view_contacts"))
        self.assertFalse(access.service_users_visible_to(self.user("orgadmin.mh")).exists())

    def test_it_lets_the_carer_see_only_the_granted_scopes(self):
        carer, sam = self.user("carer"), self.sam()
        self.assertEqual(access.carer_scopes(carer, sam), {"care_plan"})
        self.assertTrue(access.can_view_scope(carer, sam, Scope.CARE_PLAN, owner=None))
        self.assertFalse(access.can_view_scope(carer, sam, Scope.CONTACTS, owner=None))
        self.assertFalse(access.can_view_scope(carer, sam, Scope.OUTCOMES, owner=None))
        self.assertFalse(access.can_view_record(carer, sam))
        self.assertEqual(list(access.cared_for_by(carer)), [sam])

    def test_it_changes_nothing_when_run_again(self):
        before = row_counts()
        hashes = dict(User.objects.values_list("username", "password"))
        output = StringIO()
        call_command("demo", stdout=output)
        self.assertEqual(row_counts(), before)
        self.assertEqual(dict(User.objects.values_list("username", "password")), hashes)
        self.assertIn("Created this run: nothing", output.getvalue())

    @override_settings(DEMO_PASSWORD="a-new-demo-password-2027")
    def test_it_resets_demo_passwords_when_the_demo_password_changes(self):
        call_command("demo", stdout=StringIO())
        for username in [*LOGINS, "serviceuser", "carer"]:
            user = self.user(username)
            self.assertTrue(user.check_password("a-new-demo-password-2027"), username)
        self.assertFalse(self.user("gareth.demoford").has_usable_password())

    @override_settings(DEMO_PASSWORD="short")
    def test_it_refuses_a_weak_demo_password_and_changes_nothing(self):
        before = row_counts()
        with self.assertRaisesMessage(CommandError, "DEMO_PASSWORD is not accepted"):
            call_command("demo", stdout=StringIO())
        self.assertEqual(row_counts(), before)
        self.assertFalse(self.user("keyworker.mh").check_password("short"))
