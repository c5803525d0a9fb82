"""The trust-scale demo's outcome measures, written in bulk (``manage.py demo --scale``; see
dualcare/people/scale.py).

Each involvement with a mental health team has HoNOS ratings, each with a drug and alcohol team
TOP forms, as the demo's outcome history makes them (its item and answer generators): a
baseline within two weeks of the start for most (later for some, none for a few), a review about
every six months, and an exit measure for most ended involvements. The rows are the ones the
outcome forms' services write (the organisation and team they were recorded for, the recording
key worker); as in the demo's history, no audit row or reminder per row.
"""

from __future__ import annotations

import datetime as dt

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import Trust, at

from .demo_history import _honos_items, _top_answers
from .models import HonosRating, TopForm
from .schedules import add_months

INSTRUMENT = {Organisation.Kind.MENTAL_HEALTH: "honos", Organisation.Kind.SUBSTANCE_MISUSE: "top"}


def outcomes_scale_create(trust: Trust) -> dict[str, int]:
    """Write the HoNOS ratings and TOP forms; returns how many of each."""
    rng = trust.rng("outcomes")
    today = trust.today
    honos, tops = [], []
    for spell in trust.involvements:
        instrument = INSTRUMENT.get(spell.team.kind)
        if instrument is None or spell.key_worker_id is None:
            continue
        last = min(today, spell.end or today)
        chance = rng.random()
        if chance < 0.8:
            baseline = spell.start + dt.timedelta(days=rng.randint(0, 14))
        elif chance < 0.93:
            baseline = spell.start + dt.timedelta(days=rng.randint(15, 45))
        else:
            continue
        if baseline > last:
            continue
        forms = [("baseline", baseline)]
        previous = baseline
        while True:
            review = add_months(previous, 6) + dt.timedelta(days=rng.randint(-14, 30))
            if review > last:
                break
            forms.append(("review", review))
            previous = review
        if spell.end is not None and rng.random() < 0.75:
            forms.append(("exit", min(today, spell.end + dt.timedelta(days=rng.randint(0, 7)))))
        severity = rng.choice([1.4, 1.8, 2.2, 2.6])
        improves = rng.random() < 0.65
        for number, (kind, day) in enumerate(forms):
            progress = min(1.0, 0.35 * number) if improves else -0.05 * number
            written = at(day, rng.randint(10 * 60, 17 * 60))
            common = {
                "id": trust.uuid(rng),
                "service_user_id": spell.service_user_id,
                "organisation_id": spell.team.organisation_id,
                "team_id": spell.team.id,
                "recorded_by_id": spell.key_worker_id,
                "created_at": written,
                "updated_at": written,
            }
            if instrument == "honos":
                items, extra = _honos_items(rng, max(0.2, severity * (1 - 0.5 * progress)))
                stage = {"baseline": "assessment", "review": "review", "exit": "discharge"}[kind]
                honos.append(
                    {
                        **common,
                        "rated_on": day,
                        "stage": stage,
                        **{f"item{n}": v for n, v in enumerate(items, start=1)},
                        "item8_type": extra.get("item8_type", ""),
                    }
                )
            else:
                stage = {"baseline": "start", "review": "review", "exit": "exit"}[kind]
                tops.append({**common, "completed_on": day, "stage": stage, **_top_answers(rng, progress)})
    return {"HoNOS ratings": rows_write(HonosRating, honos), "TOP forms": rows_write(TopForm, tops)}
