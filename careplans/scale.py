"""The trust-scale demo's care plans, written in bulk (``manage.py demo --scale``; see
dualcare/people/scale.py).

Every person has their one shared plan (50,000 at full scale), started by their first team's
key worker: what matters to them and a goal, in that organisation's words, and for about half
of those also with another organisation, what matters to them in that organisation's words too.
Most plans (85%) are published, reviewed about every six months (on time three times in four,
otherwise a few weeks late, so some reviews are overdue today), each version answered by the
person three times in four. The rows are the ones entry_add, careplan_publish (the version's
content and contributors as its _snapshot makes them) and agreement_record write; as in the
demo's history, no audit row or notification per row, and no PDF rendered (the beat sweep renders
the last week's versions, and older ones when someone asks).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.utils import translation

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import Trust, at

from .models import Agreement, CarePlan, Domain, PlanEntry, PlanVersion, Section

PUBLISHED = 0.85
# careplans.services.default_review_due is six months on.
REVIEW_WEEKS = 26
WHAT_MATTERS = [
    "Staying well enough to see my children at weekends.",
    "Keeping my flat and paying the rent on time.",
    "Cutting down drinking to weekends only.",
    "Getting back to the allotment twice a week.",
    "Not ending up in hospital again this winter.",
    "Having someone to talk to when the voices get loud.",
]
GOALS = [
    ("Go to the recovery group every Tuesday.", Domain.DRUG_ALCOHOL),
    ("Sleep through the night most nights.", Domain.MENTAL_HEALTH),
    ("Sort out my benefits and get the arrears paid.", Domain.PRACTICAL_HELP),
    ("Walk to the park and back three times a week.", Domain.PHYSICAL_HEALTH),
    ("Ring my sister every Sunday.", Domain.PARTNER_FAMILY),
]


def careplans_scale_create(trust: Trust) -> dict[str, int]:
    """Write the plans, their entries, versions and answers; returns how many of each."""
    plans_rng = trust.rng("careplans")
    now, today = trust.now, trust.today
    orgs = trust.organisations
    spells_of: dict = defaultdict(list)
    for spell in trust.involvements:
        spells_of[spell.service_user_id].append(spell)
    plans, entries, versions, answers = [], [], [], []
    names = trust.staff_names
    # In English, as PlanEntry.field_values stores a choice's label whoever publishes.
    with translation.override("en-gb"):
        domain_labels = {value: str(label) for value, label in Domain.choices}

    for person in trust.people:
        # One generator per plan: how many versions a plan has by now draws no more from the others.
        rng = random.Random(plans_rng.getrandbits(64))
        spells = sorted(spells_of[person], key=lambda s: s.start)
        first = spells[0]
        author = first.key_worker_id or first.team.workers[0]
        started = min(
            at(first.start + dt.timedelta(days=rng.randint(1, 10)), 11 * 60), now - dt.timedelta(days=1)
        )
        writers = [(first.team.organisation_id, author)] * 2
        others = [
            s for s in spells
            if s.end is None and s.team.kind != Organisation.Kind.PHARMACY
            and s.team.organisation_id != first.team.organisation_id and s.key_worker_id
        ]  # fmt: skip
        if others and rng.random() < 0.5:
            writers.append((others[0].team.organisation_id, others[0].key_worker_id))
        plan_id = trust.uuid(rng)
        plan_entries = []
        for n, (org_id, writer) in enumerate(writers):
            written = started + dt.timedelta(hours=n)
            if n == 1:
                text, domain = rng.choice(GOALS)
                section = Section.GOAL
                target = today + dt.timedelta(days=rng.randint(30, 180))
                fields = {"text": text, "domain": domain_labels[domain], "target_date": target.isoformat(),
                          "progress": ""}  # fmt: skip
            else:
                text, domain, target, section = rng.choice(WHAT_MATTERS), "", None, Section.WHAT_MATTERS
                fields = {"text": text}
            entry = {
                "id": trust.uuid(rng),
                "plan_id": plan_id,
                "section": section,
                "organisation_id": org_id,
                "author_id": writer,
                "updated_by_id": writer,
                "version": 1,
                "text": text,
                "domain": domain,
                "target_date": target,
                "created_at": written,
                "updated_at": written,
            }
            entries.append(entry)
            plan_entries.append((entry, fields))
        plan = {
            "id": plan_id,
            "service_user_id": person,
            "created_by_id": author,
            "current_version_number": 0,
            "review_due": None,
            "changes": len(plan_entries),
            "changes_at_publish": 0,
            "created_at": started,
            "updated_at": plan_entries[-1][0]["updated_at"],
        }
        plans.append(plan)
        if rng.random() >= PUBLISHED:
            continue
        content, contributors = _snapshot(plan_entries, spells, orgs, names)
        published = started + dt.timedelta(days=rng.randint(2, 20), hours=rng.randint(0, 5))
        number = 0
        while published < now - dt.timedelta(hours=1):
            number += 1
            review_due = published.date() + dt.timedelta(weeks=REVIEW_WEEKS)
            version_id = trust.uuid(rng)
            versions.append(
                {
                    "id": version_id,
                    "plan_id": plan_id,
                    "number": number,
                    "published_at": published,
                    "published_by_id": author,
                    "published_by_organisation_id": first.team.organisation_id,
                    "review_due": review_due,
                    "content": content,
                    "contributors": contributors,
                    "pdf": "",
                    "created_at": published,
                    "updated_at": published,
                }
            )
            answered = published + dt.timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
            if rng.random() < 0.75 and answered < now:
                answers.append(
                    {
                        "id": trust.uuid(rng),
                        "version_id": version_id,
                        "kind": Agreement.Kind.AGREED,
                        "method": rng.choice([Agreement.Method.PORTAL, Agreement.Method.IN_PERSON]),
                        "recorded_by_id": author,
                        "recorded_at": answered,
                        "created_at": answered,
                        "updated_at": answered,
                    }
                )
            plan.update(current_version_number=number, review_due=review_due, updated_at=published)
            late = rng.randint(3, 25) if rng.random() >= 0.75 else -rng.randint(0, 10)
            published = at(review_due + dt.timedelta(days=late), rng.randint(9 * 60, 17 * 60))
        plan["changes_at_publish"] = plan["changes"] if number else 0

    return {
        "care plans": rows_write(CarePlan, plans),
        "care plan entries": rows_write(PlanEntry, entries),
        "care plan versions": rows_write(PlanVersion, versions),
        "care plan answers": rows_write(Agreement, answers),
    }


def _snapshot(plan_entries, spells, orgs, names) -> tuple[dict, list]:
    """The version's content and contributors, as careplans.services._snapshot writes them."""
    sections: dict[str, list] = {section: [] for section in Section.values}
    organisations: dict[str, dict] = {}
    authors: dict[str, set] = {}

    def org_card(org_id) -> dict:
        org = orgs[org_id]
        return {"id": str(org_id), "name": org["name"], "phone": org["phone"], "email": org["email"],
                "out_of_hours_phone": ""}  # fmt: skip

    for entry, fields in sorted(plan_entries, key=lambda e: (e[0]["section"], e[0]["created_at"])):
        org_id = entry["organisation_id"]
        author = names[entry["author_id"]]
        sections[entry["section"]].append(
            {
                "id": str(entry["id"]),
                "organisation_id": str(org_id),
                "organisation": orgs[org_id]["name"],
                "author": author,
                "updated_by": author,
                "updated_at": entry["updated_at"].isoformat(),
                "fields": fields,
            }
        )
        organisations[str(org_id)] = org_card(org_id)
        authors.setdefault(str(org_id), set()).add(author)
    teams: dict[str, list] = {}
    for spell in spells:
        if spell.end is not None:
            continue
        org_id = spell.team.organisation_id
        organisations.setdefault(str(org_id), org_card(org_id))
        teams.setdefault(str(org_id), []).append(
            {
                "name": spell.team.name,
                "phone": spell.team.phone,
                "email": spell.team.email,
                "key_worker": names[spell.key_worker_id] if spell.key_worker_id else "",
            }
        )
    contributors = [
        {
            **org,
            "teams": teams.get(org_id, []),
            "people": sorted(authors.get(org_id, set())),
            "wrote_entries": org_id in authors,
        }  # fmt: skip
        for org_id, org in sorted(organisations.items(), key=lambda item: item[1]["name"])
    ]
    return {"sections": sections}, contributors
