"""The trust-scale demo's people: organisations, teams, staff and their roles, the people in care,
their involvements and their consents, written in bulk (``manage.py demo --scale``).

At full scale (``--scale trust``): 20 organisations (4 NHS mental health trusts, 4 drug and
alcohol services, 6 charities, 6 community pharmacies), 200 teams, about 3,000 staff, 50,000
people and about 84,000 involvements; a fraction (``--scale 1/25``) scales every count, keeping
at least one organisation of each kind and one team of each organisation. Team sizes vary (a
busy community mental health team has a caseload of about 740 people, a pharmacy about 330
people collecting). Names are synthetic (Faker, seeded); NHS numbers are valid numbers in the
999 test range (9994000000 upwards, apart from the live demo's and the demo histories' ranges).

The rows are the ones the services would write (people.services: organisation_create,
team_create, staff_user_create and staff_role_add, service_user_create, involvement_start and
involvement_end, consent_record and consent_withdraw), with the dates things happened; like the
demo's histories, no audit row is written per row (the import writes one audit row as a whole)
and nobody is sent anything. Staff roles in force are ``granted``, as staff_role_add leaves them;
the object permissions are granted afterwards, in bulk, by ``access.permissions_grant_all``.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import nhs_number as nhs
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from dualcare.bulk import rows_write
from dualcare.exceptions import ApplicationError

from .models import Consent, Involvement, Organisation, Scope, ServiceUser, StaffRole, Team, User

LONDON = ZoneInfo("Europe/London")
NHS_FROM = 999_400_000  # nine-digit bodies 9994xxxxx-9997xxxxx: 99970/99980/99985 are the histories'

Kind = Organisation.Kind
Role = StaffRole.Role

# Kind: (organisations, teams, staff per team, share of the people whose main team is of this kind).
SHAPE = {
    Kind.MENTAL_HEALTH: (4, 80, 21, 0.50),
    Kind.SUBSTANCE_MISUSE: (4, 40, 20, 0.40),
    Kind.THIRD_SECTOR: (6, 20, 13, 0.10),
    Kind.PHARMACY: (6, 60, 4, 0.0),
}
PEOPLE = 50_000
# Of the people whose main team is mental health, the share also with a drug and alcohol team;
# of drug and alcohol, the share also with a mental health team; anyone, with a charity.
ALSO_SUBSTANCE_MISUSE = 0.35
ALSO_MENTAL_HEALTH = 0.20
ALSO_CHARITY = 0.03
# People collecting supervised consumption at a pharmacy (each involved with that pharmacy).
COLLECTING = 20_000
# Of the extra involvements, the share that have ended (with a reason).
ENDED = 0.15

ORG_NAMES = {
    Kind.MENTAL_HEALTH: [
        "Northgate and Harbourside NHS Foundation Trust",
        "Westmoor Partnership NHS Foundation Trust",
        "Eastvale Mental Health NHS Trust",
        "Riverbend Care NHS Foundation Trust",
    ],
    Kind.SUBSTANCE_MISUSE: [
        "Northgate Recovery Service",
        "Westmoor Drug and Alcohol Service",
        "Eastvale Turning Point",
        "Riverbend Change Grow Live",
    ],
    Kind.THIRD_SECTOR: [
        "Bridgeway Peer Support",
        "Harbourside Mind",
        "Westmoor Housing Advice",
        "Eastvale Women's Centre",
        "Riverbend Carers' Network",
        "Lantern Recovery Community",
    ],
    Kind.PHARMACY: [
        "Station Road Pharmacy Group",
        "Westmoor Community Pharmacies",
        "Eastvale Chemists",
        "Riverbend Pharmacy Partnership",
        "Harbourside Healthcare Pharmacies",
        "Northgate Independent Pharmacies",
    ],
}
TEAM_NAMES = {
    Kind.MENTAL_HEALTH: [
        "Community Mental Health Team",
        "Early Intervention in Psychosis",
        "Home Treatment Team",
        "Assertive Outreach",
        "Primary Care Mental Health",
    ],
    Kind.SUBSTANCE_MISUSE: ["Recovery Team", "Prescribing Clinic", "Alcohol Team", "Criminal Justice Team"],
    Kind.THIRD_SECTOR: ["Peer Mentoring", "Drop-in", "Advice Service"],
    Kind.PHARMACY: ["Pharmacy"],
}
LOCALITIES = [
    "North", "South", "East", "West", "Central", "Harbour", "Moor", "Vale", "Bridge", "Market",
    "Castle", "Mill", "Park", "Abbey", "Quay", "Forest", "Heath", "Common", "Green", "Cross",
]  # fmt: skip
END_REASONS = ["Discharged: goals met.", "Discharged to the GP.", "Disengaged.", "Moved away."]


def count(full: int, scale: float, least: int = 0) -> int:
    """`full` at this scale, rounded, and never fewer than `least`."""
    return max(least, round(full * scale))


@dataclass
class TeamInfo:
    id: uuid.UUID
    organisation_id: uuid.UUID
    kind: str
    name: str
    weight: float
    phone: str = ""
    email: str = ""
    roles: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))

    @property
    def workers(self) -> list[uuid.UUID]:
        return self.roles[Role.KEY_WORKER] + self.roles[Role.LINK_WORKER]


@dataclass
class InvolvementInfo:
    id: uuid.UUID
    service_user_id: uuid.UUID
    team: TeamInfo
    key_worker_id: uuid.UUID | None
    start: dt.date
    end: dt.date | None


@dataclass
class Trust:
    """What the apps' scale writers build on: the people's rows as made here, in memory."""

    seed: int
    scale: float
    today: dt.date
    now: dt.datetime
    organisations: dict[uuid.UUID, dict] = field(default_factory=dict)
    teams: list[TeamInfo] = field(default_factory=list)
    staff_names: dict[uuid.UUID, str] = field(default_factory=dict)
    people: list[uuid.UUID] = field(default_factory=list)
    involvements: list[InvolvementInfo] = field(default_factory=list)
    # (service user, organisation) -> scopes consented now
    consents: dict[tuple, set[str]] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    # (drug and alcohol involvement, pharmacy involvement) of each person collecting
    collecting: list[tuple] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        """A generator for one part of the data: the same seed gives the same rows."""
        return random.Random(f"dualcare-trust-{self.seed}-{part}")

    def uuid(self, rng: random.Random) -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def teams_of_kind(self, kind: str) -> list[TeamInfo]:
        return [team for team in self.teams if team.kind == kind]

    def open_involvements(self, *kinds: str) -> list[InvolvementInfo]:
        return [i for i in self.involvements if i.end is None and (not kinds or i.team.kind in kinds)]


def at(day: dt.date, minutes: int) -> dt.datetime:
    """A time on a London day, `minutes` after midnight."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON) + dt.timedelta(minutes=minutes)


