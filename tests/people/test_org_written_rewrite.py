"""Issue 15: org_written_filter was rewritten so an index can serve it (the person semi-join driven
from the user's permission rows, the organisation tested on the row's own column). It must show
exactly the rows the filter of issue 12 showed, for every staff member, on every consent-scoped
model, whatever the consents and involvements. The filter of issue 12 is kept here, verbatim in
its rules, to compare against."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from careplans.models import PlanEntry
from cohorts import services as cohorts_services
from cohorts.models import QuadrantAssessment
from dualcare import access
from dualcare.access.consent import _for_scopes
from dualcare.contacts.models import Contact, ContactOutcomeEvent, SupervisedConsumption
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Involvement, Scope, ServiceUserUserObjectPermission, User
from tests.careplans.helpers import shared_plan
from tests.contacts.helpers import appointment, collection, schedule

pytestmark = pytest.mark.django_db

MODELS = (Contact, ContactOutcomeEvent, SupervisedConsumption, QuadrantAssessment, PlanEntry)


def issue_12_filter(user, records):
    """org_written_filter's staff branch as it was before issue 15."""
    entry = access.org_written(records.model)
    my_orgs = access.active_roles(user).order_by().values("team__organisation_id")
    perms = ServiceUserUserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="people"
    )
    codenames = [access.VIEW_RECORD, *sorted(access.SCOPE_PERMS[scope] for scope in entry.scopes())]
    may_see = perms.filter(permission__codename__in=codenames).values("content_object_id")

    def shared(scope):
        consented = Consent.objects.filter(
            service_user_id=OuterRef("content_object_id"),
            organisation_id__in=my_orgs,
            scope=scope,
            withdrawn_at__isnull=True,
        )
        people = perms.filter(Exists(consented), permission__codename=access.SCOPE_PERMS[scope])
        return Q(**{f"{entry.service_user}__in": people.values("content_object_id")})

    own = Q(**{f"{entry.organisation}__in": my_orgs})
    return records.filter(Q(**{f"{entry.service_user}__in": may_see}) & (own | _for_scopes(entry, shared)))


def assert_same_rows(world):
    staff = list(User.objects.filter(kind=User.Kind.STAFF))
    compared = 0
    for model in MODELS:
        rows = model._default_manager.all()
        assert rows.exists(), model
        for user in staff:
            now = set(access.org_written_filter(user, rows).values_list("pk", flat=True))
            before = set(issue_12_filter(user, rows).values_list("pk", flat=True))
            assert now == before, (model.__name__, user.username)
            # The lists' shape (the user's people read first, InArray): the same rows.
            people_first = access.org_written_filter(user, rows, people_first=True)
            assert set(people_first.values_list("pk", flat=True)) == now, (model.__name__, user.username)
            compared += len(now)
    return compared


def mixed_records(world):
    """Rows of every consent-scoped kind, written by four organisations about four people."""
    appointment(world)  # the CMHT's, about Sam
    appointment(world, by=world.keyworker_sm, team=world.sm_team)  # the drug and alcohol service's
    appointment(world, person=world.mh_only)
    appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
    appointment(world, by=world.keyworker_mh_south, team=world.cmht_south, person=world.south_only)
    charity = people_services.involvement_start(service_user=world.service_user, team=world.charity_team)
    appointment(world, by=world.outsider, team=world.charity_team)
    sched = schedule(world)
    collection(world, sched, timezone.localdate() - dt.timedelta(days=1))
    from dualcare.contacts import services as contacts_services

    contacts_services.contact_record(
        contact=collection(world, sched, timezone.localdate()), by=world.pharmacist, outcome="attended"
    )
    cohorts_services.quadrant_assess(
        service_user=world.service_user,
        mental_health_severity="high",
        substance_use_severity="low",
        rationale="Voices worse at night.",
        by=world.keyworker_mh,
    )
    shared_plan(world)
    return charity


class OrgWrittenRewriteTests:
    def test_it_shows_the_same_rows_as_before_through_every_change_of_consent_and_involvement(self, world):
        charity = mixed_records(world)
        seen = [assert_same_rows(world)]
        # Consent given: outcomes and risk cross to the drug and alcohol service, contacts to the charity.
        for organisation, scope in (
            (world.sm, Scope.OUTCOMES),
            (world.sm, Scope.RISK),
            (world.charity, Scope.CONTACTS),
        ):
            people_services.consent_record(
                service_user=world.service_user, organisation=organisation, scope=scope, by=world.keyworker_mh
            )
        seen.append(assert_same_rows(world))
        # Consent withdrawn: contacts no longer cross to the drug and alcohol service.
        contacts_consent = Consent.objects.get(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.CONTACTS,
            withdrawn_at__isnull=True,
        )
        people_services.consent_withdraw(
            consent=contacts_consent, by=world.keyworker_mh, note="Asked us to stop."
        )
        seen.append(assert_same_rows(world))
        # A contacts permission left behind by the withdrawal (as if a sync had not yet run): the
        # consent, withdrawn, still keeps the other organisation's contacts from the reader.
        ServiceUserUserObjectPermission.objects.create(
            user=world.keyworker_sm,
            content_object=world.service_user,
            permission=Permission.objects.get(content_type__app_label="people", codename="view_contacts"),
        )
        seen.append(assert_same_rows(world))
        # An ended involvement: the charity keeps its consent but sees nothing of Sam.
        people_services.involvement_end(involvement=charity, reason="Finished", by=world.outsider)
        seen.append(assert_same_rows(world))
        # A consent left active while its permission is gone (as just after a withdrawal elsewhere):
        # the rows follow the permission, in both filters.
        Involvement.objects.filter(service_user=world.service_user, team=world.sm_team).update(
            end=timezone.localdate()
        )
        access.permissions_sync(service_user_ids=[world.service_user.pk])
        seen.append(assert_same_rows(world))
        # Each state showed something, and the states differ: the comparison compared something.
        assert all(seen) and len(set(seen)) > 1

    def test_it_still_shows_the_person_their_own_and_a_carer_what_was_granted(self, world):
        mixed_records(world)
        mine = access.org_written_filter(world.service_user_login, Contact.objects.all())
        assert mine.count() == Contact.objects.filter(service_user=world.service_user).count() > 0
        # Sam's carer was granted the care plan only: no contacts.
        assert not access.org_written_filter(world.carer, Contact.objects.all()).exists()
        assert access.org_written_filter(world.carer, PlanEntry.objects.all()).exists()
