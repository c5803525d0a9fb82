"""The DualCare demo: fictional organisations, staff, people and their joint care.

Every name, number and address here is invented: surnames are made-up words (Testwell,
Sampleton, Mockridge...), NHS numbers are in the 999 test range, phone numbers are in
Ofcom's drama ranges and emails end in example.org or .invalid. The situations and words
are drawn from published field reports on dual-diagnosis care (shared/seeds).

Everything is written through the service functions, as staff would write it, so the
audit log and object permissions are what they would be in real use.

Deterministic and idempotent: each person has their own seeded random generator, and each
step looks for what it would create by a key that does not depend on today's date (a
username, an NHS number, a team and a person), creating only what is missing. Running it
again, on any day, adds nothing. Dates are relative to today so the demo stays fresh.

The core steps are below. A capability app extends the demo with a `demo.py` module that
defines `build(demo)`; it is found and run after the core steps, in INSTALLED_APPS order, so
the core never imports a capability app. `demo.people[key]`, `demo.teams[key]` and
`demo.staff[username]` give what the earlier steps made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import importlib.util
import random
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import nhs_number as nhs
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from cohorts import services as cohort_services
from cohorts.models import QuadrantAssessment
from dualcare import clock
from dualcare.exceptions import ApplicationError
from dualcare.people import carer_sharing, services
from dualcare.people.models import (
    Carer,
    CarerPermission,
    Consent,
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

Role = StaffRole.Role
Kind = Organisation.Kind

# ---------------------------------------------------------------------------
# Organisations and teams


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    phone: str
    email: str
    out_of_hours_phone: str
    domain: str  # staff emails


@dataclass(frozen=True)
class TeamSpec:
    key: str
    org: str
    name: str
    description: str
    phone: str
    email: str
    works_with_people: bool = True


ORGANISATIONS = (
    OrgSpec(
        "mh",
        "Northgate Mental Health NHS Foundation Trust",
        Kind.MENTAL_HEALTH,
        "0113 496 0100",
        "enquiries@northgate-mh.example.org",
        "0113 496 0999",
        "northgate-mh.example.org",
    ),
    OrgSpec(
        "sm",
        "Harbourside Drug and Alcohol Service",
        Kind.SUBSTANCE_MISUSE,
        "0113 496 0200",
        "hello@harbourside-recovery.example.org",
        "0113 496 0299",
        "harbourside-recovery.example.org",
    ),
    OrgSpec(
        "charity",
        "Bridgeway Recovery Charity",
        Kind.THIRD_SECTOR,
        "020 7946 0300",
        "info@bridgeway.example.org",
        "020 7946 0399",
        "bridgeway.example.org",
    ),
    OrgSpec(
        "pharmacy",
        "Example Street Pharmacy",
        Kind.PHARMACY,
        "0113 496 0400",
        "dispensary@example-street-pharmacy.example.org",
        "0113 496 0499",
        "example-street-pharmacy.example.org",
    ),
)

TEAMS = (
    TeamSpec(
        "north",
        "mh",
        "Northgate North CMHT",
        "Community mental health team for the north of the borough",
        "0113 496 0110",
        "north.cmht@northgate-mh.example.org",
    ),
    TeamSpec(
        "south",
        "mh",
        "Northgate South CMHT",
        "Community mental health team for the south of the borough",
        "0113 496 0120",
        "south.cmht@northgate-mh.example.org",
    ),
    TeamSpec(
        "admin",
        "mh",
        "Northgate Trust Administration",
        "Staff accounts, teams and roles",
        "0113 496 0130",
        "admin@northgate-mh.example.org",
        works_with_people=False,
    ),
    TeamSpec(
        "recovery",
        "sm",
        "Harbourside Recovery Team",
        "Key working, recovery groups and psychosocial support",
        "0113 496 0210",
        "recovery@harbourside-recovery.example.org",
    ),
    TeamSpec(
        "prescribing",
        "sm",
        "Harbourside Prescribing Team",
        "Opioid substitution prescribing and community alcohol detox",
        "0113 496 0220",
        "prescribing@harbourside-recovery.example.org",
    ),
    TeamSpec(
        "peer",
        "charity",
        "Bridgeway Peer Mentoring",
        "Peer mentors with lived experience; drop-in on Tuesdays and Fridays",
        "020 7946 0310",
        "mentoring@bridgeway.example.org",
    ),
    TeamSpec(
        "pharmacy",
        "pharmacy",
        "Example Street Dispensary",
        "Supervised consumption and dispensing",
        "0113 496 0410",
        "dispensary@example-street-pharmacy.example.org",
    ),
)

# ---------------------------------------------------------------------------
# Staff


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    roles: tuple[tuple[str, str], ...]  # (team key, role)
    login: str = ""  # what the demo login is for; staff without one have no usable password


STAFF = (
    StaffSpec(
        "keyworker.mh", "Jess", "Mockford", (("north", Role.KEY_WORKER),), "key worker, Northgate North CMHT"
    ),
    StaffSpec(
        "linkworker.mh",
        "Daniel",
        "Sampleford",
        (("north", Role.LINK_WORKER), ("north", Role.KEY_WORKER)),
        "link worker (and key worker), Northgate North CMHT",
    ),
    StaffSpec(
        "manager.mh",
        "Helen",
        "Examplewood",
        (("north", Role.TEAM_MANAGER),),
        "team manager, Northgate Mental Health NHS Foundation Trust",
    ),
    StaffSpec(
        "orgadmin.mh",
        "Marcus",
        "Testington",
        (("admin", Role.ORG_ADMIN),),
        "organisation admin, Northgate Mental Health NHS Foundation Trust",
    ),
    StaffSpec(
        "keyworker.sm",
        "Chris",
        "Mockworth",
        (("recovery", Role.KEY_WORKER),),
        "key worker, Harbourside Recovery Team (drug and alcohol service)",
    ),
    StaffSpec(
        "pharmacist",
        "Ravi",
        "Placewell",
        (("pharmacy", Role.PHARMACIST),),
        "pharmacist, Example Street Pharmacy",
    ),
    StaffSpec(
        "keyworker.charity",
        "Alys",
        "Mentorby",
        (("peer", Role.KEY_WORKER),),
        "peer mentor (key worker), Bridgeway Peer Mentoring (charity)",
    ),
    # Colleagues without a demo login, so that lists and key workers look like a real service.
    StaffSpec("gareth.demoford", "Gareth", "Demoford", (("north", Role.KEY_WORKER),)),
    StaffSpec(
        "aisha.placeholme", "Aisha", "Placeholme", (("south", Role.KEY_WORKER), ("south", Role.LINK_WORKER))
    ),
    StaffSpec("tom.fictonby", "Tom", "Fictonby", (("south", Role.KEY_WORKER),)),
    StaffSpec("ruth.draftley", "Ruth", "Draftley", (("south", Role.TEAM_MANAGER),)),
    StaffSpec("morgan.configley", "Morgan", "Configley", (("admin", Role.ADMIN),)),
    StaffSpec(
        "leanne.trialstone",
        "Leanne",
        "Trialstone",
        (("recovery", Role.KEY_WORKER), ("recovery", Role.LINK_WORKER)),
    ),
    StaffSpec("manager.sm", "Joanne", "Specimund", (("recovery", Role.TEAM_MANAGER),)),
    StaffSpec("femi.prototon", "Femi", "Prototon", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("bex.dummyfield", "Bex", "Dummyfield", (("peer", Role.KEY_WORKER), ("peer", Role.LINK_WORKER))),
    StaffSpec("grace.sampleby", "Grace", "Sampleby", (("pharmacy", Role.PHARMACIST),)),
    # The rest of each team's key workers, who hold most of its caseload (the history's people).
    StaffSpec("nia.placefield", "Nia", "Placefield", (("north", Role.KEY_WORKER),)),
    StaffSpec("owen.testcombe", "Owen", "Testcombe", (("north", Role.KEY_WORKER),)),
    StaffSpec("priti.samplegate", "Priti", "Samplegate", (("north", Role.KEY_WORKER),)),
    StaffSpec("kieran.mockbury", "Kieran", "Mockbury", (("north", Role.KEY_WORKER),)),
    StaffSpec("siobhan.draftham", "Siobhan", "Draftham", (("north", Role.KEY_WORKER),)),
    StaffSpec("ade.fictionfield", "Ade", "Fictionfield", (("north", Role.KEY_WORKER),)),
    StaffSpec("mei.trialcombe", "Mei", "Trialcombe", (("south", Role.KEY_WORKER),)),
    StaffSpec("josh.placebury", "Josh", "Placebury", (("south", Role.KEY_WORKER),)),
    StaffSpec("carys.exampleham", "Carys", "Exampleham", (("south", Role.KEY_WORKER),)),
    StaffSpec("dan.mockfield", "Dan", "Mockfield", (("south", Role.KEY_WORKER),)),
    StaffSpec("ffion.testworth", "Ffion", "Testworth", (("south", Role.KEY_WORKER),)),
    StaffSpec("amir.testham", "Amir", "Testham", (("recovery", Role.KEY_WORKER),)),
    StaffSpec("beth.samplecote", "Beth", "Samplecote", (("recovery", Role.KEY_WORKER),)),
    StaffSpec("lewis.draftfield", "Lewis", "Draftfield", (("recovery", Role.KEY_WORKER),)),
    StaffSpec("rhian.fakeley", "Rhian", "Fakeley", (("recovery", Role.KEY_WORKER),)),
    StaffSpec("yaw.placecombe", "Yaw", "Placecombe", (("recovery", Role.KEY_WORKER),)),
    StaffSpec("eve.mockton", "Eve", "Mockton", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("sunil.testfield", "Sunil", "Testfield", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("kate.exampleford", "Kate", "Exampleford", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("marcus.trialfield", "Marcus", "Trialfield", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("hywel.draftcombe", "Hywel", "Draftcombe", (("prescribing", Role.KEY_WORKER),)),
    StaffSpec("ola.samplefield", "Ola", "Samplefield", (("peer", Role.KEY_WORKER),)),
)

# Who holds each team's historic people (the demo's histories) still in care: the team's key
# workers without a demo login, so each carries a realistic caseload (about 25 to 40) while the
# demo logins' own caseloads, record pages and alert centres stay the demo's story.
HISTORY_KEY_WORKERS = {
    "north": ("gareth.demoford", "nia.placefield", "owen.testcombe", "priti.samplegate", "kieran.mockbury",
              "siobhan.draftham", "ade.fictionfield"),
    "south": ("aisha.placeholme", "tom.fictonby", "mei.trialcombe", "josh.placebury", "carys.exampleham",
              "dan.mockfield", "ffion.testworth"),
    "recovery": ("leanne.trialstone", "amir.testham", "beth.samplecote", "lewis.draftfield", "rhian.fakeley",
                 "yaw.placecombe"),
    "prescribing": ("femi.prototon", "eve.mockton", "sunil.testfield", "kate.exampleford",
                    "marcus.trialfield", "hywel.draftcombe"),
    "peer": ("bex.dummyfield", "ola.samplefield"),
}  # fmt: skip

# ---------------------------------------------------------------------------
# Service users


@dataclass(frozen=True)
class InvolvementSpec:
    team: str
    key_worker: str | None
    months_ago: int
    ended_months_ago: int | None = None
    end_reason: str = ""


@dataclass(frozen=True)
class PersonSpec:
    """One person. `involvements` are open now (the first registers them); `history` has ended."""

    given_name: str
    family_name: str
    age: int
    pronouns: str
    involvements: tuple[InvolvementSpec, ...]
    quadrants: str  # "IV>II": assessed in quadrant IV, later reassessed in II
    consents: str = "none"  # a pattern in CONSENT_PATTERNS, applied to every involved organisation
    history: tuple[InvolvementSpec, ...] = ()
    preferred_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.given_name} {self.family_name}"


KW_MH, KW_SM = "keyworker.mh", "keyworker.sm"
# Short names for key workers in the table below.
KEY_WORKERS = {
    "kwmh": KW_MH,
    "kwsm": KW_SM,
    "lwmh": "linkworker.mh",
    "gareth": "gareth.demoford",
    "aisha": "aisha.placeholme",
    "tom": "tom.fictonby",
    "leanne": "leanne.trialstone",
    "femi": "femi.prototon",
    "bex": "bex.dummyfield",
    "kwch": "keyworker.charity",
    "-": None,
}

# One person a line. Open involvements are team/key worker/months ago, the first being the team
# that registered them; quadrants are their assessments over time; consent is a CONSENT_PATTERNS key.
# The first person has the `serviceuser` login: the CMHT, the recovery team and the pharmacy share
# their care (their consents are set out in _shared_person_consents).
#
# given  family  age  pronouns  open involvements  quadrants  consent
PEOPLE_TABLE = """
Sam     Testwell     38 they/them north/kwmh/30,recovery/kwsm/14,pharmacy/-/13         IV>IV>III custom
Alex    Sampleton    29 he/him    north/kwmh/18                                        IV>II     none
Bronwen Mockridge    52 she/her   north/kwmh/40                                        II        none
Dev     Exampleby    24 he/him    north/lwmh/10                                        II>I      none
Hassan  Fictorum     33 he/him    north/gareth/15                                      I>II      none
Imogen  Placeworth   61 she/her   north/gareth/60                                      II>II     none
Hannah  Placeley     32 she/her   north/kwmh/7                                         II        none
Tia     Demoworth    23 she/her   north/lwmh/6                                         I         none
Gwen    Trialwood    57 she/her   north/gareth/3                                       I         none
Priya   Fictwell     44 she/her   north/kwmh/20                                        IV>II     none
Zara    Dummyhill    25 she/her   south/aisha/14                                       II        none
Ben     Inventon     43 he/him    south/tom/20                                         II        none
Dionne  Mockingham   50 she/her   south/aisha/30                                       II>I      none
Paul    Testwick     67 he/him    south/tom/72                                         II        none
Fatima  Sampleham    37 she/her   south/aisha/9                                        II        none
Rhys    Placemoor    22 he/him    recovery/kwsm/6                                      III       none
Tomasz  Demodale     46 he/him    recovery/kwsm/9                                      III       none
Uzma    Stubworth    30 she/her   recovery/leanne/4                                    III       none
Yusuf   Fauxley      28 he/him    recovery/kwsm/3                                      III>I     none
Jade    Demoway      26 she/her   recovery/kwsm/2                                      III       none
Marek   Stubley      42 he/him    recovery/leanne/13                                   IV>III    none
Carl    Placeby      49 he/him    recovery/kwsm/20                                     III>III   none
Sade    Exampleton   39 she/her   recovery/kwsm/14,prescribing/femi/14,pharmacy/-/13   III>III>I partial
Jamal   Samplemore   31 he/him    recovery/kwsm/7,prescribing/femi/7,pharmacy/-/6      III       full
Ibrahim Examplefield 40 he/him    recovery/kwsm/16,pharmacy/-/15                       III       partial
Lucy    Draftmore    53 she/her   prescribing/femi/30,pharmacy/-/30                    III>I>I   partial
Kerry   Trialby      41 she/her   north/kwmh/9,recovery/kwsm/7                         IV        full
Maya    Mockley      35 she/her   north/lwmh/16,recovery/kwsm/5                        II>IV     partial
Aaliyah Draftby      27 she/her   north/kwmh/11,recovery/kwsm/11                       IV>III    full
Graham  Fictionby    63 he/him    north/gareth/48,recovery/kwsm/8                      II>IV     full
Andy    Fabriston    58 he/him    south/tom/36,recovery/leanne/6                       II>IV     partial
Vicky   Fictley      44 she/her   south/aisha/17,recovery/leanne/9                     IV>II     withdrawn
Liam    Draftwood    27 he/him    north/kwmh/12,recovery/leanne/11,pharmacy/-/10       IV>IV     withdrawn
Oisin   Testmore     31 he/him    north/gareth/8,prescribing/femi/8,pharmacy/-/8       IV        full
Shaun   Exampley     38 he/him    north/kwmh/14,recovery/kwsm/14,pharmacy/-/12         IV>IV     partial
Kwame   Trialham     47 he/him    north/lwmh/26,prescribing/femi/20,pharmacy/-/19      IV>III    full
Callum  Shamwell     34 he/him    south/aisha/11,recovery/kwsm/10,pharmacy/-/9         IV        full
Wes     Protobury    36 he/him    recovery/leanne/11,prescribing/femi/11,pharmacy/-/11 III>IV    full
Eilidh  Demoson      45 she/her   north/kwmh/22,peer/kwch/6                            II        partial
Niamh   Samplewick   48 she/her   north/kwmh/28,peer/kwch/12                           IV>IV>II  full
Ellis   Testbridge   19 they/them south/tom/5,peer/kwch/4                              IV        partial
Vik     Pretendly    55 he/him    recovery/kwsm/24,peer/kwch/10                        III>I     withdrawn
Olu     Sampleridge  35 he/him    recovery/leanne/8,peer/kwch/8                        III       partial
Rosa    Mockhurst    21 she/her   recovery/leanne/5,peer/kwch/5                        I>III     withdrawn
Nadia   Pseudowick   29 -         north/kwmh/5,recovery/kwsm/5,peer/kwch/3             IV        full
"""

PREFERRED_NAMES = {"Alex Sampleton": "Lex", "Vik Pretendly": "Vikram"}

# Involvements that have ended: team/key worker, started and ended (months ago), and why.
HISTORY = {
    "Alex Sampleton": [
        (
            "recovery/leanne",
            26,
            8,
            "Completed alcohol treatment; planned discharge with a relapse-prevention plan.",
        )
    ],
    "Priya Fictwell": [
        (
            "recovery/kwsm",
            30,
            20,
            "Did not attend three appointments in a row; discharged with a letter saying how to come back.",
        )
    ],
    "Fatima Sampleham": [("peer/bex", 20, 10, "Finished the twelve-week peer mentoring programme.")],
    "Marek Stubley": [
        (
            "north/gareth",
            40,
            14,
            "Mental health stable for a year; stepped down to the GP with a way back in.",
        )
    ],
    "Carl Placeby": [("peer/bex", 28, 22, "Moved out of the area for six months; has since come back.")],
    "Niamh Samplewick": [
        (
            "south/aisha",
            50,
            28,
            "Moved to the north of the borough; care handed to Northgate North CMHT at a three-way meeting.",
        )
    ],
}


def _parse_people(table: str) -> tuple[PersonSpec, ...]:
    people = []
    for line in table.strip().splitlines():
        given, family, age, pronouns, involvements, quadrants, consents = line.split()
        key = f"{given} {family}"
        open_involvements = []
        for item in involvements.split(","):
            team, key_worker, months = item.split("/")
            open_involvements.append(InvolvementSpec(team, KEY_WORKERS[key_worker], int(months)))
        history = []
        for where, started, ended_on, reason in HISTORY.get(key, ()):
            team, key_worker = where.split("/")
            history.append(InvolvementSpec(team, KEY_WORKERS[key_worker], started, ended_on, reason))
        teams = [i.team for i in (*history, *open_involvements)]
        if len(set(teams)) != len(teams):
            # Involvements are found again by team on the next run, so a team may appear once a person.
            raise ValueError(f"{key}: a team appears twice in their involvements")
        people.append(
            PersonSpec(
                given_name=given,
                family_name=family,
                age=int(age),
                pronouns="" if pronouns == "-" else pronouns,
                involvements=tuple(open_involvements),
                quadrants=quadrants,
                consents=consents,
                history=tuple(history),
                preferred_name=PREFERRED_NAMES.get(key, ""),
            )
        )
    return tuple(people)


PEOPLE = _parse_people(PEOPLE_TABLE)
SHARED_PERSON = PEOPLE[0]
SERVICE_USER_LOGIN = "serviceuser"
CARER_LOGIN = "carer"
# Sam's sister, who chose Welsh (issue 20): her pages, emails and Sam's plan PDF are in Welsh.
WELSH_CARER_LOGIN = "carer.cymraeg"

# What each pattern shares with every involved organisation; a pharmacy only ever needs contacts.
CONSENT_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "none": {"active": (), "withdrawn": ()},
    "partial": {"active": (Scope.CARE_PLAN, Scope.CONTACTS), "withdrawn": ()},
    "full": {"active": (Scope.CARE_PLAN, Scope.RISK, Scope.OUTCOMES, Scope.CONTACTS), "withdrawn": ()},
    "withdrawn": {"active": (Scope.CARE_PLAN, Scope.CONTACTS), "withdrawn": (Scope.RISK,)},
}

CONSENT_NOTES = (
    "Agreed at the joint review: does not want to tell the same story twice.",
    "Talked through what each service would see; happy for them to share.",
    "Signed the joint working agreement at the three-way meeting.",
    "Agreed on the phone; will sign the form at the next appointment.",
    "Wants the other services to know straight away if things go wrong.",
)

WITHDRAWAL_NOTES = (
    "Felt the risk history was out of date and did not want it passed on; agreed to review it "
    "together first.",
    "Upset that an old incident was raised at a meeting; asked that risk information is no longer shared.",
    "A letter went to the wrong address; wants to talk it through before agreeing again.",
)

CONTACT_NOTES = (
    "Mornings are hard: call after midday.",
    "Shares a phone with their partner: do not leave messages about treatment.",
    "Text first, then call. Does not answer withheld numbers.",
    "Post goes to the hostel office, not the flat.",
    "Prefers to meet at the pharmacy straight after collecting.",
    "Reading letters is hard: phone rather than write.",
    "Works shifts at a warehouse: Tuesdays and Thursdays are best.",
    "Do not contact through their mother.",
    "Has two children at primary school: avoid 3 to 4 pm.",
    "Phone credit runs out near the end of the month: try email or a letter then.",
    "Finds waiting rooms hard: offer the first appointment of the day.",
    "Would rather meet in the community café than the clinic.",
    "",
    "",
)

# Notes that only make sense for one person.
PERSONAL_CONTACT_NOTES = {
    "Tomasz Demodale": "Needs a Polish interpreter for appointments about medication.",
    "Rhys Placemoor": "Welsh is his first language: offer a Welsh-speaking worker where possible.",
    "Sam Testwell": "Happy for their mum, Pat, to be phoned if they cannot be reached.",
}

STREETS = ("Example Road", "Sample Street", "Testing Lane", "Mock Avenue", "Placeholder Close", "Fiction Way")

# Reasons for a quadrant, in the words a key worker would write. Severity: mental health x substance use.
SEVERITIES = {"I": ("low", "low"), "II": ("high", "low"), "III": ("low", "high"), "IV": ("high", "high")}
RATIONALES = {
    "I": (
        "Low mood and worry, managed with the GP and a wellbeing course; drinking within lower-risk "
        "limits most weeks. Neither needs specialist care just now.",
        "Anxiety is manageable and sleep has improved; occasional cannabis at weekends with no harm "
        "reported. Review if either changes.",
        "Settled for several months: no crisis contacts and no drug use in recent tests.",
    ),
    "II": (
        "Schizophrenia, on CPA with a depot every two weeks; voices distressing most days. Drinks two "
        "or three cans at weekends, not linked to the symptoms.",
        "Bipolar disorder with an admission last year; mood still unstable. Occasional cannabis, "
        "which they link to poorer sleep, but use is low.",
        "Severe depression with self-harm in the last six months; drinking has stayed low since "
        "starting treatment.",
        "Psychosis with paranoid thoughts about neighbours; needs CMHT care coordination. Alcohol "
        "use is occasional and low.",
    ),
    "III": (
        "Opiate dependence, on methadone with supervised consumption; using heroin on top some weeks. "
        "Mood low at times but no need for secondary mental health care.",
        "Drinking around 30 units a day with morning shakes; anxiety eases when drinking less. Mental "
        "health needs met by the GP.",
        "Daily crack and street benzodiazepines, sleeping rough some nights. Mood is low but no signs "
        "of serious mental illness.",
        "Alcohol dependence with seizures in past withdrawals; planned community detox. Some low "
        "mood, managed in primary care.",
    ),
    "IV": (
        "Schizophrenia with two admissions this year and daily heavy drinking; each makes the other "
        "worse. Needs both services working together.",
        "Emotionally unstable personality disorder with frequent crisis contacts, and daily crack and "
        "heroin use. High on both.",
        "Psychosis, not taking medication regularly, and using cannabis and spice every day. Risk of "
        "relapse is high; joint care agreed.",
        "Bipolar disorder with recent mania and heavy binge drinking; missed methadone collections "
        "last month. Both needs are high.",
    ),
}
MOVES = {
    ("IV", "II"): "Completed a community alcohol detox and has not drunk for three months; voices still "
    "distressing, so mental health needs stay high.",
    ("IV", "III"): "Psychotic symptoms settled and no crisis contacts for six months; still using heroin on "
    "top of methadone, so substance use stays high.",
    ("II", "IV"): "Since losing their tenancy, drinking heavily again (about 25 units a day); mental health "
    "unchanged. Now high on both: joint care with Harbourside agreed.",
    ("II", "I"): "Mood stable for six months on current medication and back at college part-time; drinking "
    "stays low. Planning step-down to the GP.",
    ("I", "II"): "Stopped medication in the spring and became unwell, with a home treatment team episode; "
    "alcohol use still low.",
    ("III", "I"): "Stable on treatment for a year with no on-top use in recent tests; mood good. Reducing "
    "the dose with the prescriber.",
    ("III", "IV"): "Increasing paranoia and two crisis calls since using more crack; mental health now "
    "needs specialist care as well.",
    ("I", "III"): "Ketamine use has gone from weekends to most days, with bladder pain; mood still fine. "
    "Substance use now high.",
}


# ---------------------------------------------------------------------------
# The run


@dataclass
class Demo:
    """What the steps share: the objects made so far, by key, and what this run created."""

    password: str
    today: dt.date
    organisations: dict[str, Organisation] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    staff: dict[str, User] = field(default_factory=dict)
    people: dict[str, ServiceUser] = field(default_factory=dict)
    service_user_login: User | None = None
    carer_login: User | None = None
    created: Counter = field(default_factory=Counter)
    # The histories' accepted referrals, for the histories after them (demo_import.HistoryEpisode).
    history_episodes: list = field(default_factory=list)

    def history_key_workers(self, team_key: str) -> list[User]:
        """The team's key workers who hold its historic people still in care (HISTORY_KEY_WORKERS)."""
        return [
            self.staff[username]
            for username in HISTORY_KEY_WORKERS.get(team_key, ())
            if username in self.staff
        ]