def _names(rng: random.Random, seed: int):
    from faker import Faker

    fake = Faker("en_GB")
    fake.seed_instance(seed)
    given = sorted({fake.first_name() for _ in range(3_000)})
    family = sorted({fake.last_name() for _ in range(3_000)})
    return given, family


def _nhs_numbers(rng: random.Random):
    body = NHS_FROM
    while True:
        body += rng.randint(1, 3)
        check = nhs.calculate_checksum(f"{body:09d}")
        if check is not None and check < 10:
            yield f"{body:09d}{check}"


def people_scale_create(*, seed: int, scale: float, today: dt.date, now: dt.datetime, password: str) -> Trust:
    """Write the organisations, teams, staff, people, involvements and consents; return them."""
    trust = Trust(seed=seed, scale=scale, today=today, now=now)
    rng = trust.rng("people")
    given, family = _names(rng, seed)
    created = at(today - dt.timedelta(days=1100), 9 * 60)

    # -- organisations and teams ---------------------------------------------------------------
    orgs, teams = [], []
    for kind, (n_orgs, n_teams, _, _) in SHAPE.items():
        kind_orgs = []
        for i in range(count(n_orgs, scale, 1)):
            name = ORG_NAMES[kind][i % len(ORG_NAMES[kind])]
            if i >= len(ORG_NAMES[kind]):
                name = f"{name} {i // len(ORG_NAMES[kind]) + 1}"
            domain = name.lower().replace("'", "").replace(" ", "")[:30] + ".example.org"
            org = {
                "id": trust.uuid(rng),
                "name": name,
                "kind": kind,
                "ods_code": f"X{len(orgs) + 1:02d}",
                "phone": f"0113 496 0{len(orgs):03d}",
                "email": f"enquiries@{domain}",
                "domain": domain,
                "created_at": created,
                "updated_at": created,
            }
            orgs.append(org)
            kind_orgs.append(org)
            trust.organisations[org["id"]] = org
        for i in range(count(n_teams, scale, len(kind_orgs))):
            org = kind_orgs[i % len(kind_orgs)]
            number = i // len(kind_orgs)
            kind_names = TEAM_NAMES[kind]
            locality = LOCALITIES[(number // len(kind_names)) % len(LOCALITIES)]
            name = f"{locality} {kind_names[number % len(kind_names)]}"
            if number >= len(kind_names) * len(LOCALITIES):
                name = f"{name} {number // (len(kind_names) * len(LOCALITIES)) + 1}"
            team = TeamInfo(
                trust.uuid(rng),
                org["id"],
                kind,
                name,
                # Pharmacies alike; clinical teams from small specialist teams to busy CMHTs.
                rng.uniform(0.7, 1.3) if kind == Kind.PHARMACY else rng.lognormvariate(0, 0.55),
                phone=f"0114 496 0{len(teams) % 1000:03d}",
                email=f"{name.lower().replace(' ', '.')}@{org['domain']}",
            )
            trust.teams.append(team)
            teams.append(
                {
                    "id": team.id,
                    "organisation_id": org["id"],
                    "name": name,
                    "description": f"{name}, {org['name']}",
                    "phone": team.phone,
                    "email": team.email,
                    "created_at": created,
                    "updated_at": created,
                }
            )
    rows_write(Organisation, ({k: v for k, v in org.items() if k != "domain"} for org in orgs))
    rows_write(Team, teams)

    # -- staff and their roles -----------------------------------------------------------------
    users, roles, usernames = [], [], set()
    unusable = make_password(None)

    def staff(team: TeamInfo, role: str, start: dt.date):
        first, last = rng.choice(given), rng.choice(family)
        base = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        username, n = base, 1
        while username in usernames:
            n += 1
            username = f"{base}{n}"
        usernames.add(username)
        user_id = trust.uuid(rng)
        joined = at(start, 9 * 60)
        users.append(
            {
                "id": user_id,
                # Each hash has its own salt, as set_unusable_password makes it.
                "password": unusable[:1] + uuid.UUID(int=rng.getrandbits(128)).hex,
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{trust.organisations[team.organisation_id]['domain']}",
                "is_staff": False,
                "is_active": True,
                "is_superuser": False,
                "date_joined": joined,
                "kind": User.Kind.STAFF,
            }
        )
        roles.append(
            {
                "id": trust.uuid(rng),
                "user_id": user_id,
                "team_id": team.id,
                "role": role,
                "start": start,
                "access_state": "granted",
                "created_at": joined,
                "updated_at": joined,
            }
        )
        team.roles[role].append(user_id)
        trust.staff_names[user_id] = f"{first} {last}"
        return user_id

    first_team_of: dict = {}
    for team in trust.teams:
        size = SHAPE[team.kind][2]
        first_team_of.setdefault(team.organisation_id, team)
        for n in range(size):
            start = today - dt.timedelta(days=rng.randint(30, 1000))
            if team.kind == Kind.PHARMACY:
                role = Role.PHARMACIST
            elif n == 0:
                role = Role.TEAM_MANAGER
            elif n == 1 and team.kind != Kind.THIRD_SECTOR:
                role = Role.LINK_WORKER
            else:
                role = Role.KEY_WORKER
            staff(team, role, start)
    for team in first_team_of.values():
        staff(team, Role.ORG_ADMIN, today - dt.timedelta(days=rng.randint(30, 1000)))

    # -- people and their involvements ---------------------------------------------------------
    numbers = _nhs_numbers(rng)
    people = []
    n_people = count(PEOPLE, scale, 1)
    kinds = [k for k, shape in SHAPE.items() if shape[3] > 0]
    shares = [SHAPE[k][3] for k in kinds]
    by_kind = {kind: trust.teams_of_kind(kind) for kind in SHAPE}
    weights = {kind: [team.weight for team in by_kind[kind]] for kind in SHAPE}
    involvements = []

    def involve(person_id, team: TeamInfo, start: dt.date, end: dt.date | None = None):
        worker = rng.choice(team.workers) if team.workers else None
        info = InvolvementInfo(trust.uuid(rng), person_id, team, worker, start, end)
        trust.involvements.append(info)
        involvements.append(
            {
                "id": info.id,
                "team_id": team.id,
                "service_user_id": person_id,
                "key_worker_id": worker,
                "start": start,
                "end": end,
                "end_reason": rng.choice(END_REASONS) if end else "",
                "started_by_id": worker,
                "ended_by_id": worker if end else None,
                "created_at": at(start, rng.randint(9 * 60, 17 * 60)),
                "updated_at": at(end or start, 17 * 60),
            }
        )
        return info

    main_of: dict = {}
    for _ in range(n_people):
        person_id = trust.uuid(rng)
        age = rng.randint(18, 75)
        first = rng.choice(given)
        first_seen = today - dt.timedelta(days=rng.randint(30, 900))
        method = rng.choices(ServiceUser.ContactMethod.values, weights=[50, 30, 10, 10])[0]
        phone = f"07700 9{rng.randint(0, 99999):05d}"
        people.append(
            {
                "id": person_id,
                "nhs_number": next(numbers),
                "given_name": first,
                "family_name": rng.choice(family),
                "preferred_name": first[:3] if rng.random() < 0.05 else "",
                "date_of_birth": today - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360)),
                "phone": phone,
                "preferred_contact_method": method,
                "ok_to_leave_messages": rng.random() < 0.6,
                "created_at": at(first_seen, 10 * 60),
                "updated_at": at(first_seen, 10 * 60),
            }
        )
        trust.people.append(person_id)
        kind = rng.choices(kinds, weights=shares)[0]
        team = rng.choices(by_kind[kind], weights=weights[kind])[0]
        main_of[person_id] = involve(person_id, team, first_seen)

    def also(person_id, kind):
        main = main_of[person_id]
        team = rng.choices(by_kind[kind], weights=weights[kind])[0]
        start = main.start + dt.timedelta(days=rng.randint(7, max(8, (today - main.start).days - 7)))
        start = min(start, today - dt.timedelta(days=1))
        end = None
        if rng.random() < ENDED:
            end = min(today - dt.timedelta(days=1), start + dt.timedelta(days=rng.randint(28, 240)))
        return involve(person_id, team, start, end)

    for person_id in trust.people:
        main_kind = main_of[person_id].team.kind
        if main_kind == Kind.MENTAL_HEALTH and rng.random() < ALSO_SUBSTANCE_MISUSE:
            also(person_id, Kind.SUBSTANCE_MISUSE)
        elif main_kind == Kind.SUBSTANCE_MISUSE and rng.random() < ALSO_MENTAL_HEALTH:
            also(person_id, Kind.MENTAL_HEALTH)
        if main_kind != Kind.THIRD_SECTOR and rng.random() < ALSO_CHARITY:
            also(person_id, Kind.THIRD_SECTOR)

    # Supervised consumption: people open to a drug and alcohol team, at a pharmacy near them.
    prescribed = trust.open_involvements(Kind.SUBSTANCE_MISUSE)
    rng.shuffle(prescribed)
    seen = set()
    prescribed = [i for i in prescribed if not (i.service_user_id in seen or seen.add(i.service_user_id))]
    pharmacies = by_kind[Kind.PHARMACY]
    for prescribing in prescribed[: count(COLLECTING, scale, 1)]:
        pharmacy = rng.choices(pharmacies, weights=weights[Kind.PHARMACY])[0]
        start = today - dt.timedelta(days=rng.randint(0, 27))
        start = max(start, prescribing.start)
        trust.collecting.append((prescribing, involve(prescribing.service_user_id, pharmacy, start)))

    rows_write(User, users)
    rows_write(StaffRole, roles)
    rows_write(ServiceUser, people)
    rows_write(Involvement, involvements)

    # -- consents ------------------------------------------------------------------------------
    consents = []
    all_scopes = list(Scope.values)
    involvements_of: dict = defaultdict(list)
    for info in trust.involvements:
        if info.end is None:
            involvements_of[info.service_user_id].append(info)
    for person_id in trust.people:
        pattern = rng.choices(["all", "plan_and_contacts", "none", "withdrawn"], weights=[50, 25, 15, 10])[0]
        if pattern == "none":
            continue
        spells = involvements_of[person_id]
        recorder = next((i.key_worker_id for i in spells if i.key_worker_id), None)
        if recorder is None:
            continue
        method = rng.choice([Consent.Method.VERBAL, Consent.Method.WRITTEN])
        for spell in spells:
            org_id = spell.team.organisation_id
            if (person_id, org_id) in trust.consents:
                continue
            if spell.team.kind == Kind.PHARMACY:
                scopes = [Scope.CONTACTS]
            elif pattern == "plan_and_contacts":
                scopes = [Scope.CARE_PLAN, Scope.CONTACTS]
            else:
                scopes = all_scopes
            withdrawn = rng.choice(scopes) if pattern == "withdrawn" and len(scopes) > 1 else None
            recorded = at(spell.start, rng.randint(9 * 60, 17 * 60)) + dt.timedelta(days=rng.randint(0, 3))
            recorded = min(recorded, now - dt.timedelta(hours=1))
            trust.consents[(person_id, org_id)] = set()
            for scope in scopes:
                row = {
                    "id": trust.uuid(rng),
                    "service_user_id": person_id,
                    "organisation_id": org_id,
                    "scope": scope,
                    "method": method,
                    "recorded_by_id": recorder,
                    "recorded_at": recorded,
                    "created_at": recorded,
                    "updated_at": recorded,
                }
                if scope == withdrawn:
                    gone = recorded + (now - recorded) * rng.uniform(0.2, 0.9)
                    row.update(
                        withdrawn_at=gone,
                        withdrawn_by_id=recorder,
                        withdrawal_note="The person asked us to stop sharing this.",
                        updated_at=gone,
                    )
                else:
                    trust.consents[(person_id, org_id)].add(scope)
                consents.append(row)
    rows_write(Consent, consents)
    trust.counts = {
        "organisations": len(orgs),
        "teams": len(teams),
        "staff": len(users),
        "staff roles": len(roles),
        "people": len(people),
        "involvements": len(involvements),
        "consents": len(consents),
    }
    _logins(trust, password)
    return trust


