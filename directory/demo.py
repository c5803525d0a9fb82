"""The demo's local service directory (run by `manage.py demo` through build(demo)): 42 services
around the demo organisations, imported through the same importer as an organisation admin's
upload, from the Open Referral UK files in directory/demo_files/ (one per organisation that keeps
them). Some were last checked long ago, so their keepers are told. Idempotent: a file whose
services are all there already is not imported again.

Signposting (issue 18 item 7): the demo's declines were signposted as they were declined (the
referrals demo, before the directory was listed); the Recovery Team then points Hannah Placeley's
decline to the Bridgeway Peer Mentoring entry, its follow-up due a fortnight after the decline.
Each decline's signposts take the decline's time, as the referrals demo moves its referrals' clocks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dualcare.management.demo_data import Demo

from . import pack_demo, services, signposting
from .models import Service, Signpost

FILES = Path(__file__).parent / "demo_files"
# (file, the demo organisation that keeps its entries)
DEMO_FILES = (
    ("northgate_mental_health.json", "mh"),
    ("harbourside.json", "sm"),
    ("bridgeway_local_services.json", "charity"),
)


def demo_file_ids(name: str) -> list[str]:
    return [row["id"] for row in json.loads((FILES / name).read_text())["contents"]]


def build(demo: Demo) -> None:
    for name, organisation_key in DEMO_FILES:
        ids = demo_file_ids(name)
        if Service.objects.filter(pk__in=ids).count() == len(ids):
            continue
        run = services.directory_import(
            keeper=demo.organisations[organisation_key],
            by=None,
            file_name=name,
            content=(FILES / name).read_bytes(),
        )
        if run.refused:
            raise RuntimeError(f"The demo directory file {name} has refused services: {run.refused}")
        demo.created["directory services"] += run.taken
    pack_demo.build(demo)  # the information pack (issue 18, item 6), after its entries
    _signpost_declines(demo)


# (the declined referral's person, the directory entry its declining team points it to, by whom)
DEMO_SIGNPOSTS = (("Hannah Placeley", "Bridgeway Peer Mentoring", "keyworker.sm"),)


def _signpost_declines(demo: Demo) -> None:
    from referrals.models import Referral

    for person_name, service_name, username in DEMO_SIGNPOSTS:
        person, by = demo.people.get(person_name), demo.staff.get(username)
        service = Service.objects.filter(name=service_name).first()
        referral = Referral.objects.filter(service_user=person, state="declined").first() if person else None
        if (
            None in (referral, service, by)
            or Signpost.objects.filter(referral=referral, services=service).exists()
        ):
            continue
        signposting.signpost_add_to_decline(
            referral=referral,
            by=by,
            services=[service],
            next_steps="Drop in on a Tuesday or Friday afternoon, or call them first.",
        )
        demo.created["signposts"] += 1
    # Each decline's signposts dated as the decline (the referrals demo moved its clock back).
    for signpost in Signpost.objects.filter(referral__declined_at__isnull=False).select_related("referral"):
        declined_at = signpost.referral.declined_at
        if signpost.created_at > declined_at:
            Signpost.objects.filter(pk=signpost.pk).update(
                created_at=declined_at,
                follow_up_due=timezone.localtime(declined_at).date()
                + dt.timedelta(days=settings.SIGNPOST_FOLLOW_UP_DAYS),
            )
    # As the hourly beat would: a follow-up already due is reminded to its team, once.
    signposting.signposts_remind_due()
