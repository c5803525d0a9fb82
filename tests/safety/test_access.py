"""Who sees risk assessments and safety flags (issue 19 items 6 and 8): every access case, through
the selectors the pages and the API read."""

import pytest

from dualcare import access
from dualcare.access.denials import Refused
from dualcare.people import services as people
from dualcare.people.models import Consent, Involvement, Scope
from dualcare.safety import selectors
from dualcare.safety.models import DomainRating, FlagEvent, RiskAssessment, SafetyFlag

pytestmark = pytest.mark.django_db


def sees_assessment(user, assessment) -> bool:
    return selectors.risk_assessments_visible_to(user).filter(pk=assessment.pk).exists()


def sees_flag(user, flag) -> bool:
    return selectors.flags_visible_to(user).filter(pk=flag.pk).exists()


class RiskAccessTests:
    def test_it_shows_the_assessing_organisation_its_own(self, world, assess):
        assessment = assess()
        assert sees_assessment(world.keyworker_mh, assessment)
        assert sees_assessment(world.linkworker_mh, assessment)
        assert sees_assessment(world.manager_mh, assessment)

    def test_it_hides_it_from_another_organisation_without_risk_consent(self, world, assess):
        # Sam shares the care plan and contacts with the drug and alcohol service, not risk.
        assessment = assess()
        assert not sees_assessment(world.keyworker_sm, assessment)
        assert not selectors.risk_history(world.keyworker_sm, world.service_user).exists()

    def test_it_shows_it_to_another_organisation_with_risk_consent(self, world, assess, share_risk):
        assessment = assess()
        share_risk(world.sm)
        assert sees_assessment(world.keyworker_sm, assessment)
        assert selectors.risk_history(world.keyworker_sm, world.service_user).count() == 2

    def test_it_hides_it_at_once_when_consent_is_withdrawn(self, world, assess, share_risk):
        assessment = assess()
        consent = share_risk(world.sm)
        people.consent_withdraw(consent=consent, by=world.keyworker_sm)
        assert not sees_assessment(world.keyworker_sm, assessment)

    def test_it_hides_it_once_the_involvement_ends(self, world, assess):
        assessment = assess()
        involvement = Involvement.objects.get(service_user=world.service_user, team=world.cmht_north)
        people.involvement_end(involvement=involvement, reason="Discharged", by=world.keyworker_mh)
        assert not sees_assessment(world.keyworker_mh, assessment)

    def test_it_never_shows_it_to_the_pharmacy_carer_person_outsider_or_admin(
        self, world, assess, share_risk
    ):
        assessment = assess()
        share_risk(world.pharmacy_org)
        for user in (
            world.pharmacist,
            world.carer,
            world.service_user_login,
            world.outsider,
            world.orgadmin_mh,
        ):
            assert not sees_assessment(user, assessment), user.username
            assert not selectors.risk_history(user, world.service_user).exists(), user.username

    def test_it_lets_only_an_involved_team_assess(self, world, assess):
        for user in (world.pharmacist, world.outsider, world.orgadmin_mh):
            with pytest.raises(Refused):
                assess(by=user)
        assert not RiskAssessment.objects.exists()
        assert not DomainRating.objects.exists()


class FlagAccessTests:
    def test_it_shows_the_flagging_organisation_its_own_and_hides_it_from_others(self, world, raise_flag):
        flag = raise_flag()
        assert sees_flag(world.keyworker_mh, flag)
        assert not sees_flag(world.keyworker_sm, flag)
        assert not sees_flag(world.pharmacist, flag)

    def test_it_follows_risk_consent_for_other_organisations(self, world, raise_flag, share_risk):
        flag = raise_flag()
        consent = share_risk(world.sm)
        assert sees_flag(world.keyworker_sm, flag)
        people.consent_withdraw(consent=consent, by=world.keyworker_sm)
        assert not sees_flag(world.keyworker_sm, flag)

    def test_it_shows_the_pharmacy_a_flag_shared_with_it(self, world, raise_flag, share_risk):
        flag = raise_flag()
        share_risk(world.pharmacy_org)
        assert sees_flag(world.pharmacist, flag)
        assert selectors.flags_active_for_people(world.pharmacist, [world.service_user.pk]) == {
            world.service_user.pk: [flag]
        }

    def test_it_hides_it_from_the_pharmacy_once_consent_is_withdrawn(self, world, raise_flag, share_risk):
        flag = raise_flag()
        consent = share_risk(world.pharmacy_org)
        people.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert not sees_flag(world.pharmacist, flag)

    def test_it_hides_it_from_a_pharmacy_no_longer_involved(self, world, raise_flag, share_risk):
        flag = raise_flag()
        share_risk(world.pharmacy_org)
        involvement = Involvement.objects.get(service_user=world.service_user, team=world.pharmacy_team)
        people.involvement_end(involvement=involvement, reason="Moved pharmacy", by=world.keyworker_sm)
        assert not sees_flag(world.pharmacist, flag)

    def test_it_never_shows_it_to_the_carer_person_outsider_or_admin(self, world, raise_flag, share_risk):
        flag = raise_flag()
        share_risk(world.charity)
        for user in (world.carer, world.service_user_login, world.outsider, world.orgadmin_mh):
            assert not sees_flag(user, flag), user.username
        assert not access.safety_flags_filter(world.carer, FlagEvent.objects.all()).exists()

    def test_it_lets_only_an_involved_team_raise_one(self, world, raise_flag):
        for user in (world.pharmacist, world.outsider, world.carer):
            with pytest.raises(Refused):
                raise_flag(by=user)
        assert not SafetyFlag.objects.exists()

    def test_org_written_declares_every_safety_model(self):
        for label in ("riskassessment", "domainrating", "safetyflag", "flagevent", "removalrequest"):
            assert access.org_written(f"safety.{label}").scope == Scope.RISK
        assert Consent  # the consents above are the people app's, recorded through its services
