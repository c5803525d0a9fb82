"""What does the contacts visibility filter (access.contacts_visible_to) cost, and what does it read?

Usage (PostgreSQL for the plans; uses DATABASE_URL when set, else a throwaway SQLite file):
    DEBUG=1 .venv/bin/python bench/contacts_visibility.py [people=10000]
    (BENCH_KEEP=1 keeps the scratch database and reuses it on the next run.)

Builds, in a scratch test database, 10 organisations of 5 teams, 4 key workers per team and a
team manager per organisation, `people` people each involved with one team and 30% with a second
of another organisation, contacts consent for half of the shared ones, the object permissions
access.permissions_sync gives, and 20 appointments per person over a month (about a 30th of them
today). Then, for a manager and a key worker: the API's contacts of today (count, first page of
25) and the key worker's week of team appointments, with the filter as it is now and the one
before issue 15 (OR'd IN subqueries), each the median of 20 runs, and on PostgreSQL the rows each
plan reads from the contacts table. Checks the two filters return the same rows; asserts nothing
else.
"""

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import random  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Exists, OuterRef, Q  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from dualcare import access  # noqa: E402
from dualcare.contacts import selectors  # noqa: E402
from dualcare.contacts.models import Contact, Kind  # noqa: E402
from dualcare.people.models import (  # noqa: E402
    Consent,
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    ServiceUserUserObjectPermission,
    StaffRole,
    Team,
    User,
)


def contacts_visible_before(user):
    """The staff filter before issue 15, kept here to compare: person IN (may see) AND (own
    organisation IN (my organisations) OR person IN (consented and permitted))."""
    my_orgs = access.active_roles(user).order_by().values("team__organisation_id")
    perms = ServiceUserUserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="people"
    )
    may_see = perms.filter(permission__codename__in=[access.VIEW_RECORD, "view_contacts"]).values(
        "content_object_id"
    )
    consented = Consent.objects.filter(
        service_user_id=OuterRef("content_object_id"),
        organisation_id__in=my_orgs,
        scope=Scope.CONTACTS,
        withdrawn_at__isnull=True,
    )
    people = perms.filter(Exists(consented), permission__codename="view_contacts").values("content_object_id")
    return Contact.objects.filter(
        Q(service_user_id__in=may_see)
        & (Q(team__organisation_id__in=my_orgs) | Q(service_user_id__in=people))
    )


def timed(fn, repeat=20):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def contact_rows_read(queryset) -> str:
    """On PostgreSQL: the rows the plan takes from the contacts table (actual rows x loops, summed
    over every node that scans it), and the shared buffers touched."""
    if connection.vendor != "postgresql":
        return ""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) {sql}", params)
        lines = [row[0] for row in cursor.fetchall()]
    read = 0
    for i, line in enumerate(lines):
        if " on contacts_contact" in line:
            match = re.search(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)", line)
            if match:
                read += int(match.group(1)) * int(match.group(2))
            # Rows a filter threw away are rows read too.
            for extra in lines[i + 1 : i + 4]:
                removed = re.search(r"Rows Removed by (?:Filter|Index Recheck): (\d+)", extra)
                if removed and match:
                    read += int(removed.group(1)) * int(match.group(2))
    buffers = sum(int(n) for n in re.findall(r"shared hit=(\d+)", lines[0] + "".join(lines[1:2])))
    return f"contacts rows read {read:7d}, buffers {buffers:6d}"