def _logins(trust: Trust, password: str) -> None:
    """Known logins on typical caseloads: usable passwords on four of the generated staff."""
    caseload: dict = defaultdict(int)
    for info in trust.open_involvements():
        caseload[info.team.id] += 1
    collecting: dict = defaultdict(int)
    for _, pharmacy in trust.collecting:
        collecting[pharmacy.team.id] += 1

    def nearest(teams, sizes, target):
        return min(teams, key=lambda team: (abs(sizes[team.id] - target), str(team.id)))

    mental_health = trust.teams_of_kind(Kind.MENTAL_HEALTH)
    keyworker_team = nearest([t for t in mental_health if t.roles[Role.KEY_WORKER]], caseload, 740)
    manager_team = nearest(
        [t for t in mental_health if t.roles[Role.TEAM_MANAGER]], caseload, 740 if trust.scale >= 1 else 0
    )
    pharmacy_team = nearest(trust.teams_of_kind(Kind.PHARMACY), collecting, 330)
    admin_team = keyworker_team
    chosen = {
        "keyworker.trust": keyworker_team.roles[Role.KEY_WORKER][0],
        "manager.trust": manager_team.roles[Role.TEAM_MANAGER][0],
        "pharmacist.trust": pharmacy_team.roles[Role.PHARMACIST][0],
    }
    org_admins = [
        t.roles[Role.ORG_ADMIN][0]
        for t in trust.teams
        if t.roles[Role.ORG_ADMIN] and t.organisation_id == admin_team.organisation_id
    ]
    chosen["admin.trust"] = org_admins[0]
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ApplicationError(f"DEMO_PASSWORD is not accepted: {' '.join(exc.messages)}") from exc
    hashed = make_password(password)
    for username, user_id in chosen.items():
        User.objects.filter(pk=user_id).update(username=username, password=hashed)
    trust.logins = {
        "keyworker.trust": f"key worker, {keyworker_team.name} ({caseload[keyworker_team.id]} people open)",
        "manager.trust": f"team manager, {manager_team.name}, "
        f"{trust.organisations[manager_team.organisation_id]['name']}",
        "pharmacist.trust": f"pharmacist, {pharmacy_team.name} "
        f"({collecting[pharmacy_team.id]} people collecting)",
        "admin.trust": f"organisation admin, {trust.organisations[admin_team.organisation_id]['name']}",
    }


