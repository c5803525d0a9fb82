"""A year of referral history for the demo's dashboards, from Monday 24 November 2025 to last week.

The referrals app's part of the demo's history, written as an import would: rows that describe
what happened, with the dates they happened, written in bulk in one service function and one
transaction (the live demo, by contrast, is written through the services, as staff would write it):

- referrals between the demo teams, 3 to 10 a week for each receiving team, acknowledged,
  accepted or declined (with signposting), some late, and their events;
- the people they were about: historic synthetic people (NHS numbers 99970xxxxx, valid check
  digit; invented names) known to the referring team for a while, then to the receiving team
  when accepted, with consent to share with it when it is another organisation; the people app
  writes them (dualcare.people.demo_history). Care that has not ended by the end of last week
  (the dashboards' latest week) is still going on: those people are on the team's caseload
  today, with a key worker of the team (`demo.history_key_workers`) and the access that gives,
  so the caseload chart and the caseload page count the same people (issue 13);
- for the later histories, the accepted referrals (`demo.history_episodes`): the care plans
  history writes their plans, the cohorts history their quadrants.

The story: from Monday 1 June 2026 Northgate North CMHT holds a daily referral huddle, and
referrals to it are acknowledged within the time allowed about 90% of the time instead of 60%.
Everything else is common-cause variation around a steady level, caseloads included (as many
people start care each week as end it). Nothing in it happens after last week.

Deterministic (one seeded generator) and loaded once: when a historic person exists, it has
been loaded and nothing is added. Under the test runner it is off unless DEMO_HISTORY is set,
so the tests of the live demo see only the live demo.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

from django.db import transaction

from dualcare import clock
from dualcare.management.demo_import import (
    HistoryEpisode,
    care_ends_by,
    dates_as_given,
    history_enabled,
    nhs_numbers,
)
from dualcare.people.demo_history import people_history_write
from dualcare.people.models import Consent, Involvement, Scope, ServiceUser

from . import sla
from .models import Referral, ReferralEvent, State

LONDON = ZoneInfo("Europe/London")
HISTORY_START = dt.date(2025, 11, 24)
# Referrals (and so caseloads) start earlier, so that the year opens at a steady level.
PRE_ROLL_WEEKS = 26
HUDDLE_FROM = dt.date(2026, 6, 1)
NHS_PREFIX = "99970"
# The generator's seed: one whose year shows the story and, elsewhere, only common-cause variation.
SEED = "history-37"

# Receiving team: (fewest, most) referrals a week, and where they come from (team, weight).
FLOWS = {
    "north": ((5, 10), [("recovery", 4), ("prescribing", 2), ("peer", 2), ("south", 2)]),
    "south": ((3, 7), [("recovery", 4), ("prescribing", 2), ("peer", 2), ("north", 2)]),
    "recovery": ((4, 8), [("north", 4), ("south", 3), ("peer", 2), ("prescribing", 1)]),
    "prescribing": ((3, 6), [("recovery", 5), ("north", 3), ("south", 2)]),
    "peer": ((3, 5), [("north", 4), ("south", 2), ("recovery", 4)]),
}
STAFF = {
    "north": ["keyworker.mh", "linkworker.mh", "gareth.demoford"],
    "south": ["aisha.placeholme", "tom.fictonby"],
    "recovery": ["keyworker.sm", "leanne.trialstone"],
    "prescribing": ["femi.prototon"],
    "peer": ["bex.dummyfield"],
}
DECLINED = {"north": 0.25, "south": 0.25, "recovery": 0.15, "prescribing": 0.3, "peer": 0.1}

GIVEN_NAMES = [
    "Alex",
    "Amani",
    "Bea",
    "Cal",
    "Cass",
    "Dani",
    "Dev",
    "Eden",
    "Ellis",
    "Fern",
    "Finn",
    "Gina",
    "Hal",
    "Ivy",
    "Jay",
    "Jude",
    "Kai",
    "Kim",
    "Lee",
    "Lou",
    "Mae",
    "Max",
    "Mo",
    "Nat",
    "Nell",
    "Noor",
    "Oli",
    "Pat",
    "Quin",
    "Rae",
    "Ray",
    "Remi",
    "Ren",
    "Rio",
    "Rowan",
    "Sam",
    "Sid",
    "Tam",
    "Tess",
    "Uma",
    "Val",
    "Wren",
    "Zac",
]
FAMILY_NAMES = [
    "Archetton",
    "Blankley",
    "Casebourne",
    "Demoworth",
    "Draftwood",
    "Exampley",
    "Fakeridge",
    "Fictonshaw",
    "Mockhurst",
    "Placerton",
    "Proxley",
    "Sampleworth",
    "Specimore",
    "Stubbington",
    "Templeby",
    "Testbury",
    "Trialby",
    "Dummett",
    "Modelly",
    "Pilotson",
    "Samplewick",
    "Mockington",
    "Testerby",
    "Drafton",
]
REASONS = [
    "Low mood and drinking more since losing work; asks for help with both.",
    "Voices are worse when using cannabis; wants to talk about cutting down.",
    "Daily alcohol use and anxiety; GP asked for a joint assessment.",
    "Crack cocaine use and paranoid thoughts after a hospital stay.",
    "Needs opioid substitution review alongside mental health follow-up.",
    "Wants peer support to stay engaged after detox.",
]
DECLINE_REASONS = [
    "Needs are mainly housing and money: better met by advice services first.",
    "Mental health needs can be met in primary care with the drug service's support.",
    "Already open to a service that offers this.",
]
SIGNPOSTING = [
    ("Northgate Talking Therapies", "Self-refer online or by phone; we have sent the details."),
    ("Harbourside Housing Advice", "Drop-in on weekdays; the referrer will book the first visit."),
    ("Northgate Primary Care Mental Health Team", "The GP can refer directly; letter sent to the GP."),
    ("Bridgeway Peer Mentoring", "Drop-in on Tuesdays and Fridays, no appointment needed."),
]


def build(demo) -> None:
    """Load the history once (run by the demo after the live demo, before the other histories
    that read `demo.history_episodes`)."""
    if not history_enabled() or ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX).exists():
        return
    if any(key not in demo.teams for key in FLOWS) or any(
        username not in demo.staff for names in STAFF.values() for username in names
    ):
        return
    key_workers = {key: demo.history_key_workers(key) for key in FLOWS}
    if not all(key_workers.values()):
        return
    counts, episodes = referrals_history_import(
        teams=demo.teams, staff=demo.staff, key_workers=key_workers, today=demo.today
    )
    demo.created.update(counts)
    demo.history_episodes.extend(episodes)


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


class _History:
    """The rows of the import, made in memory and written in bulk."""

    def __init__(self, *, teams, staff, key_workers, today: dt.date):
        self.rng = random.Random(SEED)
        self.teams, self.staff, self.key_workers, self.today = teams, staff, key_workers, today
        self.now = clock.now()
        # The end of last week: the history's last moment (the dashboards' latest week is that week).
        self.care_ends_by = care_ends_by(today)
        self.latest = min(self.now - dt.timedelta(hours=1), _moment(self.care_ends_by, 23 * 60 + 59))
        self.numbers = nhs_numbers(NHS_PREFIX)
        self.people: list[ServiceUser] = []
        self.involvements: list[Involvement] = []
        self.referrals: list[Referral] = []
        self.events: list[ReferralEvent] = []
        self.consents: list[Consent] = []
        self.episodes: list[HistoryEpisode] = []

    def worker(self, team_key: str):
        return self.staff[self.rng.choice(STAFF[team_key])]

    def before_now(self, moment: dt.datetime, floor: dt.datetime) -> dt.datetime:
        """Nothing in the history is later than the end of last week (nor than an hour ago)."""
        latest = self.latest
        if moment <= latest:
            return moment
        return floor + (latest - floor) * self.rng.uniform(0.3, 0.9)

    # -- people -------------------------------------------------------------------------------

    def person(self, day: dt.date) -> ServiceUser:
        rng = self.rng
        age = rng.randint(19, 68)
        person = ServiceUser(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            nhs_number=next(self.numbers),
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            date_of_birth=day - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360)),
            preferred_contact_method=rng.choice(ServiceUser.ContactMethod.values),
            created_at=_moment(day, 9 * 60),
            updated_at=_moment(day, 9 * 60),
        )
        self.people.append(person)
        return person

    def involvement(self, person, team_key, start: dt.date, end: dt.date, reason: str) -> Involvement:
        """Care with a team; still going on (no end) when it would end after last week."""
        worker = self.rng.choice(self.key_workers[team_key])
        if end > self.care_ends_by:
            end, reason = None, ""
        involvement = Involvement(
            id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
            team=self.teams[team_key],
            service_user=person,
            key_worker=worker,
            start=start,
            end=end,
            end_reason=reason,
            started_by=worker,
            ended_by=worker if end else None,
            created_at=_moment(start, 9 * 60),
            updated_at=_moment(end or start, 17 * 60 if end else 9 * 60),
        )
        self.involvements.append(involvement)
        return involvement

    # -- referrals ----------------------------------------------------------------------------

    def referral(self, to_key: str, from_key: str, sent_day: dt.date) -> None:
        rng = self.rng
        sent = _moment(sent_day, rng.randint(8 * 60 + 30, 17 * 60 + 30))
        urgency = rng.choices(["routine", "urgent", "emergency"], weights=[85, 12, 3])[0]
        person = self.person(sent_day - dt.timedelta(days=rng.randint(20, 120)))
        # Known to the referring team for days, not months: caseloads then stay level to the end.
        known_from = sent_day - dt.timedelta(days=rng.randint(0, 10))
        referrer = self.worker(from_key)
        referral = Referral(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            service_user=person,
            from_team=self.teams[from_key],
            referrer=referrer,
            to_team=self.teams[to_key],
            urgency=urgency,
            reason=rng.choice(REASONS),
            consent_confirmed=True,
            consent_confirmed_by=referrer,
            consent_confirmed_at=sent,
            state=State.SENT,
            sent_at=sent,
            acknowledge_due_at=sla.due_at(sent, urgency, "acknowledge"),
            decide_due_at=sla.due_at(sent, urgency, "decide"),
            created_at=sent - dt.timedelta(minutes=rng.randint(10, 90)),
        )
        events = [(sent, referrer, "", State.SENT)]
        if rng.random() < 0.03:
            referral.withdrawn_at = self.before_now(sent + dt.timedelta(hours=rng.randint(2, 20)), sent)
            referral.state = State.WITHDRAWN
            events.append((referral.withdrawn_at, referrer, State.SENT, State.WITHDRAWN))
            self.involvement(
                person,
                from_key,
                known_from,
                referral.withdrawn_at.date() + dt.timedelta(days=28),
                "Discharged.",
            )
            self._save(referral, events)
            return

        in_time = 0.58 if to_key == "north" and sent_day < HUDDLE_FROM else 0.9 if to_key == "north" else 0.8
        ack_due = referral.acknowledge_due_at
        if rng.random() < in_time:
            answered = sent + (ack_due - sent) * rng.uniform(0.05, 0.95)
        else:
            answered = ack_due + dt.timedelta(minutes=rng.randint(30, 72 * 60))
        answered = self.before_now(answered, sent)
        receiver = self.worker(to_key)
        decided = answered
        if rng.random() < 0.9:  # acknowledged first, decided later (sometimes straight away)
            referral.acknowledged_at = answered
            events.append((answered, receiver, State.SENT, State.ACKNOWLEDGED))
            decide_due = referral.decide_due_at
            if rng.random() < 0.85 and decide_due > answered:
                decided = answered + (decide_due - answered) * rng.uniform(0.1, 0.9)
            else:
                decided = max(decide_due, answered) + dt.timedelta(minutes=rng.randint(60, 5 * 24 * 60))
            decided = self.before_now(decided, answered)
        before = State.ACKNOWLEDGED if referral.acknowledged_at else State.SENT
        if rng.random() < DECLINED[to_key]:
            service, next_steps = rng.choice(SIGNPOSTING)
            referral.state = State.DECLINED
            referral.declined_at = decided
            referral.decline_reason = rng.choice(DECLINE_REASONS)
            referral.signposting_service = service
            referral.signposting_next_steps = next_steps if rng.random() < 0.75 else ""
            events.append((decided, receiver, before, State.DECLINED))
            self.involvement(
                person,
                from_key,
                known_from,
                decided.date() + dt.timedelta(days=rng.randint(7, 42)),
                "Discharged after signposting.",
            )
            self._save(referral, events)
            return

        referral.state = State.ACCEPTED
        referral.accepted_at = decided
        events.append((decided, receiver, before, State.ACCEPTED))
        closed = decided + dt.timedelta(days=rng.randint(7, 21))
        if rng.random() < 0.75 and closed < min(self.now - dt.timedelta(days=1), self.latest):
            referral.state = State.CLOSED
            referral.closed_at = closed
            events.append((closed, receiver, State.ACCEPTED, State.CLOSED))
        self._save(referral, events)
        start = decided.date()
        end = start + dt.timedelta(weeks=rng.randint(4, 24))
        self.involvement(
            person, from_key, known_from, start + dt.timedelta(days=rng.randint(0, 28)), "Handed over."
        )
        involvement = self.involvement(person, to_key, start, end, "Discharged: goals met.")
        referral.receiving_key_worker = involvement.key_worker
        if involvement.end is None and self.teams[to_key].organisation != self.teams[from_key].organisation:
            self.consent(person, self.teams[to_key].organisation, referrer, sent)
        self.episodes.append(
            HistoryEpisode(
                person=person, team_key=to_key, from_key=from_key, involvement=involvement, worker=receiver
            )
        )

    def consent(self, person, organisation, by, at: dt.datetime) -> None:
        """What the person agreed when referred: their care plan and appointments shared with the
        receiving organisation; some agreed to share everything."""
        scopes = [Scope.CARE_PLAN, Scope.CONTACTS]
        if self.rng.random() < 0.5:
            scopes += [Scope.RISK, Scope.OUTCOMES]
        for scope in scopes:
            self.consents.append(
                Consent(
                    service_user=person,
                    organisation=organisation,
                    scope=scope,
                    method=Consent.Method.VERBAL,
                    note="Agreed when referred: does not want to tell the same story twice.",
                    recorded_by=by,
                    recorded_at=at,
                    created_at=at,
                    updated_at=at,
                )
            )

    def _save(self, referral: Referral, events) -> None:
        referral.updated_at = max(at for at, *_ in events)
        self.referrals.append(referral)
        for at, by, from_state, to_state in events:
            self.events.append(
                ReferralEvent(referral=referral, at=at, by=by, from_state=from_state, to_state=to_state)
            )

    # -- writing ------------------------------------------------------------------------------

    def write(self) -> Counter:
        counts = people_history_write(
            people=self.people, involvements=self.involvements, consents=self.consents
        )
        with dates_as_given(Referral, ReferralEvent):
            Referral.objects.bulk_create(self.referrals, batch_size=500)
            ReferralEvent.objects.bulk_create(self.events, batch_size=500)
        counts["history: referrals"] = len(self.referrals)
        counts["history: referral events"] = len(self.events)
        return counts


@transaction.atomic
def referrals_history_import(
    *, teams: dict, staff: dict, key_workers: dict, today: dt.date
) -> tuple[Counter, list[HistoryEpisode]]:
    """The referral history (see the module's docstring): every row in bulk, in this one
    transaction. `key_workers` are each team's key workers for its historic people. Returns how
    many rows of each kind it wrote, and the accepted referrals' episodes of care (for the care
    plans and quadrants histories)."""
    history = _History(teams=teams, staff=staff, key_workers=key_workers, today=today)
    rng = history.rng
    last_week = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=1)
    week = HISTORY_START - dt.timedelta(weeks=PRE_ROLL_WEEKS)
    while week <= last_week:
        for to_key, ((fewest, most), sources) in FLOWS.items():
            for _ in range(rng.randint(fewest, most)):
                from_key = rng.choices([key for key, _ in sources], weights=[w for _, w in sources])[0]
                # Mostly on weekdays; now and then at a weekend.
                offset = rng.choice([5, 6]) if rng.random() < 0.05 else rng.randint(0, 4)
                history.referral(to_key, from_key, week + dt.timedelta(days=offset))
        week += dt.timedelta(weeks=1)
    return history.write(), history.episodes
