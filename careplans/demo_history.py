"""The care plans of the demo's history: the care plans app's part of it, written in bulk.

For about six in ten of the referral history's accepted referrals (`demo.history_episodes`,
made by referrals/demo_history.py), the receiving team wrote a care plan with the person (and,
now and then, the referring organisation), published it within three weeks and reviewed it
about every twelve weeks, on time three times in four; most versions were agreed by the person.
Written as an import would (the dates they happened), in one transaction; loaded with the
referral history, once (there are no episodes on a later run).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from django.db import transaction

from dualcare import clock
from dualcare.management.demo_import import HistoryEpisode, dates_as_given, history_enabled

from .models import Agreement, CarePlan, PlanEntry, PlanVersion

LONDON = ZoneInfo("Europe/London")
SEED = "history-37:care-plans"
STAFF = {
    "north": ["keyworker.mh", "linkworker.mh", "gareth.demoford"],
    "south": ["aisha.placeholme", "tom.fictonby"],
    "recovery": ["keyworker.sm", "leanne.trialstone"],
    "prescribing": ["femi.prototon"],
    "peer": ["bex.dummyfield"],
}
ENTRY_TEXTS = [
    "Staying well enough to see my children at weekends.",
    "Keeping my flat and paying the rent on time.",
    "Cutting down drinking to weekends only.",
    "Getting back to the allotment twice a week.",
]
LABELS = {
    CarePlan: "care plans",
    PlanEntry: "care plan entries",
    PlanVersion: "care plan versions",
    Agreement: "care plan answers",
}


def build(demo) -> None:
    """The plans of the episodes the referral history has just made (none on a later run)."""
    if not history_enabled() or not demo.history_episodes:
        return
    demo.created.update(
        careplans_history_import(
            episodes=demo.history_episodes, teams=demo.teams, staff=demo.staff, today=demo.today
        )
    )


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


class _History:
    def __init__(self, *, teams, staff, today: dt.date):
        self.rng = random.Random(SEED)
        self.teams, self.staff, self.today = teams, staff, today
        self.now = clock.now()
        self.rows: dict[type, list] = {model: [] for model in LABELS}

    def add(self, row):
        self.rows[type(row)].append(row)
        return row

    def worker(self, team_key: str):
        return self.staff[self.rng.choice(STAFF[team_key])]

    def care_plan(self, episode: HistoryEpisode) -> None:
        rng = self.rng
        person, involvement, by = episode.person, episode.involvement, episode.worker
        ends = involvement.end or self.today
        published = _moment(
            involvement.start + dt.timedelta(days=rng.randint(5, 20)), rng.randint(9 * 60, 17 * 60)
        )
        if published.date() >= min(ends, self.today):
            return
        organisation = involvement.team.organisation
        other = self.teams[episode.from_key].organisation
        plan = self.add(
            CarePlan(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                service_user=person,
                created_by=by,
                created_at=published - dt.timedelta(days=3),
            )
        )
        writers = [(organisation, by), (organisation, by)]
        if other != organisation and rng.random() < 0.55:
            writers.append((other, self.worker(episode.from_key)))
        entries = []
        for n, (writer_org, author) in enumerate(writers):
            entry = self.add(
                PlanEntry(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    plan=plan,
                    section="what_matters",
                    organisation=writer_org,
                    author=author,
                    updated_by=author,
                    text=ENTRY_TEXTS[(n + rng.randint(0, 3)) % len(ENTRY_TEXTS)],
                    created_at=published - dt.timedelta(days=2, hours=n),
                    updated_at=published - dt.timedelta(days=2, hours=n),
                )
            )
            entries.append(entry)
        content = {
            "sections": {
                "what_matters": [
                    {
                        "id": str(entry.pk),
                        "organisation_id": str(entry.organisation_id),
                        "organisation": entry.organisation.name,
                        "author": entry.author.display_name,
                        "updated_by": entry.updated_by.display_name,
                        "updated_at": entry.updated_at.isoformat(),
                        "fields": {"text": entry.text},
                    }
                    for entry in entries
                ]
            }
        }
        orgs = {entry.organisation_id: entry.organisation for entry in entries}
        contributors = [
            {
                "id": str(o.pk),
                "name": o.name,
                "phone": o.phone,
                "email": o.email,
                "teams": [],
                "people": [],
                "wrote_entries": True,
            }
            for o in orgs.values()
        ]
        number = 0
        while published.date() < min(ends, self.today):
            number += 1
            review_due = published.date() + dt.timedelta(weeks=12)
            version = self.add(
                PlanVersion(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    plan=plan,
                    number=number,
                    published_at=published,
                    published_by=by,
                    published_by_organisation=organisation,
                    review_due=review_due,
                    content=content,
                    contributors=contributors,
                    created_at=published,
                    updated_at=published,
                )
            )
            answered = published + dt.timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
            if rng.random() < 0.75 and answered < self.now:
                self.add(
                    Agreement(
                        version=version,
                        kind=Agreement.Kind.AGREED,
                        method=rng.choice([Agreement.Method.PORTAL, Agreement.Method.IN_PERSON]),
                        recorded_by=by,
                        recorded_at=answered,
                        created_at=answered,
                        updated_at=answered,
                    )
                )
            # The review: on time three times in four, otherwise a few weeks late.
            if rng.random() < 0.75:
                review = review_due - dt.timedelta(days=rng.randint(0, 10))
            else:
                review = review_due + dt.timedelta(days=rng.randint(3, 25))
            published = _moment(review, rng.randint(9 * 60, 17 * 60))
        plan.current_version_number = number
        plan.review_due = self.rows[PlanVersion][-1].review_due
        plan.changes = plan.changes_at_publish = len(entries)
        plan.updated_at = self.rows[PlanVersion][-1].published_at

    def write(self) -> Counter:
        counts = Counter()
        with dates_as_given(*self.rows):
            for model, rows in self.rows.items():
                model.objects.bulk_create(rows, batch_size=500)
                counts[f"history: {LABELS[model]}"] = len(rows)
        return counts


@transaction.atomic
def careplans_history_import(
    *, episodes: list[HistoryEpisode], teams: dict, staff: dict, today: dt.date
) -> Counter:
    """Care plans, versions, entries and answers for about 60% of these episodes, in bulk, in this
    one transaction. Returns how many rows of each kind it wrote."""
    history = _History(teams=teams, staff=staff, today=today)
    for episode in episodes:
        if history.rng.random() < 0.6:
            history.care_plan(episode)
    return history.write()
