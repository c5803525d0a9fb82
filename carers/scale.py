"""Carers at trust scale (`manage.py scale_add carers`, and a fresh `demo --scale`): about 40% of
people have a carer identified, a tenth of those a second; carers have no login, are identified by
a key worker of the person's over the last year, and a third have been offered a carer's assessment,
a fifth have recorded their needs. Written in bulk (dualcare.bulk), no audit or outbox row per row."""

from __future__ import annotations

import datetime as dt

from dualcare.bulk import rows_write
from dualcare.people.models import Carer

from .models import AssessmentOffer, CarerNeeds

RELATIONSHIPS = (
    "Mother",
    "Father",
    "Partner",
    "Sister",
    "Brother",
    "Friend",
    "Daughter",
    "Son",
    "Grandmother",
)
GIVEN = ("Alex", "Sam", "Jo", "Pat", "Chris", "Robin", "Jordan", "Morgan", "Casey", "Jamie")
FAMILY = ("Testwell", "Exampley", "Mockridge", "Sampleton", "Fakeham", "Dummett", "Trialham")
STATES = [state for state, _ in AssessmentOffer.State.choices]


def scale_add(trust) -> dict[str, int]:
    rng = trust.rng("carers")
    first_worker: dict = {}
    for involvement in trust.open_involvements():
        if involvement.key_worker_id and involvement.service_user_id not in first_worker:
            first_worker[involvement.service_user_id] = (involvement.key_worker_id, involvement.team)
    carers, offers, needs = [], [], []
    for person in trust.people:
        if person not in first_worker or rng.random() >= 0.4:
            continue
        worker, team = first_worker[person]
        for _ in range(2 if rng.random() < 0.1 else 1):
            at = trust.now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            cid = trust.uuid(rng)
            by_email = rng.random() < 0.5
            carers.append(
                {
                    "id": cid,
                    "service_user_id": person,
                    "user_id": None,
                    "relationship": rng.choice(RELATIONSHIPS),
                    "given_name": rng.choice(GIVEN),
                    "family_name": rng.choice(FAMILY),
                    "phone": f"07700 900{rng.randrange(1000):03d}",
                    "email": f"carer{len(carers)}@example.invalid" if by_email else "",
                    "address": "",
                    "contact_by": Carer.ContactBy.EMAIL if by_email else Carer.ContactBy.PHONE,
                    "wants_information": rng.random() < 0.85,
                    "identified_by_id": worker,
                    "ended_at": None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if rng.random() < 1 / 3:
                on = min(trust.today, (at + dt.timedelta(days=rng.randrange(60))).date())
                offers.append(
                    {
                        "id": trust.uuid(rng),
                        "carer_id": cid,
                        "service_user_id": person,
                        "state": rng.choice(STATES),
                        "on": on,
                        "organisation_id": team.organisation_id,
                        "recorded_by_id": worker,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
            if rng.random() < 0.2:
                needs.append(
                    {
                        "id": trust.uuid(rng),
                        "carer_id": cid,
                        "service_user_id": person,
                        "needs": "A break now and then, and to know who to call.",
                        "answers": {"identified": rng.choice(("yes", "partly", "no"))},
                        "recorded_by_id": worker,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
    return {
        "carers": rows_write(Carer, carers),
        "carer's assessments": rows_write(AssessmentOffer, offers),
        "carers' needs": rows_write(CarerNeeds, needs),
    }