def build_organisations(demo: Demo) -> None:
    for spec in ORGANISATIONS:
        organisation = Organisation.objects.filter(name=spec.name).first()
        if organisation is None:
            organisation = services.organisation_create(
                name=spec.name,
                kind=spec.kind,
                phone=spec.phone,
                email=spec.email,
                out_of_hours_phone=spec.out_of_hours_phone,
            )
            demo.created["organisations"] += 1
        demo.organisations[spec.key] = organisation
    for spec in TEAMS:
        organisation = demo.organisations[spec.org]
        team = Team.objects.filter(organisation=organisation, name=spec.name).first()
        if team is None:
            team = services.team_create(
                organisation=organisation,
                name=spec.name,
                description=spec.description,
                phone=spec.phone,
                email=spec.email,
                works_with_people=spec.works_with_people,
            )
            demo.created["teams"] += 1
        demo.teams[spec.key] = team


def build_staff(demo: Demo) -> None:
    domains = {spec.key: spec.domain for spec in ORGANISATIONS}
    org_of_team = {spec.key: spec.org for spec in TEAMS}
    for spec in STAFF:
        first_team, first_role = spec.roles[0]
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = services.staff_user_create(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@{domains[org_of_team[first_team]]}",
                team=demo.teams[first_team],
                role=first_role,
                password=demo.password if spec.login else None,
                invite=False,
            )
            demo.created["staff"] += 1
        elif spec.login:
            _ensure_password(demo, user)
        for team_key, role in spec.roles:
            if not StaffRole.objects.filter(user=user, team=demo.teams[team_key], role=role).exists():
                services.staff_role_add(user=user, team=demo.teams[team_key], role=role)
                demo.created["staff roles"] += 1
        demo.staff[spec.username] = user


