"""Issue 15: org_written_rows_of_one (the consent rule row by row, for a correlated annotation such
as a caseload's current quadrant) shows exactly the rows org_written_filter shows, for every staff
member, on every consent-scoped model, through the same changes of consent and involvement."""

import pytest
from django.db.models import OuterRef, Subquery

from cohorts.models import QuadrantAssessment
from cohorts.selectors import with_current_quadrant
from dualcare import access
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope, ServiceUser, User
from tests.people.test_org_written_rewrite import MODELS, mixed_records

pytestmark = pytest.mark.django_db


def assert_same_rows():
    compared = 0
    for user in User.objects.all():
        for model in MODELS:
            rows = model._default_manager.all()
            hashed = set(access.org_written_filter(user, rows).values_list("pk", flat=True))
            by_row = set(access.org_written_rows_of_one(user, rows).values_list("pk", flat=True))
            assert by_row == hashed, (model.__name__, user.username)
            # One person's rows (org_written_filter's service_user=, tested row by row).
            entry = access.org_written(model)
            for person in ServiceUser.objects.all():
                theirs = (
                    set(rows.filter(**{entry.service_user: person}).values_list("pk", flat=True)) & hashed
                )
                one = access.org_written_filter(user, rows, service_user=person)
                assert set(one.values_list("pk", flat=True)) == theirs, (model.__name__, user.username)
            compared += len(hashed)
    return compared


class OrgWrittenRowsOfOneTests:
    def test_it_shows_the_rows_org_written_filter_shows_as_consent_changes(self, world):
        charity = mixed_records(world)
        seen = [assert_same_rows()]
        for organisation, scope in ((world.sm, Scope.OUTCOMES), (world.charity, Scope.CONTACTS)):
            people_services.consent_record(
                service_user=world.service_user, organisation=organisation, scope=scope, by=world.keyworker_mh
            )
        seen.append(assert_same_rows())
        outcomes = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.OUTCOMES, withdrawn_at=None
        )
        people_services.consent_withdraw(consent=outcomes, by=world.keyworker_mh, note="Asked us to stop.")
        seen.append(assert_same_rows())
        people_services.involvement_end(involvement=charity, reason="Finished", by=world.outsider)
        seen.append(assert_same_rows())
        assert all(seen) and len(set(seen)) > 1

    def test_the_caseload_quadrant_follows_the_outcomes_consent(self, world):
        """The annotation itself: the drug and alcohol key worker sees the CMHT's quadrant of Sam
        only while Sam's outcomes consent to their organisation is active (fails if the
        annotation ignored consent)."""
        mixed_records(world)

        def quadrant_seen_by(user):
            return with_current_quadrant(
                ServiceUser.objects.filter(pk=world.service_user.pk), user=user
            ).get()

        assert quadrant_seen_by(world.keyworker_mh).current_quadrant
        assert quadrant_seen_by(world.keyworker_sm).current_quadrant is None
        consent = people_services.consent_record(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.OUTCOMES,
            by=world.keyworker_mh,
        )
        seen = quadrant_seen_by(world.keyworker_sm)
        latest = Subquery(
            QuadrantAssessment.objects.filter(service_user=OuterRef("pk"))
            .order_by("-assessed_on")
            .values("quadrant")[:1]
        )
        assert seen.current_quadrant == ServiceUser.objects.annotate(q=latest).get(pk=world.service_user.pk).q
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Stop.")
        assert quadrant_seen_by(world.keyworker_sm).current_quadrant is None