def build(people: int):
    random.seed(15)
    today = timezone.localdate()
    orgs = Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {i}", kind=Organisation.Kind.MENTAL_HEALTH) for i in range(10)
    )
    teams = Team.objects.bulk_create(
        Team(organisation=org, name=f"Bench team {i}.{j}") for i, org in enumerate(orgs) for j in range(5)
    )
    staff, roles = [], []
    for t, team in enumerate(teams):
        for k in range(4):
            user = User(username=f"bench.kw.{t}.{k}", kind=User.Kind.STAFF)
            staff.append(user)
            roles.append(StaffRole(user=user, team=team, role=StaffRole.Role.KEY_WORKER, start=today))
        if t % 5 == 0:
            user = User(username=f"bench.manager.{t // 5}", kind=User.Kind.STAFF)
            staff.append(user)
            roles.append(StaffRole(user=user, team=team, role=StaffRole.Role.TEAM_MANAGER, start=today))
    User.objects.bulk_create(staff)
    StaffRole.objects.bulk_create(roles)
    su_rows = ServiceUser.objects.bulk_create(
        ServiceUser(given_name="Bench", family_name=f"Person{i:07d}", date_of_birth=dt.date(1980, 1, 1))
        for i in range(people)
    )
    involvements, consents, person_teams = [], [], {}
    for i, person in enumerate(su_rows):
        mine = [teams[i % len(teams)]]
        if random.random() < 0.3:
            mine.append(teams[(i + 7) % len(teams)])  # another organisation's team
            if random.random() < 0.5:
                for team in mine:
                    consents.append(
                        Consent(
                            service_user=person,
                            organisation_id=team.organisation_id,
                            scope=Scope.CONTACTS,
                            recorded_by=staff[0],
                        )
                    )
        person_teams[person.pk] = mine
        involvements += [Involvement(service_user=person, team=team, start=today) for team in mine]
    Involvement.objects.bulk_create(involvements, batch_size=5000)
    Consent.objects.bulk_create(consents, batch_size=5000)
    access.permissions_sync(service_user_ids=[p.pk for p in su_rows])
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    batch = []
    for person in su_rows:
        for n in range(20):
            offset = random.randint(-15, 15)
            batch.append(
                Contact(
                    service_user=person,
                    kind=Kind.KEY_WORKER,
                    team=random.choice(person_teams[person.pk]),
                    starts_at=noon + dt.timedelta(days=offset, minutes=n),
                    due_on=today + dt.timedelta(days=offset),
                )
            )
        if len(batch) >= 10000:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans, real estimates
    return User.objects.get(username="bench.manager.0"), User.objects.get(username="bench.kw.0.0")


def main(people: int) -> None:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    keep = os.environ.get("BENCH_KEEP") == "1"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keep)  # migrated
    try:
        start = time.perf_counter()
        if keep and User.objects.filter(username="bench.manager.0").exists():
            manager, key_worker = (
                User.objects.get(username="bench.manager.0"),
                User.objects.get(username="bench.kw.0.0"),
            )
            people = ServiceUser.objects.count()
        else:
            manager, key_worker = build(people)
        today = timezone.localdate()
        print(
            f"database: {connection.vendor}; people: {people}; built in {time.perf_counter() - start:.0f} s"
        )
        print(f"contacts: {Contact.objects.count()}, today: {Contact.objects.filter(due_on=today).count()}")
        for user in (manager, key_worker):
            now = access.contacts_visible_to(user)
            before = contacts_visible_before(user)
            same = set(now.values_list("pk", flat=True)) == set(before.values_list("pk", flat=True))
            print(f"{user.username}: sees {now.count()} contacts (same rows as before: {same})")
            cases = {
                "API contacts of today: count": lambda q: q.filter(due_on=today).count(),
                "API contacts of today: first 25": lambda q: list(
                    q.filter(due_on=today).select_related(*selectors.LIST_RELATED).order_by("starts_at")[:25]
                ),
            }
            for label, run in cases.items():
                for name, queryset in (("before", before), ("now", now)):
                    ms = timed(lambda r=run, q=queryset: r(q))
                    plan_of = queryset.filter(due_on=today).order_by("starts_at")
                    if "count" in label:
                        print(f"  {label:34s} {name:6s} {ms:8.2f} ms  {contact_rows_read(plan_of)}")
                    else:
                        print(f"  {label:34s} {name:6s} {ms:8.2f} ms  {contact_rows_read(plan_of[:25])}")
        week = selectors.team_appointments(key_worker, start=today)
        print(f"{key_worker.username}: team appointments this week: {week.count()}")
        print(f"  first 25 (now)                             {timed(lambda: list(week[:25])):8.2f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