def _ensure_password(demo: Demo, user: User) -> None:
    # Only when DEMO_PASSWORD has changed: re-hashing every run would change rows for nothing.
    if user.check_password(demo.password):
        return
    try:
        validate_password(demo.password, user)
    except ValidationError as exc:
        raise ApplicationError(f"DEMO_PASSWORD is not accepted: {' '.join(exc.messages)}") from exc
    user.set_password(demo.password)
    user.save(update_fields=["password"])
    demo.created["passwords reset"] += 1


def demo_nhs_number(spec: PersonSpec) -> str:
    """A valid NHS number in the 999 test range, fixed by the person's name (so stable across edits)."""
    seed = int(hashlib.sha256(spec.key.encode()).hexdigest(), 16) % 100_000
    while True:
        # 9990xxxxx: apart from the 9991xxxxx+ numbers the test factories hand out.
        body = f"9990{seed:05d}"
        check = nhs.calculate_checksum(body)
        if check is not None and check < 10:
            return f"{body}{check}"
        seed = (seed + 1) % 100_000


def _rng(spec: PersonSpec) -> random.Random:
    return random.Random(f"dualcare-demo:{spec.key}")


def _months_ago(demo: Demo, months: int) -> dt.date:
    return demo.today - dt.timedelta(days=round(months * 30.44))


