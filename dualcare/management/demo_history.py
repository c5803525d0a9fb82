"""A year of weekly history for the dashboards, from Monday 24 November 2025 to last week.

The demo's history, written as an import would: rows that describe what happened, with the
dates they happened, written in bulk inside one service function and one transaction (the
live demo, by contrast, is written through the services, as staff would write it). It adds:

- referrals between the demo teams, 3 to 10 a week for each receiving team, acknowledged,
  accepted or declined (with signposting), some late, and their events;
- the people they were about: historic synthetic people (NHS numbers 99970xxxxx, valid check
  digit; invented names) whose involvements are all closed by the end of last week (the
  dashboards' latest week), so nobody's caseload, record page or lists of people change and the
  caseload charts' latest week counts what the caseload pages list; nobody is given access to them;
- their care plan versions, agreements and reviews, and their quadrant assessments;
- a monthly link meeting, with attendance, before the demo's own link meetings.

The story: from Monday 1 June 2026 Northgate North CMHT holds a daily referral huddle, and
referrals to it are acknowledged within the time allowed about 90% of the time instead of 60%.
Everything else is common-cause variation around a steady level.

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
from django.utils import timezone

from careplans.models import Agreement, CarePlan, PlanEntry, PlanVersion
from cohorts.models import QuadrantAssessment, quadrant_for
from dualcare import clock
from dualcare.management.demo_import import care_ends_by, dates_as_given, history_enabled, nhs_numbers
from dualcare.people.models import Involvement, ServiceUser
from linkworkers.models import Appointment, Attendance, Meeting
from referrals import sla
from referrals.models import Referral, ReferralEvent, State

LONDON = ZoneInfo("Europe/London")
HISTORY_START = dt.date(2025, 11, 24)
# Referrals (and so caseloads) start earlier, so that the year opens at a steady level.
PRE_ROLL_WEEKS = 26
HUDDLE_FROM = dt.date(2026, 6, 1)
NHS_PREFIX = "99970"
# The generator's seed: one whose year shows the story and, elsewhere, only common-cause variation.
SEED = "history-f"

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
QUADRANT_WEIGHTS = {
    "north": (10, 35, 15, 40),
    "south": (10, 35, 15, 40),
    "recovery": (10, 15, 45, 30),
    "prescribing": (5, 15, 45, 35),
    "peer": (30, 20, 30, 20),
}
SEVERITY = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}

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
RATIONALES = {
    "I": "Mood and drinking both manageable with support in primary care.",
    "II": "Severe mental illness; substance use is occasional and low-risk.",
    "III": "Substance use is high-risk; mental health needs are mild to moderate.",
    "IV": "Severe mental illness and high-risk substance use, each making the other worse.",
}
ENTRY_TEXTS = [
    "Staying well enough to see my children at weekends.",
    "Keeping my flat and paying the rent on time.",
    "Cutting down drinking to weekends only.",
    "Getting back to the allotment twice a week.",
]


def build(demo) -> None:
    """Load the history once (called by the cohorts demo, after the other capability demos)."""
    if not history_enabled() or ServiceUser.objects.filter(nhs_number__startswith=NHS_PREFIX).exists():
        return
    if any(key not in demo.teams for key in FLOWS) or any(
        username not in demo.staff for names in STAFF.values() for username in names
    ):
        return
    demo.created.update(history_import(teams=demo.teams, staff=demo.staff, today=demo.today))


def _moment(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


LABELS = {
    ServiceUser: "people",
    Involvement: "involvements",
    Referral: "referrals",
    ReferralEvent: "referral events",
    QuadrantAssessment: "quadrant assessments",
    CarePlan: "care plans",
    PlanEntry: "care plan entries",
    PlanVersion: "care plan versions",
    Agreement: "care plan answers",
    Meeting: "link meetings",
    Attendance: "link meeting attendance",
}


class _History:
    """The rows of the import, made in memory and written in bulk."""

    def __init__(self, *, teams, staff, today: dt.date):
        self.rng = random.Random(SEED)
        self.teams, self.staff, self.today = teams, staff, today
        self.now = clock.now()
        self.numbers = nhs_numbers(NHS_PREFIX)
        # In the order they are written (each after what it refers to).
        self.rows: dict[type, list] = {model: [] for model in LABELS}

    def add(self, row):
        self.rows[type(row)].append(row)
        return row

    def worker(self, team_key: str):
        return self.staff[self.rng.choice(STAFF[team_key])]

    def before_now(self, moment: dt.datetime, floor: dt.datetime) -> dt.datetime:
        """Nothing in the history is later than an hour ago."""
        latest = self.now - dt.timedelta(hours=1)
        if moment <= latest:
            return moment
        return floor + (latest - floor) * self.rng.uniform(0.3, 0.9)

    # -- people -------------------------------------------------------------------------------

    def person(self, day: dt.date) -> ServiceUser:
        rng = self.rng
        age = rng.randint(19, 68)
        return self.add(
            ServiceUser(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                nhs_number=next(self.numbers),
                given_name=rng.choice(GIVEN_NAMES),
                family_name=rng.choice(FAMILY_NAMES),
                date_of_birth=day - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360)),
                preferred_contact_method=rng.choice(ServiceUser.ContactMethod.values),
                created_at=_moment(day, 9 * 60),
                updated_at=_moment(day, 9 * 60),
            )
        )

    def involvement(self, person, team_key, start: dt.date, end: dt.date, reason: str):
        end = max(start, min(end, care_ends_by(self.today)))
        worker = self.worker(team_key)
        return self.add(
            Involvement(
                id=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                team=self.teams[team_key],
                service_user=person,
                key_worker=worker,
                start=start,
                end=end,
                end_reason=reason,
                started_by=worker,
                ended_by=worker,
                created_at=_moment(start, 9 * 60),
                updated_at=_moment(end, 17 * 60),
            )
        )

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
        referral.receiving_key_worker = receiver
        events.append((decided, receiver, before, State.ACCEPTED))
        closed = decided + dt.timedelta(days=rng.randint(7, 21))
        if rng.random() < 0.75 and closed < self.now - dt.timedelta(days=1):
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
        self.quadrants(person, to_key, involvement, receiver)
        if rng.random() < 0.6:
            self.care_plan(person, to_key, from_key, involvement, receiver)

    def _save(self, referral: Referral, events) -> None:
        referral.updated_at = max(at for at, *_ in events)
        self.add(referral)
        for at, by, from_state, to_state in events:
            self.add(ReferralEvent(referral=referral, at=at, by=by, from_state=from_state, to_state=to_state))

    # -- quadrants and care plans -------------------------------------------------------------

    def quadrants(self, person, team_key, involvement, by) -> None:
        rng = self.rng
        first = involvement.start + dt.timedelta(days=rng.randint(0, 10))
        if first >= involvement.end or first >= self.today:
            return
        days = [first]
        later = first + dt.timedelta(weeks=rng.randint(6, 14))
        if rng.random() < 0.3 and later < involvement.end and later < self.today:
            days.append(later)
        for day in days:
            quadrant = rng.choices(["I", "II", "III", "IV"], weights=QUADRANT_WEIGHTS[team_key])[0]
            mental_health, substance_use = SEVERITY[quadrant]
            self.add(
                QuadrantAssessment(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    service_user=person,
                    mental_health_severity=mental_health,
                    substance_use_severity=substance_use,
                    quadrant=quadrant_for(mental_health, substance_use),
                    assessed_on=day,
                    assessed_by=by,
                    organisation=involvement.team.organisation,
                    rationale=RATIONALES[quadrant],
                    created_at=_moment(day, 15 * 60),
                    updated_at=_moment(day, 15 * 60),
                )
            )

    def care_plan(self, person, team_key, from_key, involvement, by) -> None:
        rng = self.rng
        published = _moment(
            involvement.start + dt.timedelta(days=rng.randint(5, 20)), rng.randint(9 * 60, 17 * 60)
        )
        if published.date() >= min(involvement.end, self.today):
            return
        organisation = involvement.team.organisation
        other = self.teams[from_key].organisation
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
            writers.append((other, self.worker(from_key)))
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
        while published.date() < min(involvement.end, self.today):
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

    # -- link meetings ------------------------------------------------------------------------

    def link_meetings(self) -> None:
        """A monthly link meeting (second Tuesday, 2 pm) before the demo's own meetings began."""
        rng = self.rng
        own = Meeting.objects.order_by("starts_at").values_list("starts_at", flat=True).first()
        until = (timezone.localtime(own).date() if own else self.today) - dt.timedelta(days=14)
        chair = self.staff["linkworker.mh"]
        appointments = list(Appointment.objects.select_related("team"))
        month = dt.date(HISTORY_START.year, HISTORY_START.month, 1) + dt.timedelta(days=32)
        month = month.replace(day=1)
        while True:
            day = month + dt.timedelta(days=(1 - month.weekday()) % 7 + 7)
            if day >= until:
                break
            starts = _moment(day, 14 * 60)
            meeting = self.add(
                Meeting(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    title="Northgate dual diagnosis link meeting",
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=90),
                    location="Meeting room 2, Northgate House, 4 Station Road",
                    chair=chair,
                    state=Meeting.State.FINALISED,
                    finalised_at=starts + dt.timedelta(days=rng.randint(1, 5)),
                    created_at=starts - dt.timedelta(days=28),
                    updated_at=starts + dt.timedelta(days=1),
                )
            )
            for appointment in appointments:
                if not appointment.is_active_on(day):
                    continue
                status = rng.choices(
                    Attendance.Status.values if appointment.deputy_id else ["present", "apologies", "absent"],
                    weights=[75, 12, 5, 8] if appointment.deputy_id else [78, 15, 7],
                )[0]
                self.add(
                    Attendance(
                        meeting=meeting,
                        user=appointment.user,
                        team=appointment.team,
                        status=status,
                        deputy=appointment.deputy if status == Attendance.Status.DEPUTY_SENT else None,
                        created_at=starts,
                        updated_at=starts,
                    )
                )
            month = (month + dt.timedelta(days=32)).replace(day=1)

    # -- writing ------------------------------------------------------------------------------

    def write(self) -> Counter:
        counts = Counter()
        with dates_as_given(*self.rows):
            for model, rows in self.rows.items():
                model.objects.bulk_create(rows, batch_size=500)
                counts[f"history: {LABELS[model]}"] = len(rows)
        return counts


@transaction.atomic
def history_import(*, teams: dict, staff: dict, today: dt.date) -> Counter:
    """The demo's history, written as an import would (see the module's docstring): every row in
    bulk, in this one transaction. Returns how many rows of each kind it wrote."""
    history = _History(teams=teams, staff=staff, today=today)
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
    history.link_meetings()
    return history.write()
