"""The referrals' timeline source (dualcare/timeline): each move of a referral about the person.

As on the record's referral history (selectors.referrals_for_service_user): whoever may see the
record sees that a referral was sent and each move after it (teams and states, no contents); its
notes and its link only a viewer of the referral itself (rule 1, access.referrals_visible_to: the
referring team and, once sent, the receiving team). Drafts are the referring team's own work and
not a move of the person's care, so they are left out."""

from __future__ import annotations

from django.db.models import Case, F, Q, Value, When
from django.urls import reverse

from dualcare import access
from dualcare.timeline.sources import entries, label_of, text

from .models import Referral, ReferralEvent, State

# The side whose move it is: the referrer sends and withdraws, the receiving team answers.
_SENDER_MOVES = [State.SENT, State.WITHDRAWN]


def referral_moves(viewer, service_user):
    if not access.is_active_staff(viewer) or not access.can_view_record(viewer, service_user):
        return None
    theirs = Referral.objects.filter(service_user=service_user)
    readable = Q(referral__in=access.referrals_visible_to(viewer, theirs).values("pk"))
    events = ReferralEvent.objects.filter(referral__service_user=service_user).exclude(to_state=State.DRAFT)
    events = events.exclude(referral__state=State.DRAFT)
    by_sender = Q(to_state__in=_SENDER_MOVES)
    return entries(
        events,
        key="referrals.move",
        at="at",
        organisation=Case(
            When(by_sender, then=F("referral__from_team__organisation_id")),
            default=F("referral__to_team__organisation_id"),
        ),
        organisation_name=Case(
            When(by_sender, then=F("referral__from_team__organisation__name")),
            default=F("referral__to_team__organisation__name"),
        ),
        title=text(
            "Referral from ",
            F("referral__from_team__name"),
            " to ",
            F("referral__to_team__name"),
            ": ",
            label_of("to_state", [(value, label.lower()) for value, label in State.choices]),
        ),
        detail=Case(When(readable, then=F("note")), default=Value("")),
        ref=Case(When(readable, then=F("referral_id")), default=Value(None)),
    )


def referral_link(ref) -> str:
    return reverse("referrals:detail", kwargs={"pk": ref})