# service_user_register starts the first involvement today. Where it accepts a start date
# (requested of dualcare/people/services.py), the demo's first involvements get their real
# start; until then they start on the day the demo is first loaded.
def _person_details(demo: Demo, spec: PersonSpec, index: int) -> dict:
    rng = _rng(spec)
    at_pharmacy = any(i.team == "pharmacy" for i in spec.involvements)
    notes = [note for note in CONTACT_NOTES if at_pharmacy or "pharmacy" not in note]
    birthday = demo.today - dt.timedelta(days=int(spec.age * 365.25) + rng.randint(1, 330))
    method = rng.choice(
        [ServiceUser.ContactMethod.PHONE] * 3
        + [ServiceUser.ContactMethod.SMS] * 3
        + [ServiceUser.ContactMethod.EMAIL, ServiceUser.ContactMethod.LETTER]
    )
    if rng.random() < 0.12:
        address = "No fixed address: post to Harbourside Recovery Team, to be collected."
    else:
        address = f"{rng.randint(1, 140)} {rng.choice(STREETS)}, Northgate"
    return {
        "date_of_birth": birthday,
        "preferred_name": spec.preferred_name,
        "pronouns": spec.pronouns,
        "phone": f"07700 900{index:03d}",
        "email": (
            f"{spec.given_name}.{spec.family_name}@example.invalid".lower()
            if method == ServiceUser.ContactMethod.EMAIL or rng.random() < 0.3
            else ""
        ),
        "address": address,
        "preferred_contact_method": method,
        "ok_to_leave_messages": rng.random() < 0.5,
        "contact_notes": PERSONAL_CONTACT_NOTES.get(spec.key) or rng.choice(notes),
    }


