"""The trust-scale demo's risk assessments and safety flags (``manage.py scale_add safety``, and a
fresh ``demo --scale``), written in bulk from the trust's people (dualcare/people/scale.py).

At full scale: about seven in ten people with an open mental health or drug and alcohol team
were risk-assessed by that team, one to four times over the last two years (about every six
months), each time four to seven of the seven areas; about one in eight people collecting a
supervised dose carries an active overdose flag raised by the drug and alcohol team, and one in
thirty people another flag ("do not visit alone", "children at home"). The rows are the ones the
services write: each assessment with its ratings and a reminder for the latest, each flag with
its "raised" event and its review reminder. No audit row per row (the import writes one)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from dualcare.bulk import rows_write
from dualcare.people.models import Organisation
from dualcare.people.scale import Trust, at

from .models import (
    Domain,
    DomainRating,
    FlagCode,
    FlagEvent,
    Level,
    ReviewReminder,
    RiskAssessment,
    SafetyFlag,
)

LEVELS = [Level.NONE, Level.LOW, Level.LOW, Level.MEDIUM, Level.MEDIUM, Level.HIGH]
CLINICAL = (Organisation.Kind.MENTAL_HEALTH, Organisation.Kind.SUBSTANCE_MISUSE)


def scale_add(trust: Trust) -> dict[str, int]:
    rng = trust.rng("safety")
    today = trust.today
    assessments, ratings, reminders, flags, events = [], [], [], [], []
    for involvement in trust.open_involvements(*CLINICAL):
        workers = involvement.team.workers
        if not workers or rng.random() > 0.7:
            continue
        times = rng.randint(1, 4)
        first = max(involvement.start, today - dt.timedelta(days=730))
        days = (today - first).days
        if days < 1:
            continue
        previous = {}
        for index in range(times):
            made = first + dt.timedelta(days=min(days - 1, index * 182 + rng.randint(0, 20)))
            if index and made <= assessments[-1]["assessed_on"]:
                break
            pk = trust.uuid(rng)
            created = at(made, rng.randint(540, 1020))
            assessments.append(
                {
                    "id": pk,
                    "service_user_id": involvement.service_user_id,
                    "organisation_id": involvement.team.organisation_id,
                    "team_id": involvement.team.id,
                    "assessed_by_id": involvement.key_worker_id or rng.choice(workers),
                    "assessed_on": made,
                    "person_view": rng.choice(
                        ["", "I feel things are better than last time.", "I am worried."]
                    ),
                    "review_due": made + dt.timedelta(days=182),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for domain in rng.sample(Domain.values, rng.randint(4, 7)):
                level = (
                    previous.get(domain) if rng.random() < 0.7 and domain in previous else rng.choice(LEVELS)
                )
                previous[domain] = level
                ratings.append(
                    {
                        "id": trust.uuid(rng),
                        "assessment_id": pk,
                        "service_user_id": involvement.service_user_id,
                        "organisation_id": involvement.team.organisation_id,
                        "assessed_on": made,
                        "domain": domain,
                        "level": level,
                        "evidence": "Discussed at the review.",
                        "plan": "Keep to the care plan.",
                        "created_at": created,
                        "updated_at": created,
                    }
                )
        latest = assessments[-1]
        if latest["service_user_id"] == involvement.service_user_id:
            reminders.append(
                {
                    "id": trust.uuid(rng),
                    "assessment_id": latest["id"],
                    "service_user_id": latest["service_user_id"],
                    "organisation_id": latest["organisation_id"],
                    "due_on": latest["review_due"],
                    "sent_at": at(latest["review_due"], 480) if latest["review_due"] < today else None,
                    "created_at": latest["created_at"],
                    "updated_at": latest["created_at"],
                }
            )

    def flag(involvement, code, warning):
        starts = today - dt.timedelta(days=rng.randint(0, 60))
        created = at(starts, rng.randint(540, 1020))
        pk = trust.uuid(rng)
        review = starts + dt.timedelta(days=rng.choice([28, 56, 90]))
        raised_by = involvement.key_worker_id or rng.choice(involvement.team.workers)
        flags.append(
            {
                "id": pk,
                "service_user_id": involvement.service_user_id,
                "organisation_id": involvement.team.organisation_id,
                "team_id": involvement.team.id,
                "raised_by_id": raised_by,
                "code": code,
                "warning": warning,
                "reason": "Agreed at the team meeting.",
                "starts_on": starts,
                "review_on": review,
                "created_at": created,
                "updated_at": created,
            }
        )
        events.append(
            {
                "id": trust.uuid(rng),
                "flag_id": pk,
                "service_user_id": involvement.service_user_id,
                "organisation_id": involvement.team.organisation_id,
                "kind": FlagEvent.Kind.RAISED,
                "by_id": raised_by,
                "created_at": created,
                "updated_at": created,
            }
        )
        reminders.append(
            {
                "id": trust.uuid(rng),
                "flag_id": pk,
                "service_user_id": involvement.service_user_id,
                "organisation_id": involvement.team.organisation_id,
                "due_on": review,
                "sent_at": at(review, 480) if review < today else None,
                "created_at": created,
                "updated_at": created,
            }
        )

    for prescriber, _pharmacy in trust.collecting:
        if prescriber.team.workers and rng.random() < 0.125:
            flag(prescriber, FlagCode.OVERDOSE, "Overdose risk: reduced tolerance")
    for involvement in trust.open_involvements(*CLINICAL):
        if involvement.team.workers and rng.random() < 1 / 30:
            code, warning = rng.choice(
                [(FlagCode.LONE_VISIT, "Do not visit alone"), (FlagCode.CHILDREN, "Children at home")]
            )
            flag(involvement, code, warning)
    made = {
        "risk assessments": rows_write(RiskAssessment, assessments),
        "risk ratings": rows_write(DomainRating, ratings),
        "safety flags": rows_write(SafetyFlag, flags),
        "flag events": rows_write(FlagEvent, events),
        "review reminders": rows_write(ReviewReminder, reminders),
    }
    # The planner's statistics of the tables just filled: without them it took a person's ratings
    # for 1,400 rows (there were 5) and ANDed two bitmaps, 64 ms for the risk page's rows (0.6 ms after).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (RiskAssessment, DomainRating, SafetyFlag, FlagEvent, ReviewReminder):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return made
