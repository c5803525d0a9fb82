"""Signposting at trust scale (directory/scale.py's scale_add calls it after the directory): each
declined referral of the trust signposted to one or two open directory services as it was declined,
its follow-up due SIGNPOST_FOLLOW_UP_DAYS later; about half of those whose follow-up is due are
recorded connected, the rest not recorded yet (the worst case for the follow-ups list). Written in
bulk (dualcare.bulk), with the rows signposting.signpost_record would write."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from dualcare.bulk import rows_write

from .models import Service, Signpost, SignpostService


def signposts_scale_add(trust) -> dict[str, int]:
    from referrals.models import Referral

    rng = trust.rng("directory.signposts")
    services = list(Service.objects.filter(status=Service.Status.ACTIVE).values_list("pk", flat=True)[:4000])
    if not services:
        return {"signposts": 0}
    declined = Referral.objects.filter(state="declined", declined_at__isnull=False).values_list(
        "pk", "service_user_id", "to_team_id", "to_team__organisation_id", "declined_at"
    )
    signposts, picks = [], []
    for referral_id, person_id, team_id, organisation_id, declined_at in declined.iterator():
        due = timezone.localtime(declined_at).date() + dt.timedelta(days=settings.SIGNPOST_FOLLOW_UP_DAYS)
        connected = (
            declined_at + dt.timedelta(days=rng.randint(3, 27))
            if due <= trust.today and rng.random() < 0.5
            else None
        )
        sid = trust.uuid(rng)
        signposts.append(
            {
                "id": sid,
                "service_user_id": person_id,
                "team_id": team_id,
                "organisation_id": organisation_id,
                "occasion": Signpost.Occasion.REFERRAL_DECLINED,
                "referral_id": referral_id,
                "other": "",
                "next_steps": "They can ring or drop in.",
                "follow_up_due": due,
                "followed_up_at": connected,
                "connected_at": connected,
                "created_at": declined_at,
                "updated_at": declined_at,
            }
        )
        for service_id in rng.sample(services, k=rng.randint(1, 2)):
            picks.append({"signpost_id": sid, "service_id": service_id})
    written = {"signposts": rows_write(Signpost, signposts)}
    SignpostService.objects.bulk_create([SignpostService(**pick) for pick in picks], batch_size=2000)
    written["signposted services"] = len(picks)
    return written