def build_people(demo: Demo) -> None:
    numbers = [demo_nhs_number(spec) for spec in PEOPLE]
    if len(set(numbers)) != len(numbers):
        # People are found again by NHS number: two sharing one would be merged. Rename one of them.
        raise ValueError("Two demo people have the same NHS number.")
    for index, spec in enumerate(PEOPLE, start=1):
        number = demo_nhs_number(spec)
        service_user = ServiceUser.objects.filter(nhs_number=number).first()
        first = spec.involvements[0]
        if service_user is None:
            details = _person_details(demo, spec, index)
            details["start"] = _months_ago(demo, first.months_ago)
            service_user = services.service_user_register(
                team=demo.teams[first.team],
                given_name=spec.given_name,
                family_name=spec.family_name,
                nhs_number=number,
                key_worker=demo.staff[first.key_worker] if first.key_worker else None,
                by=demo.staff[first.key_worker or KW_MH],
                **details,
            )
            demo.created["people"] += 1
        demo.people[spec.key] = service_user
        _involvements(demo, spec, service_user)


def _involvements(demo: Demo, spec: PersonSpec, service_user: ServiceUser) -> None:
    # Keyed by team: the demo never involves a team twice with one person.
    already = set(Involvement.objects.filter(service_user=service_user).values_list("team_id", flat=True))
    by = demo.staff[spec.involvements[0].key_worker or KW_MH]
    for involvement_spec in (*spec.history, *spec.involvements):
        team = demo.teams[involvement_spec.team]
        if team.pk in already:
            continue
        key_worker = demo.staff[involvement_spec.key_worker] if involvement_spec.key_worker else None
        involvement = services.involvement_start(
            service_user=service_user,
            team=team,
            key_worker=key_worker,
            start=_months_ago(demo, involvement_spec.months_ago),
            by=key_worker or by,
        )
        demo.created["involvements"] += 1
        if involvement_spec.ended_months_ago is not None:
            services.involvement_end(
                involvement=involvement,
                reason=involvement_spec.end_reason,
                end=_months_ago(demo, involvement_spec.ended_months_ago),
                by=key_worker or by,
            )
            demo.created["ended involvements"] += 1


