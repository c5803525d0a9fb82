"""The quadrant assessments of the demo's history: the cohorts app's part of it, written in bulk.

Each of the referral history's accepted referrals (`demo.history_episodes`, made by
referrals/demo_history.py) was assessed for a quadrant by the receiving team within ten days of
the start of care, and about three in ten were reassessed six to fourteen weeks later (people
move between quadrants). `quadrant_history_write` is also how the other histories write their
people's assessments (outcomes/demo_history.py). Written as an import would, in one transaction;
loaded with the referral history, once (there are no episodes on a later run).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import transaction

from dualcare.management.demo_import import HistoryEpisode, dates_as_given, history_enabled

from .models import QuadrantAssessment, quadrant_for

LONDON = ZoneInfo("Europe/London")
SEED = "history-f:quadrants"
QUADRANT_WEIGHTS = {
    "north": (10, 35, 15, 40),
    "south": (10, 35, 15, 40),
    "recovery": (10, 15, 45, 30),
    "prescribing": (5, 15, 45, 35),
    "peer": (30, 20, 30, 20),
}
SEVERITY = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}
RATIONALES = {
    "I": "Mood and drinking both manageable with support in primary care.",
    "II": "Severe mental illness; substance use is occasional and low-risk.",
    "III": "Substance use is high-risk; mental health needs are mild to moderate.",
    "IV": "Severe mental illness and high-risk substance use, each making the other worse.",
}


def build(demo) -> None:
    """The assessments of the episodes the referral history has just made (none on a later run)."""
    if not history_enabled() or not demo.history_episodes:
        return
    demo.created.update(quadrants_history_import(episodes=demo.history_episodes, today=demo.today))


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


@transaction.atomic
def quadrant_history_write(assessments: Iterable[QuadrantAssessment], *, label: str = "history") -> Counter:
    """Write historic quadrant assessments in bulk, with the times they carry (created_at unset:
    the afternoon of the day assessed). Returns how many were written, labelled `label`."""
    assessments = list(assessments)
    for assessment in assessments:
        assessment.quadrant = quadrant_for(
            assessment.mental_health_severity, assessment.substance_use_severity
        )
        if assessment.created_at is None:
            assessment.created_at = _moment(assessment.assessed_on, 15 * 60)
        assessment.updated_at = assessment.updated_at or assessment.created_at
    with dates_as_given(QuadrantAssessment):
        QuadrantAssessment.objects.bulk_create(assessments, batch_size=500)
    return Counter({f"{label}: quadrant assessments": len(assessments)})


def quadrants_history_import(*, episodes: list[HistoryEpisode], today: dt.date) -> Counter:
    """An assessment at the start of each episode (for some, a second one later), in bulk."""
    rng = random.Random(SEED)
    assessments = []
    for episode in episodes:
        involvement = episode.involvement
        ends = involvement.end or today
        first = involvement.start + dt.timedelta(days=rng.randint(0, 10))
        if first >= ends or first >= today:
            continue
        days = [first]
        later = first + dt.timedelta(weeks=rng.randint(6, 14))
        if rng.random() < 0.3 and later < ends and later < today:
            days.append(later)
        for day in days:
            quadrant = rng.choices(["I", "II", "III", "IV"], weights=QUADRANT_WEIGHTS[episode.team_key])[0]
            mental_health, substance_use = SEVERITY[quadrant]
            assessments.append(
                QuadrantAssessment(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    service_user=episode.person,
                    mental_health_severity=mental_health,
                    substance_use_severity=substance_use,
                    assessed_on=day,
                    assessed_by=episode.worker,
                    organisation=involvement.team.organisation,
                    rationale=RATIONALES[quadrant],
                )
            )
    return quadrant_history_write(assessments)
