"""A year of signposting behind the demo's dashboards ("Signposted people who got there"): each
declined referral of the history, signposted as it was declined to one or two open directory
services, its follow-up due SIGNPOST_FOLLOW_UP_DAYS later; about three in five recorded connected
within the 28 days, the rest not. Written in bulk (dualcare.bulk) with the rows
signposting.signpost_record would write, after the referrals' history. Deterministic (one seeded
generator) and idempotent (a referral already signposted is left alone)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.conf import settings
from django.utils import timezone

from dualcare.bulk import rows_write
from dualcare.management.demo_import import history_enabled

from .models import Service, Signpost, SignpostService

SEED = 18


def build(demo) -> None:
    from referrals.models import Referral

    if not history_enabled():
        return
    rng = random.Random(SEED)
    services = list(
        Service.objects.filter(status=Service.Status.ACTIVE).order_by("name").values_list("pk", flat=True)
    )
    if not services:
        return
    now = timezone.now()
    declined = (
        Referral.objects.filter(state="declined", declined_at__isnull=False, signposts__isnull=True)
        .order_by("declined_at", "pk")
        .values_list("pk", "service_user_id", "to_team_id", "to_team__organisation_id", "declined_at")
    )
    signposts, picks = [], []
    for referral_id, person_id, team_id, organisation_id, declined_at in declined:
        took = dt.timedelta(days=rng.randint(2, 27), hours=rng.randint(0, 8))
        connected = declined_at + took if rng.random() < 0.6 and declined_at + took < now else None
        sid = uuid.UUID(int=rng.getrandbits(128), version=4)
        due = timezone.localtime(declined_at).date() + dt.timedelta(days=settings.SIGNPOST_FOLLOW_UP_DAYS)
        # A past follow-up not recorded in time was reminded then, as the beat would have.
        reminder = declined_at + dt.timedelta(days=settings.SIGNPOST_FOLLOW_UP_DAYS)
        reminded = reminder if reminder < now and (connected is None or connected > reminder) else None
        signposts.append(
            {
                "id": sid,
                "service_user_id": person_id,
                "team_id": team_id,
                "organisation_id": organisation_id,
                "occasion": Signpost.Occasion.REFERRAL_DECLINED,
                "referral_id": referral_id,
                "next_steps": "They can ring or drop in.",
                "follow_up_due": due,
                "reminded_at": reminded,
                "followed_up_at": connected,
                "connected_at": connected,
                "created_at": declined_at,
                "updated_at": connected or declined_at,
            }
        )
        for service_id in rng.sample(services, k=rng.randint(1, 2)):
            picks.append(SignpostService(signpost_id=sid, service_id=service_id))
    demo.created["signposts"] += rows_write(Signpost, signposts)
    SignpostService.objects.bulk_create(picks, batch_size=2000)
