"""Open Referral UK services for the directory's tests, and an import of them by a keeper."""

from __future__ import annotations

import copy
import json
import uuid

from directory import services

NS = uuid.UUID("0d2b8a5e-41c4-4a6f-8b7e-3c9b1f2a6d01")


def ident(*parts) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


def oruk_service(key: str, **changes) -> dict:
    """A fully nested Open Referral UK service (the /services/{id} shape), with `changes` on top."""
    service = {
        "id": ident("service", key),
        "name": f"{key.title()} Housing Advice",
        "description": "Advice if you are at risk of losing your home.",
        "status": "active",
        "assured_date": "2026-11-01",
        "organization": {
            "id": ident("org", key),
            "name": f"{key.title()} Housing Trust",
            "description": "A housing charity.",
            "website": "https://housing.example.org",
        },
        "eligibility_description": "Adults living in Northtown.",
        "minimum_age": 18,
        "maximum_age": 65,
        "service_areas": [{"id": ident("area", key), "name": "Northtown"}],
        "phones": [{"id": ident("phone", key), "number": "0113 496 0000"}],
        "x_dualcare_referral_methods": ["phone", "self"],
        "attributes": [
            {
                "id": ident("attr", key),
                "taxonomy_term": {
                    "id": ident("term"),
                    "name": "Housing",
                    "description": "Housing",
                    "term": "housing",
                },
            }
        ],
        "service_at_locations": [
            {
                "id": ident("sal", key),
                "location": {
                    "id": ident("loc", key),
                    "location_type": "physical",
                    "name": "Civic Centre",
                    "addresses": [
                        {
                            "id": ident("addr", key),
                            "address_1": "1 Market Square",
                            "city": "Northtown",
                            "state_province": "",
                            "postal_code": "nt1 4ab",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "schedules": [
            {
                "id": ident("sched", key),
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "09:00",
                "closes_at": "17:00",
            }
        ],
    }
    merged = copy.deepcopy(service)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def page(*rows) -> bytes:
    return json.dumps({"total_items": len(rows), "contents": list(rows)}).encode()


def import_services(keeper, *rows, by=None):
    return services.directory_import(keeper=keeper, by=by, file_name="services.json", content=page(*rows))