def build_portal_logins(demo: Demo) -> None:
    """`serviceuser` reads their own record; `carer` (their mum) sees only their care plan."""
    sam = demo.people[SHARED_PERSON.key]
    if sam.user_id is None:
        demo.service_user_login = services.portal_login_create(
            service_user=sam,
            username=SERVICE_USER_LOGIN,
            email="sam.testwell@example.invalid",
            by=demo.staff[KW_MH],
            password=demo.password,
        )
        demo.created["portal logins"] += 1
    else:
        demo.service_user_login = sam.user
        _ensure_password(demo, sam.user)

    carer = Carer.objects.filter(user__username=CARER_LOGIN, service_user=sam).select_related("user").first()
    if carer is None:
        carer = services.carer_add(
            service_user=sam,
            relationship="Mother",
            by=demo.service_user_login,
            username=CARER_LOGIN,
            email="pat.testwell@example.invalid",
            first_name="Pat",
            last_name="Testwell",
            password=demo.password,
            phone="07700 900900",
        )
        demo.created["carers"] += 1
    else:
        _ensure_password(demo, carer.user)
    demo.carer_login = carer.user
    # Sam let their mum see appointments for a while, then asked for that to stop: history as rows.
    for scope, then_revoke in (("care_plan", False), ("appointments", True)):
        if CarerPermission.objects.filter(carer=carer, scope=scope).exists():
            continue
        services.carer_permission_grant(carer=carer, scope=scope, by=demo.service_user_login)
        demo.created["carer permissions"] += 1
        if then_revoke:
            services.carer_permission_revoke(carer=carer, scope=scope, by=demo.service_user_login)
    _welsh_carer(demo, sam)


