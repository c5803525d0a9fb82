"""A small world of two organisations and a pharmacy, with people of every role.

Built through the services, as users would build it.
"""

from types import SimpleNamespace

from django.utils import timezone

from dualcare.people import services
from dualcare.people.models import Consent, Organisation, Scope, StaffRole

from .factories import TEST_PASSWORD, TeamFactory, person, staff

Role = StaffRole.Role


def build_world() -> SimpleNamespace:
    w = SimpleNamespace(password=TEST_PASSWORD)
    w.mh = services.organisation_create(
        name="Testshire Mental Health Trust", kind=Organisation.Kind.MENTAL_HEALTH
    )
    w.sm = services.organisation_create(
        name="Testshire Drug and Alcohol Service", kind=Organisation.Kind.SUBSTANCE_MISUSE
    )
    w.pharmacy_org = services.organisation_create(
        name="Test Street Pharmacy", kind=Organisation.Kind.PHARMACY
    )
    w.charity = services.organisation_create(
        name="Test Recovery Charity", kind=Organisation.Kind.THIRD_SECTOR
    )

    w.cmht_north = TeamFactory(organisation=w.mh, name="North CMHT")
    w.cmht_south = TeamFactory(organisation=w.mh, name="South CMHT")
    w.mh_admin_team = TeamFactory(organisation=w.mh, name="Trust administration")
    w.sm_team = TeamFactory(organisation=w.sm, name="Recovery Team")
    w.pharmacy_team = TeamFactory(organisation=w.pharmacy_org, name="Dispensary")
    w.charity_team = TeamFactory(organisation=w.charity, name="Peer Support")

    w.keyworker_mh = staff("keyworker.mh", w.cmht_north, Role.KEY_WORKER)
    w.keyworker_mh_south = staff("keyworker.mh.south", w.cmht_south, Role.KEY_WORKER)
    w.linkworker_mh = staff("linkworker.mh", w.cmht_north, Role.LINK_WORKER)
    w.keyworker_sm = staff("keyworker.sm", w.sm_team, Role.KEY_WORKER)
    w.manager_mh = staff("manager.mh", w.cmht_south, Role.TEAM_MANAGER)
    w.manager_sm = staff("manager.sm", w.sm_team, Role.TEAM_MANAGER)
    w.orgadmin_mh = staff("orgadmin.mh", w.mh_admin_team, Role.ORG_ADMIN)
    w.pharmacist = staff("pharmacist", w.pharmacy_team, Role.PHARMACIST)
    w.outsider = staff("outsider", w.charity_team, Role.KEY_WORKER)

    # Shared person: the CMHT, the drug and alcohol service and the pharmacy are involved.
    w.service_user = person(w.cmht_north, key_worker=w.keyworker_mh, given_name="Sam", family_name="Testwell")
    services.involvement_start(service_user=w.service_user, team=w.sm_team, key_worker=w.keyworker_sm)
    services.involvement_start(service_user=w.service_user, team=w.pharmacy_team)
    for scope in (Scope.CARE_PLAN, Scope.CONTACTS):
        services.consent_record(
            service_user=w.service_user,
            organisation=w.sm,
            scope=scope,
            by=w.keyworker_mh,
            method=Consent.Method.WRITTEN,
        )
    services.consent_record(
        service_user=w.service_user, organisation=w.mh, scope=Scope.CARE_PLAN, by=w.keyworker_sm
    )
    services.consent_record(
        service_user=w.service_user, organisation=w.pharmacy_org, scope=Scope.CONTACTS, by=w.keyworker_sm
    )
    w.service_user_login = services.portal_login_create(
        service_user=w.service_user,
        username="serviceuser",
        email="sam@example.invalid",
        by=w.keyworker_mh,
        password=TEST_PASSWORD,
    )
    w.carer_link = services.carer_add(
        service_user=w.service_user,
        relationship="Mother",
        by=w.service_user_login,
        username="carer",
        email="carer@example.invalid",
        first_name="Pat",
        last_name="Testwell",
        password=TEST_PASSWORD,
    )
    w.carer = w.carer_link.user
    services.carer_permission_grant(carer=w.carer_link, scope="care_plan", by=w.service_user_login)

    # Only the CMHT knows this person; only the drug and alcohol service knows the next.
    w.mh_only = person(w.cmht_north, key_worker=w.keyworker_mh, given_name="Alex", family_name="Sampleton")
    w.sm_only = person(w.sm_team, key_worker=w.keyworker_sm, given_name="Jo", family_name="Mockridge")
    # A person of the South CMHT only: the manager of the trust sees them, North staff do not.
    w.south_only = person(
        w.cmht_south, key_worker=w.keyworker_mh_south, given_name="Kit", family_name="Exampleby"
    )
    w.other_service_user = w.mh_only
    w.today = timezone.localdate()
    return w
