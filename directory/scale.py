"""The directory at trust scale (`manage.py scale_add directory`, and a fresh `demo --scale`): a
region's worth of services, 4,000 at full scale (a large county's published directory holds a
few thousand), each with a place, its opening days, one to three needs, and checked dates
spread over two years so about a quarter are out of date. Written in bulk (dualcare.bulk), with
the rows the importer would write."""

from __future__ import annotations

import datetime as dt

from dualcare.bulk import rows_write

from . import pack_scale
from .models import Location, Need, OpeningTime, Provider, Service

FULL_SCALE_SERVICES = 4_000
NEEDS = (
    ("housing", "Housing"),
    ("alcohol", "Alcohol"),
    ("drugs", "Drugs"),
    ("mental-health", "Mental health"),
    ("debt", "Debt and money"),
    ("food", "Food"),
    ("employment", "Work and training"),
    ("peer-support", "Peer support"),
    ("crisis", "Crisis support"),
    ("carers", "Carers"),
    ("physical-health", "Physical health"),
    ("legal", "Legal and justice"),
)
LOCALITIES = (
    "Northgate",
    "Harbourside",
    "Eastfield",
    "Westmoor",
    "Old Quay",
    "Hillbrook",
    "Southmere",
    "Crossford",
)
TOPICS = ("Housing", "Recovery", "Wellbeing", "Food", "Money", "Peer", "Work")
PROVIDER_KINDS = ("Trust", "Charity", "Network", "CIC")
KINDS = ("Advice", "Support Group", "Drop-in", "Outreach", "Helpline", "Project", "Hub", "Service")


def scale_add(trust) -> dict[str, int]:
    rng = trust.rng("directory")
    count = max(40, round(FULL_SCALE_SERVICES * trust.scale))
    needs = []
    for code, name in NEEDS:
        need = Need.objects.filter(code=code).first() or Need.objects.create(code=code, name=name)
        needs.append(need)
    keepers = list(trust.organisations)
    teams = list(trust.teams)
    providers = [
        {
            "id": trust.uuid(rng),
            "name": f"{rng.choice(LOCALITIES)} {rng.choice(PROVIDER_KINDS)} {n}",
            "created_at": trust.now,
            "updated_at": trust.now,
        }
        for n in range(max(10, count // 5))
    ]
    rows_write(Provider, providers)
    services, places, times, links = [], [], [], []
    for n in range(count):
        sid = trust.uuid(rng)
        locality = rng.choice(LOCALITIES)
        district = f"NT{LOCALITIES.index(locality) + 1}"
        provider = rng.choice(providers)
        team = rng.choice(teams) if teams and rng.random() < 0.05 else None
        name = f"{locality} {rng.choice(TOPICS)} {rng.choice(KINDS)} {n}"
        low = rng.choice((None, None, 16, 18, 18, 25, 55))
        services.append(
            {
                "id": sid,
                "provider_id": provider["id"],
                "keeper_id": team.organisation_id if team else rng.choice(keepers),
                "team_id": team.id if team else None,
                "name": name,
                "description": f"{name}: support for people in {locality}.",
                "status": Service.Status.ACTIVE if rng.random() < 0.93 else Service.Status.TEMPORARILY_CLOSED,
                "eligibility": "Adults living locally." if low else "",
                "minimum_age": low,
                "maximum_age": rng.choice((None, None, 65, 24)) if low in (16, 18) else None,
                "gender": rng.choice((Service.Gender.ANY,) * 8 + (Service.Gender.WOMEN, Service.Gender.MEN)),
                "area": locality if rng.random() < 0.4 else "",
                "referral_methods": rng.sample(["self", "phone", "web_form"], k=rng.randint(1, 3)),
                "phone": f"0113 496 {rng.randint(1000, 9999)}",
                "last_checked": trust.today - dt.timedelta(days=rng.randint(0, 730)),
                "search_text": f"{name} support for people in {locality} {provider['name']}".lower(),
                "created_at": trust.now,
                "updated_at": trust.now,
            }
        )
        places.append(
            {
                "id": trust.uuid(rng),
                "service_id": sid,
                "address": f"{rng.randint(1, 200)} High Street",
                "locality": locality,
                "postcode": f"{district} {rng.randint(1, 9)}AB",
                "postcode_district": district,
                "created_at": trust.now,
                "updated_at": trust.now,
            }
        )
        opens = dt.time(rng.choice((8, 9, 10)), 0)
        closes = dt.time(rng.choice((13, 16, 17, 20)), 0)
        for day in sorted(rng.sample(range(7), k=rng.randint(1, 5))):
            times.append(
                {
                    "id": trust.uuid(rng),
                    "service_id": sid,
                    "weekday": day,
                    "opens_at": opens,
                    "closes_at": closes,
                    "created_at": trust.now,
                    "updated_at": trust.now,
                }
            )
        for need in rng.sample(needs, k=rng.randint(1, 3)):
            links.append({"service_id": sid, "need_id": need.pk})
    written = {"directory services": rows_write(Service, services)}
    written["directory places"] = rows_write(Location, places)
    written["directory opening times"] = rows_write(OpeningTime, times)
    Through = Service.needs.through
    Through.objects.bulk_create([Through(**link) for link in links], batch_size=2000)
    written["directory providers"] = len(providers)
    written.update(pack_scale.scale_add(trust))  # information packs (issue 18, item 6)
    from .signpost_scale import signposts_scale_add

    written.update(signposts_scale_add(trust))
    return written