def _welsh_carer(demo: Demo, sam: ServiceUser) -> None:
    """Gwen, Sam's sister, reads DualCare in Welsh and sees Sam's crisis plan (Sam stays English)."""
    from dualcare.accounts.services import user_language_set

    carer = (
        Carer.objects.filter(user__username=WELSH_CARER_LOGIN, service_user=sam)
        .select_related("user")
        .first()
    )
    if carer is None:
        carer = services.carer_add(
            service_user=sam,
            relationship="Sister",
            by=demo.service_user_login,
            username=WELSH_CARER_LOGIN,
            email="gwen.testwell@example.invalid",
            first_name="Gwen",
            last_name="Testwell",
            password=demo.password,
        )
        demo.created["carers"] += 1
        services.carer_permission_grant(carer=carer, scope="care_plan", by=demo.service_user_login)
        demo.created["carer permissions"] += 1
    else:
        _ensure_password(demo, carer.user)
    user_language_set(user=carer.user, language="cy")


def _consent(
    demo: Demo,
    *,
    service_user: ServiceUser,
    organisation: Organisation,
    scope: str,
    by: User,
    note: str,
    method: str = Consent.Method.VERBAL,
    withdraw_by: User | None = None,
    withdrawal_note: str = "",
) -> None:
    if Consent.objects.filter(service_user=service_user, organisation=organisation, scope=scope).exists():
        return
    consent = services.consent_record(
        service_user=service_user, organisation=organisation, scope=scope, by=by, method=method, note=note
    )
    demo.created["consents"] += 1
    if withdraw_by is not None:
        services.consent_withdraw(consent=consent, by=withdraw_by, note=withdrawal_note)
        demo.created["withdrawn consents"] += 1


def build_consents(demo: Demo) -> None:
    """Consent in every state: active, withdrawn (who and when), and never given."""
    for spec in PEOPLE:
        if spec.consents == "custom":
            continue
        pattern = CONSENT_PATTERNS[spec.consents]
        service_user = demo.people[spec.key]
        rng = _rng(spec)
        recorder = demo.staff[spec.involvements[0].key_worker or KW_MH]
        method = rng.choice([Consent.Method.VERBAL, Consent.Method.WRITTEN])
        org_keys = list(dict.fromkeys(_org_of(i.team) for i in spec.involvements))
        for org_key in org_keys:
            organisation = demo.organisations[org_key]
            for scope in pattern["active"]:
                if org_key == "pharmacy" and scope != Scope.CONTACTS:
                    continue
                _consent(
                    demo,
                    service_user=service_user,
                    organisation=organisation,
                    scope=scope,
                    by=recorder,
                    method=method,
                    note=rng.choice(CONSENT_NOTES),
                )
            if org_key == "pharmacy":
                continue
            for scope in pattern["withdrawn"]:
                _consent(
                    demo,
                    service_user=service_user,
                    organisation=organisation,
                    scope=scope,
                    by=recorder,
                    method=method,
                    note=rng.choice(CONSENT_NOTES),
                    withdraw_by=recorder,
                    withdrawal_note=rng.choice(WITHDRAWAL_NOTES),
                )
    _shared_person_consents(demo)


def _shared_person_consents(demo: Demo) -> None:
    sam = demo.people[SHARED_PERSON.key]
    mh, sm, pharmacy = (demo.organisations[key] for key in ("mh", "sm", "pharmacy"))
    kw_mh, kw_sm = demo.staff[KW_MH], demo.staff[KW_SM]
    agreement = "Signed the joint working agreement at the three-way meeting."
    for scope in (Scope.CARE_PLAN, Scope.RISK, Scope.OUTCOMES, Scope.CONTACTS):
        _consent(
            demo,
            service_user=sam,
            organisation=sm,
            scope=scope,
            by=kw_mh,
            method=Consent.Method.WRITTEN,
            note=agreement,
        )
    for scope in (Scope.CARE_PLAN, Scope.CONTACTS):
        _consent(
            demo,
            service_user=sam,
            organisation=mh,
            scope=scope,
            by=kw_sm,
            method=Consent.Method.WRITTEN,
            note=agreement,
        )
    # Sam withdrew this themselves, in DualCare; risk to the CMHT was never given.
    _consent(
        demo,
        service_user=sam,
        organisation=mh,
        scope=Scope.OUTCOMES,
        by=kw_sm,
        note="Agreed on the phone.",
        withdraw_by=demo.service_user_login,
        withdrawal_note="I'd rather go through my drug and alcohol scores with my CMHT worker myself.",
    )
    _consent(
        demo,
        service_user=sam,
        organisation=pharmacy,
        scope=Scope.CONTACTS,
        by=kw_sm,
        note="Wants the pharmacy to tell both teams if a collection is missed.",
    )


