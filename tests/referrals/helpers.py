"""Referrals made through the services, as staff would make them."""

from referrals import services
from referrals.models import Referral


def make_referral(
    world, *, by=None, service_user=None, to_team=None, urgency="routine", send=True, **extra
) -> Referral:
    """keyworker.sm (Recovery Team) refers Jo Mockridge, known only to them, to North CMHT by default."""
    fields = {
        "reason": "Low mood and not sleeping since losing housing.",
        "person_wants": "Someone to talk to about my mood.",
        "mental_health_needs": "Low mood, poor sleep.",
        "substance_use": "Drinking most days.",
        "risk_summary": "No current thoughts of self-harm.",
        "consent_confirmed": True,
    }
    fields.update(extra)
    return services.referral_create(
        by=by or world.keyworker_sm,
        service_user=service_user or world.sm_only,
        to_team=to_team or world.cmht_north,
        urgency=urgency,
        send=send,
        **fields,
    )
