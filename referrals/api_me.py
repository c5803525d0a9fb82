"""/api/v1/me/referrals/: the person's own referrals as their "Your referrals" page tells them
(referrals.selectors.referrals_for_service_user: sent ones only, never a draft, never the clinical
contents). A carer's pages show no referrals, so a carer's token gets an empty list."""

from __future__ import annotations

from rest_framework import serializers

from dualcare import access
from dualcare.people.api_me import PersonReadViewSet

from . import selectors
from .models import State

# The day each state was reached, as the page says it.
_STATE_DAY = {
    State.SENT: "sent_at",
    State.ACKNOWLEDGED: "acknowledged_at",
    State.ACCEPTED: "accepted_at",
    State.DECLINED: "declined_at",
    State.WITHDRAWN: "withdrawn_at",
    State.CLOSED: "closed_at",
}


class MyReferralSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    to_team = serializers.CharField(source="to_team.name", help_text="The team you were referred to.")
    to_organisation = serializers.CharField(source="to_team.organisation.name")
    from_team = serializers.CharField(source="from_team.name", help_text="The team that referred you.")
    sent_on = serializers.SerializerMethodField()
    state = serializers.ChoiceField(choices=[c for c in State.choices if c[0] != State.DRAFT])
    state_since = serializers.SerializerMethodField(help_text="The day it reached this state.")
    key_worker = serializers.SerializerMethodField(help_text="Your key worker there, once they accept.")
    signposting_service = serializers.SerializerMethodField(
        help_text="Where they suggest you go instead, when they cannot help."
    )
    signposting_next_steps = serializers.SerializerMethodField()

    def _day(self, moment):
        return serializers.DateField().to_representation(moment.date()) if moment else None

    def get_sent_on(self, referral) -> str | None:
        return self._day(referral.sent_at)

    def get_state_since(self, referral) -> str | None:
        return self._day(getattr(referral, _STATE_DAY.get(referral.state, "sent_at")))

    def get_key_worker(self, referral) -> str | None:
        worker = referral.receiving_key_worker if referral.state == State.ACCEPTED else None
        return worker.display_name if worker else None

    def get_signposting_service(self, referral) -> str | None:
        return referral.signposting_service or None if referral.state == State.DECLINED else None

    def get_signposting_next_steps(self, referral) -> str | None:
        return referral.signposting_next_steps or None if referral.state == State.DECLINED else None


class MyReferralViewSet(PersonReadViewSet):
    """Your referrals to other teams, newest first."""

    serializer_class = MyReferralSerializer
    audit_action = "me.referrals"

    def rows(self, user):
        person = access.service_user_of(user)
        return selectors.referrals_for_service_user(user, person) if person is not None else []