def _org_of(team_key: str) -> str:
    return next(spec.org for spec in TEAMS if spec.key == team_key)


def build_quadrants(demo: Demo) -> None:
    """Quadrant assessments over time, each with a plain rationale; some people move."""
    for spec in PEOPLE:
        service_user = demo.people[spec.key]
        if QuadrantAssessment.objects.filter(service_user=service_user).exists():
            continue
        rng = _rng(spec)
        assessor = demo.staff[next(i.key_worker for i in spec.involvements if i.key_worker)]
        quadrants = spec.quadrants.split(">")
        for quadrant, assessed_on, rationale in zip(
            quadrants,
            _assessment_dates(demo, spec, len(quadrants), rng),
            _rationales(quadrants, rng),
            strict=True,
        ):
            mental_health, substance_use = SEVERITIES[quadrant]
            cohort_services.quadrant_assess(
                service_user=service_user,
                mental_health_severity=mental_health,
                substance_use_severity=substance_use,
                rationale=rationale,
                by=assessor,
                assessed_on=assessed_on,
            )
            demo.created["quadrant assessments"] += 1


def _assessment_dates(demo: Demo, spec: PersonSpec, count: int, rng: random.Random) -> list[dt.date]:
    # The first a fortnight after the earliest open involvement began; the latest in the last few weeks.
    span = max(round(max(i.months_ago for i in spec.involvements) * 30.44) - 14, 20)
    latest = min(rng.randint(3, 40), span // 2)
    if count == 1:
        return [demo.today - dt.timedelta(days=latest)]
    step = (span - latest) / (count - 1)
    return [demo.today - dt.timedelta(days=round(span - n * step)) for n in range(count)]


def _rationales(quadrants: list[str], rng: random.Random) -> list[str]:
    rationales = []
    previous = None
    for quadrant in quadrants:
        if previous is None:
            rationales.append(rng.choice(RATIONALES[quadrant]))
        elif previous == quadrant:
            rationales.append(f"Reviewed: still quadrant {quadrant}. {rng.choice(RATIONALES[quadrant])}")
        else:
            rationales.append(MOVES.get((previous, quadrant)) or rng.choice(RATIONALES[quadrant]))
        previous = quadrant
    return rationales


STEPS: list[Callable[[Demo], None]] = [
    build_organisations,
    build_staff,
    build_people,
    build_portal_logins,
    build_consents,
    build_quadrants,
]


def capability_steps() -> list[Callable[[Demo], None]]:
    """`build(demo)` of each installed app that has a demo module (contacts, referrals, care plans...)."""
    steps = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.demo"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        if hasattr(module, "build"):
            steps.append(module.build)
    return steps


def history_steps() -> list[Callable[[Demo], None]]:
    """`build(demo)` of each installed app's `demo_history` module, in INSTALLED_APPS order, then
    each one's `finish(demo)` (what needs every history's rows): the year of history the dashboards
    chart, each app's rows written in bulk by that app, after the whole live demo (the histories
    come before the live demo's dates and read what it made)."""
    modules = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.demo_history"
        if importlib.util.find_spec(module_name) is not None:
            modules.append(importlib.import_module(module_name))
    builds = [module.build for module in modules if hasattr(module, "build")]
    return builds + [module.finish for module in modules if hasattr(module, "finish")]


def build(*, password: str, now: dt.datetime | None = None) -> Demo:
    """Create whatever of the demo is missing, in one transaction; returns what was made and found.

    The whole build reads one clock: `now` (default: the time it starts), through
    `dualcare.clock`, so the services it calls and the steps agree on "now" and "today" however
    long it takes (a build across midnight gives the same demo as one before it)."""
    with clock.frozen(now), transaction.atomic():
        demo = Demo(password=password, today=clock.today())
        for step in [*STEPS, *capability_steps(), *history_steps()]:
            step(demo)
    return demo


def logins(demo: Demo) -> list[tuple[str, str]]:
    """(username, what it is for) for every demo login, in the order DESIGN.md lists them."""
    rows = [(spec.username, spec.login) for spec in STAFF if spec.login]
    sam = SHARED_PERSON.key
    rows.append((SERVICE_USER_LOGIN, f"service user ({sam}: CMHT, drug and alcohol service and pharmacy)"))
    # What the carer may see, from the rule the carer's pages follow (people.carer_sharing).
    granted = CarerPermission.objects.filter(carer__user__username=CARER_LOGIN, revoked_at__isnull=True)
    shared = carer_sharing.staff_words(set(granted.values_list("scope", flat=True)))
    rows.append((CARER_LOGIN, f"carer (mother of {sam}; may see {shared})"))
    rows.append((WELSH_CARER_LOGIN, f"carer (sister of {sam}), in Welsh; may see Sam's crisis plan"))
    return rows


def summary(demo: Demo) -> str:
    made = ", ".join(f"{what} {count}" for what, count in demo.created.items() if count)
    made = made or "nothing (already loaded)"
    lines = [
        f"DualCare demo: {len(demo.organisations)} organisations, {len(demo.teams)} teams, "
        f"{len(demo.staff)} staff, {len(demo.people)} people.",
        *textwrap.wrap(f"Created this run: {made}.", width=100, subsequent_indent="  "),
        "",
        f"Demo logins (password: {demo.password}):",
    ]
    width = max(len(username) for username, _ in logins(demo))
    lines += [f"  {username.ljust(width)}  {role}" for username, role in logins(demo)]
    return "\n".join(lines)