def trust_from_database(*, seed: int, scale: float, today: dt.date, now: dt.datetime) -> Trust:
    """The Trust of a trust already generated, read back from its rows, for an app whose scale
    rows come after it (``manage.py scale_add``): organisations, teams and their staff in force,
    the people, their involvements and the scopes consented now. Logins and the pairs collecting
    at a pharmacy are not read back (nothing added later needs them)."""
    trust = Trust(seed=seed, scale=scale, today=today, now=now)
    for org in Organisation.objects.values("id", "name", "kind", "ods_code", "phone", "email"):
        org["domain"] = (org["email"] or "@example.org").partition("@")[2]
        trust.organisations[org["id"]] = org
    teams = {}
    for row in Team.objects.order_by("id").values(
        "id", "organisation_id", "organisation__kind", "name", "phone", "email"
    ):
        team = TeamInfo(
            row["id"], row["organisation_id"], row["organisation__kind"], row["name"], 1.0,
            phone=row["phone"], email=row["email"],
        )  # fmt: skip
        teams[team.id] = team
        trust.teams.append(team)
    roles = StaffRole.objects.filter(end__isnull=True).order_by("id")
    for user_id, team_id, role in roles.values_list("user_id", "team_id", "role"):
        teams[team_id].roles[role].append(user_id)
    for user_id, first, last in User.objects.order_by("id").values_list("id", "first_name", "last_name"):
        trust.staff_names[user_id] = f"{first} {last}".strip()
    trust.people = list(ServiceUser.objects.order_by("id").values_list("id", flat=True))
    spells = Involvement.objects.order_by("id").values_list(
        "id", "service_user_id", "team_id", "key_worker_id", "start", "end"
    )
    for spell_id, person_id, team_id, worker_id, start, end in spells:
        team = teams[team_id]
        trust.involvements.append(InvolvementInfo(spell_id, person_id, team, worker_id, start, end))
        trust.consents.setdefault((person_id, team.organisation_id), set())
    in_force = Consent.objects.filter(withdrawn_at__isnull=True)
    for person_id, org_id, scope in in_force.values_list("service_user_id", "organisation_id", "scope"):
        trust.consents.setdefault((person_id, org_id), set()).add(scope)
    return trust
