"""Every refusal of the people services names its field in plain words and writes nothing
(dualcare/people/services.py): organisations, teams, staff and roles, people, involvements,
consent and carers."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.people import services
from dualcare.people.models import Consent, Organisation, Scope, StaffRole, Team

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def refusals(w):
    """(what is tried, the field named or None, words in the message)."""
    involvement = w.service_user.involvements.get(team=w.cmht_north)
    return [
        (lambda: services.organisation_create(name="X", kind="bakery"), "kind", "kind of organisation"),
        (
            lambda: services.organisation_create(name=w.mh.name.upper(), kind="third_sector"),
            "name",
            "already exists",
        ),
        (
            lambda: services.team_create(organisation=w.mh, name="T", by=w.keyworker_mh),
            None,
            "own organisation",
        ),
        (lambda: services.team_create(organisation=w.mh, name="  ", by=w.orgadmin_mh), "name", "team's name"),
        (
            lambda: services.team_create(organisation=w.mh, name=w.cmht_north.name.lower(), by=w.orgadmin_mh),
            "name",
            "already has a team",
        ),
        (lambda: services.team_update(team=w.cmht_north, name="", by=w.orgadmin_mh), "name", "team's name"),
        (
            lambda: services.team_update(team=w.cmht_north, name=w.cmht_south.name, by=w.orgadmin_mh),
            "name",
            "already has a team",
        ),
        (
            lambda: services.staff_user_create(
                username=" ",
                first_name="A",
                last_name="B",
                email="a@example.org",
                team=w.cmht_north,
                role=StaffRole.Role.KEY_WORKER,
                by=w.orgadmin_mh,
            ),
            "username",
            "Enter a username",
        ),
        (
            lambda: services.staff_user_create(
                username="KEYWORKER.MH",
                first_name="A",
                last_name="B",
                email="new@example.org",
                team=w.cmht_north,
                role=StaffRole.Role.KEY_WORKER,
                by=w.orgadmin_mh,
            ),
            "username",
            "taken",
        ),
        (
            lambda: services.staff_role_add(user=w.service_user_login, team=w.cmht_north, role="key_worker"),
            None,
            "Only staff logins",
        ),
        (
            lambda: services.staff_role_add(user=w.keyworker_sm, team=w.cmht_north, role="chef"),
            "role",
            "Choose a role",
        ),
        (
            lambda: services.staff_role_add(
                user=w.keyworker_sm, team=w.cmht_north, role="key_worker", start=TODAY, end=TODAY
            ),
            "end",
            "after the start",
        ),
        (
            lambda: services.staff_role_add(user=w.keyworker_mh, team=w.cmht_north, role="key_worker"),
            "role",
            "already hold",
        ),
        (
            lambda: services.service_user_register(
                team=w.cmht_north, given_name=" ", family_name="Z", date_of_birth=dt.date(1990, 1, 1)
            ),
            "given_name",
            "first name",
        ),
        (
            lambda: services.service_user_register(
                team=w.cmht_north, given_name="Y", family_name="", date_of_birth=dt.date(1990, 1, 1)
            ),
            "family_name",
            "last name",
        ),
        (
            lambda: services.service_user_register(
                team=w.cmht_north,
                given_name="Y",
                family_name="Z",
                date_of_birth=dt.date(1990, 1, 1),
                nhs_number="0000000000",
            ),
            "nhs_number",
            "not a valid NHS number",
        ),
        (
            lambda: services.service_user_register(
                team=w.cmht_north,
                given_name="Y",
                family_name="Z",
                date_of_birth=dt.date(1990, 1, 1),
                nhs_number="94347659１９",  # full-width digits
            ),
            "nhs_number",
            "10-digit",
        ),
        (
            lambda: services.involvement_start(service_user=w.service_user, team=w.cmht_north),
            "team",
            "already involved",
        ),
        (
            lambda: services.involvement_start(
                service_user=w.mh_only, team=w.sm_team, key_worker=w.keyworker_mh
            ),
            "key_worker",
            "member of the team",
        ),
        (
            lambda: services.involvement_start(
                service_user=w.mh_only, team=w.sm_team, start=TODAY + dt.timedelta(days=1)
            ),
            "start",
            "future",
        ),
        (lambda: services.involvement_end(involvement=involvement, reason="  "), "reason", "Say why"),
        (
            lambda: services.involvement_end(
                involvement=involvement, reason="Moved", end=involvement.start - dt.timedelta(days=1)
            ),
            "end",
            "before the start",
        ),
        (
            lambda: services.consent_record(
                service_user=w.service_user, organisation=w.charity, scope="everything", by=w.keyworker_mh
            ),
            "scope",
            "what the person agrees",
        ),
        (
            lambda: services.consent_record(
                service_user=w.service_user,
                organisation=w.charity,
                scope=Scope.RISK,
                method="telepathy",
                by=w.keyworker_mh,
            ),
            "method",
            "how the person gave consent",
        ),
        (
            lambda: services.carer_add(
                service_user=w.service_user, relationship=" ", by=w.service_user_login
            ),
            "relationship",
            "related",
        ),
        (
            lambda: services.carer_add(
                service_user=w.service_user, relationship="Mum", user=w.carer, by=w.service_user_login
            ),
            "username",
            "already linked",
        ),
        (
            lambda: services.carer_permission_grant(
                carer=w.carer_link, scope="everything", by=w.service_user_login
            ),
            "scope",
            "Choose what your carer",
        ),
        (
            lambda: services.carer_permission_grant(carer=w.carer_link, scope="care_plan", by=w.outsider),
            None,
            "Only the person",
        ),
    ]


def test_every_refusal_names_its_field_and_writes_nothing(world):
    cases = refusals(world)
    counts = (
        Organisation.objects.count(),
        Team.objects.count(),
        StaffRole.objects.count(),
        Consent.objects.count(),
    )
    audited = AuditEvent.objects.count()
    wrong = []
    for number, (attempt, field, words) in enumerate(cases):
        try:
            attempt()
        except ApplicationError as error:
            if error.field != field or words not in error.message:
                wrong.append((number, field, words, error.field, error.message))
        else:
            wrong.append((number, field, words, "nothing refused"))
    assert wrong == []
    assert (
        Organisation.objects.count(),
        Team.objects.count(),
        StaffRole.objects.count(),
        Consent.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == audited
    assert len(cases) == 28
