"""The trust-scale demo's quadrant assessments, written in bulk (``manage.py demo --scale``; see
dualcare/people/scale.py).

Everyone with a mental health or drug and alcohol team has a Minkoff quadrant assessed by their
first such team's key worker within ten days of the start (mental health teams see more people
in quadrants II and IV, drug and alcohol teams more in III and IV), and about three in ten have
moved quadrant at a later assessment. The rows are the ones quadrant_assess writes (the
quadrant from the two severities, the assessing organisation); no audit row per row.
"""

from __future__ import annotations

import datetime as dt

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import Trust, at

from .models import QuadrantAssessment, quadrant_for

WEIGHTS = {
    Organisation.Kind.MENTAL_HEALTH: [("I", 10), ("II", 40), ("III", 10), ("IV", 40)],
    Organisation.Kind.SUBSTANCE_MISUSE: [("I", 10), ("II", 10), ("III", 45), ("IV", 35)],
}
SEVERITIES = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}
RATIONALES = {
    "I": "Mood and drinking both manageable with support in primary care.",
    "II": "Severe mental illness; substance use is occasional and low-risk.",
    "III": "Substance use is high-risk; mental health needs are mild to moderate.",
    "IV": "Severe mental illness and high-risk substance use, each making the other worse.",
}
MOVES = {"I": "II", "II": "IV", "III": "IV", "IV": "II"}


def cohorts_scale_create(trust: Trust) -> dict[str, int]:
    """Write the quadrant assessments; returns how many."""
    rng = trust.rng("cohorts")
    today = trust.today
    first: dict = {}
    for spell in trust.involvements:
        if spell.team.kind in WEIGHTS and spell.key_worker_id:
            known = first.get(spell.service_user_id)
            if known is None or spell.start < known.start:
                first[spell.service_user_id] = spell
    rows = []
    for person in trust.people:
        spell = first.get(person)
        if spell is None:
            continue
        names, weights = zip(*WEIGHTS[spell.team.kind], strict=True)
        quadrant = rng.choices(names, weights=weights)[0]
        day = min(today, spell.start + dt.timedelta(days=rng.randint(0, 10)))
        history = [(day, quadrant)]
        later = day + dt.timedelta(weeks=rng.randint(8, 30))
        if rng.random() < 0.3 and later <= min(today, spell.end or today):
            history.append((later, MOVES[quadrant] if rng.random() < 0.5 else "I"))
        for when, name in history:
            mental_health, substance_use = SEVERITIES[name]
            written = at(when, rng.randint(10 * 60, 17 * 60))
            rows.append(
                {
                    "id": trust.uuid(rng),
                    "service_user_id": person,
                    "mental_health_severity": mental_health,
                    "substance_use_severity": substance_use,
                    "quadrant": quadrant_for(mental_health, substance_use),
                    "assessed_on": when,
                    "assessed_by_id": spell.key_worker_id,
                    "organisation_id": spell.team.organisation_id,
                    "rationale": RATIONALES[name],
                    "created_at": written,
                    "updated_at": written,
                }
            )
    return {"quadrant assessments": rows_write(QuadrantAssessment, rows)}
