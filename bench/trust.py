"""Trust-scale bench (issue 15): every daily page and API list against the framework floor, the
sweeps against the raw SQL that finds their rows, and alert latency from the Missed button to
delivered. Prints markdown; asserts nothing.

Usage (`make bench BENCH_DB=...` runs it with the defaults):
    .venv/bin/python bench/trust.py --db postgres://postgres@127.0.0.1:5432/dualcare_trust25 \\
        [--redis redis://127.0.0.1:6379/4] [--reps 15] [--misses 10] [--burst 20] \\
        [--keyworker keyworker.mh --linkworker linkworker.mh --manager manager.mh \\
         --pharmacist pharmacist --serviceuser serviceuser --password ...] [--in-place] \\
        [--skip pages,alerts,sweeps] [--only dashboard,locality] [--port 8123]

What it does, in order:
  1. Copies --db to a scratch database (CREATE DATABASE ... TEMPLATE: the pages write audit rows,
     sign-ins write sessions, misses write outbox rows), unless --in-place. Dropped at the end.
  2. Serves the copy as production does: gunicorn, 2 sync workers, DEBUG off, whitenoise, the
     demo's plain http and no two-factor (REQUIRE_STAFF_2FA=0, as `make run` and
     bin/api-contract-check do), with BENCH_FLOOR_PAGE and BENCH_QUERY_COUNT on (dualcare/bench.py),
     and a Celery worker (prefork, concurrency 2, as docker-compose.yml; no beat, so a delivery is
     the after-commit hand-over's, not a sweep's) on --redis.
  3. Signs each login in through the real sign-in form (and gets API tokens from
     /api/v1/auth/token/), then requests every page round-robin, each request of a page followed
     by one of the floor (/_bench/floor/: the base template, no data), --reps rounds after a warm-up
     round. Per page: p50, p95, p50 / floor p50, queries (the server's X-Query-Count), bytes.
  4. Alert latency: the pharmacist presses Missed (POST /contacts/<id>/record/, as the pharmacy
     page does) on unrecorded collections of their pharmacy, one at a time (--misses, each waited
     for) and then --burst back to back; latency is from the press to the last outbox row for that
     collection marked sent (the rows' sent_at, written by the worker).
  5. Sweeps, in this process on the copy: the outbox sweep (notifications_sweep: rows the hand-over
     missed) at the real clock, and the not-recorded scan as if run tomorrow at 10:00 (today's
     unrecorded collections become due), each against the minimal SQL that finds the same rows.
  6. Peak resident memory (VmHWM from /proc, sampled while running) of the gunicorn workers and
     the Celery worker children.
Every process it starts is stopped at the end, whatever happens.
"""

import argparse
import datetime as dt
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


ROLES = ("keyworker", "linkworker", "manager", "pharmacist", "serviceuser")
# The logins of `manage.py demo` (README) and of `manage.py demo --scale` (no link worker or
# service user login there: the link-worker pages are opened by the manager, the portal left out).
LOGIN_SETS = {
    "demo": dict(
        zip(ROLES, ("keyworker.mh", "linkworker.mh", "manager.mh", "pharmacist", "serviceuser"), strict=True)
    ),
    "trust": dict(zip(ROLES, ("keyworker.trust", "", "manager.trust", "pharmacist.trust", ""), strict=True)),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DB") or os.environ.get("DATABASE_URL"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--reps", type=int, default=15, help="timed rounds per page (after one warm-up)")
    parser.add_argument("--misses", type=int, default=10, help="single misses, each waited for")
    parser.add_argument("--burst", type=int, default=20, help="misses recorded back to back")
    parser.add_argument(
        "--logins",
        choices=["auto", *LOGIN_SETS],
        default="auto",
        help="the demo's logins, or those of manage.py demo --scale; auto: the latter if present",
    )
    for role in ROLES:
        parser.add_argument(f"--{role}", help=f"the {role} login (overrides --logins; '' for none)")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "dualcare-demo-2026"))
    parser.add_argument("--in-place", action="store_true", help="serve --db itself, not a copy")
    parser.add_argument("--skip", default="", help="comma-separated: pages, alerts, sweeps")
    parser.add_argument(
        "--only", default="", help="comma-separated words: only the pages whose label contains one of them"
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--timeout", type=int, default=180, help="gunicorn worker timeout, seconds")
    args = parser.parse_args(argv)
    if args.db and "://" not in args.db:  # a bare name: a database on the local server
        args.db = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    if not args.db or not args.db.startswith(("postgres://", "postgresql://")):
        parser.error("give --db (or BENCH_DB) as a PostgreSQL database name or postgres:// URL")
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    args.only = [part.strip().lower() for part in args.only.split(",") if part.strip()]
    return args


# ---------------------------------------------------------------------------
# Databases, processes, memory


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def copy_database(source_url: str, copy: str) -> None:
    """CREATE DATABASE copy TEMPLATE source; PostgreSQL refuses while anyone is connected to the
    source, so it is tried for a minute."""
    with psycopg.connect(with_database(source_url, "postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        for attempt in range(30):
            try:
                db.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{database_name(source_url)}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 29:
                    raise SystemExit(
                        f"{database_name(source_url)} is in use by another session, so it cannot be "
                        "copied; try again when it is idle, or pass --in-place on a database of your own."
                    ) from None
                time.sleep(2)


def drop_database(source_url: str, name: str) -> None:
    with psycopg.connect(with_database(source_url, "postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def peak_rss_kb(pid: int) -> int:
    """VmHWM: the most resident memory the process has had, in kB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples the peak RSS of a parent's children twice a second (children may be replaced)."""

    def __init__(self, parents: dict[str, int]):
        super().__init__(daemon=True)
        self.parents = parents
        self.peaks: dict[str, dict[int, int]] = {label: {} for label in parents}
        self.stopped = threading.Event()

    def sample(self) -> None:
        for label, parent in self.parents.items():
            for child in children_of(parent):
                kb = peak_rss_kb(child)
                self.peaks[label][child] = max(self.peaks[label].get(child, 0), kb)

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.sample()

    def stop(self) -> dict[str, int]:
        self.sample()
        self.stopped.set()
        return {label: max(peaks.values(), default=0) for label, peaks in self.peaks.items()}


class Processes:
    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, args, *, env, log: Path) -> subprocess.Popen:
        out = open(log, "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn and celery)
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        process._bench_log = out
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process._bench_log.close()
        self.started.clear()


def wait_for(check, *, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise SystemExit(f"{what} did not start within {seconds:.0f} s.\n{tail}")


# ---------------------------------------------------------------------------
# Signing in, requesting, measuring


class Login:
    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.username = username
        self.password = password
        self.session = requests.Session()
        self.token = None

    def sign_in(self) -> None:
        """Through the sign-in form, as a person does (CSRF token, password, redirect)."""
        page = self.session.get(f"{self.base}/accounts/login/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not token:
            raise SystemExit("The sign-in page has no CSRF token.")
        answer = self.session.post(
            f"{self.base}/accounts/login/",
            data={"username": self.username, "password": self.password, "csrfmiddlewaretoken": token[1]},
            headers={"Referer": f"{self.base}/accounts/login/"},
            allow_redirects=False,
            timeout=60,
        )
        if answer.status_code != 302 or "/accounts/" in answer.headers.get("Location", "/accounts/"):
            raise SystemExit(
                f"{self.username} could not sign in ({answer.status_code}): check the login and password."
            )

    def api_token(self) -> str:
        if self.token is None:
            answer = requests.post(
                f"{self.base}/api/v1/auth/token/",
                json={"username": self.username, "password": self.password},
                timeout=60,
            )
            if answer.status_code != 200:
                raise SystemExit(
                    f"{self.username} got no API token ({answer.status_code}): {answer.text[:200]}"
                )
            self.token = answer.json()["token"]
        return self.token

    def csrf(self) -> str:
        """A form token from the floor page's sign-out form (any page has one)."""
        page = self.session.get(f"{self.base}/_bench/floor/", timeout=60)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def _pack_pages(kw) -> list:
    """Leaflets and information packs (issue 18, item 6): an entry's leaflet, the packs' list and
    search, and the fullest pack's page and PDF (none if the trust has no packs: scale_add directory)."""
    from django.db.models import Count

    from directory.models import Service
    from directory.pack_models import InformationPack

    entry = Service.objects.order_by("name", "pk").values_list("pk", flat=True).first()
    pack = (
        InformationPack.objects.annotate(held=Count("items"))
        .order_by("-held", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    pages = [Page("directory leaflet PDF", kw, f"/directory/{entry}/leaflet/")] if entry else []
    if pack:
        pages += [
            Page("information packs", kw, "/directory/packs/"),
            Page("information packs searched", kw, "/directory/packs/?q=induction"),
            Page("information pack", kw, f"/directory/packs/{pack}/"),
            Page("information pack PDF", kw, f"/directory/packs/{pack}/pdf/"),
        ]
    return pages


class Page:
    def __init__(self, label: str, login: Login, path: str, *, api: bool = False):
        self.label, self.login, self.path, self.api = label, login, path, api
        self.times: list[float] = []
        self.queries: list[int] = []
        self.sizes: list[int] = []
        self.statuses: set[int] = set()

    def get(self, *, record: bool) -> None:
        headers = {"Authorization": f"Token {self.login.api_token()}"} if self.api else {}
        client = requests if self.api else self.login.session
        started = time.perf_counter()
        answer = client.get(
            f"{self.login.base}{self.path}", headers=headers, allow_redirects=False, timeout=600
        )
        elapsed = (time.perf_counter() - started) * 1000
        if record:
            self.times.append(elapsed)
            self.sizes.append(len(answer.content))
            self.statuses.add(answer.status_code)
            if "X-Query-Count" in answer.headers:
                self.queries.append(int(answer.headers["X-Query-Count"]))


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def span(values: list[int]) -> str:
    if not values:
        return "–"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def kilobytes(values: list[int]) -> str:
    return f"{statistics.median(values) / 1024:,.0f} KB" if values else "–"


# ---------------------------------------------------------------------------
# The data the pages are about (read from the copy with the ORM)


REQUIRED_LOGINS = ("keyworker", "manager", "pharmacist")


def chosen_logins(args) -> dict[str, str]:
    from dualcare.people.models import User

    chosen = args.logins
    if chosen == "auto":
        trust = User.objects.filter(username=LOGIN_SETS["trust"]["keyworker"]).exists()
        chosen = "trust" if trust else "demo"
    logins = dict(LOGIN_SETS[chosen])
    logins.update({role: getattr(args, role) for role in ROLES if getattr(args, role) is not None})
    return logins


def bench_targets(logins: dict[str, str]) -> dict:
    """Ids the pages need: a person on the key worker's caseload with a care plan, the manager's
    team and organisation."""
    from django.db.models import Q

    from careplans.models import CarePlan
    from dualcare.people.models import Involvement, StaffRole, User

    users = {role: User.objects.filter(username=name).first() for role, name in logins.items() if name}
    missing = [logins[role] for role in REQUIRED_LOGINS if users.get(role) is None]
    if missing:
        raise SystemExit(f"No such login in the database: {', '.join(missing)} (see --keyworker etc.).")
    for role in [role for role, user in users.items() if user is None]:
        print(
            f"No login {logins[role]!r} ({role}): its pages are left out or opened by another.",
            file=sys.stderr,
        )
        del users[role]
    today = dt.date.today()
    caseload = Involvement.objects.filter(key_worker=users["keyworker"], end__isnull=True)
    with_plan = caseload.filter(service_user__in=CarePlan.objects.values("service_user")).values_list(
        "service_user_id", flat=True
    )
    person = with_plan.first() or caseload.values_list("service_user_id", flat=True).first()
    in_force = Q(end__isnull=True) | Q(end__gte=today)
    manager_role = (
        StaffRole.objects.filter(in_force, user=users["manager"], role=StaffRole.Role.TEAM_MANAGER)
        .select_related("team")
        .first()
    )
    if person is None or manager_role is None:
        raise SystemExit("The key worker has no caseload, or the manager manages no team.")
    # The timeline's person: the longest history on the caseload (contacts are most of any history).
    from django.db.models import Count

    from dualcare.contacts.models import Contact

    def most_rows(model):
        # The person on the caseload with the most rows of the model, or None.
        return (
            model.objects.filter(service_user__in=caseload.values("service_user_id"))
            .values("service_user_id")
            .annotate(rows=Count("id"))
            .order_by("-rows")
            .first()
        )

    longest = most_rows(Contact)
    # Conversations (issue 16): the key worker's longest thread addressed to them, and the person on
    # their caseload with the most conversations (the record's list and the start page).
    from conversations.models import Conversation
    from conversations.selectors import addressed_to

    thread = (
        addressed_to(users["keyworker"])
        .annotate(rows=Count("messages"))
        .order_by("-rows", "-last_message_at")
        .values_list("pk", flat=True)
        .first()
    )
    talked_about = most_rows(Conversation)
    # Signposting (issue 18 item 4): a referral sent to one of the key worker's teams, to decline.
    from referrals.models import Referral

    to_decline = (
        Referral.objects.filter(
            state__in=("sent", "acknowledged"),
            to_team__in=StaffRole.objects.filter(in_force, user=users["keyworker"]).values("team_id"),
        )
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "to_decline": to_decline,
        "users": users,
        "person": person,
        "timeline_person": longest["service_user_id"] if longest else person,
        "thread": thread,
        "conversations_person": talked_about["service_user_id"] if talked_about else person,
        "team": manager_role.team_id,
        "organisation": manager_role.team.organisation_id,
        # The NDTMS TOP extract (issue 21): a drug and alcohol service the manager manages, if any.
        "ndtms_organisation": StaffRole.objects.filter(
            in_force,
            user=users["manager"],
            role__in=[StaffRole.Role.TEAM_MANAGER, StaffRole.Role.ORG_ADMIN],
            team__organisation__kind="substance_misuse",
        )
        .values_list("team__organisation_id", flat=True)
        .first(),
    }


def build_pages(signed_in: dict[str, Login], targets: dict) -> list[Page]:
    kw, mgr, ph = (signed_in[role] for role in REQUIRED_LOGINS)
    # Link meetings and the register are the link workers' and the managers' (access.py).
    lw, lw_label = (signed_in["linkworker"], "") if "linkworker" in signed_in else (mgr, " (manager)")
    su = signed_in.get("serviceuser")
    person, team, org = targets["person"], targets["team"], targets["organisation"]
    story = targets["timeline_person"]
    today = dt.date.today().isoformat()
    portal = [
        Page("service user: my page", su, "/my/"),
        Page("service user: my care plan", su, "/my/care-plan/"),
        Page("service user: my goals", su, "/my/care-plan/goals/"),  # issue 20
        Page("service user: what I wrote for my plan", su, "/my/care-plan/your-words/"),
        Page("service user: my appointments", su, "/contacts/mine/"),
        Page("service user: messages", su, "/messages/"),
    ]
    # The NDTMS TOP extract: last year's report and file (the manager must manage a drug and alcohol
    # service: the trust's manager.trust manages a mental health trust, so give them a role there).
    ndtms_org, year = targets["ndtms_organisation"], dt.date.today().year - 1
    ndtms_range = f"start_day=1&start_month=1&start_year={year}&end_day=31&end_month=12&end_year={year}"
    ndtms = (
        [
            Page("NDTMS extract report (a year)", mgr, f"/outcomes/ndtms/{ndtms_org}/?{ndtms_range}"),
            Page("NDTMS extract file (a year)", mgr, f"/outcomes/ndtms/{ndtms_org}/top.csv?{ndtms_range}"),
        ]
        if ndtms_org
        else []
    )
    talked = targets["conversations_person"]
    conversations = [
        Page("conversations inbox (addressed to me)", kw, "/conversations/"),
        Page("conversations inbox, page 2", kw, "/conversations/?page=2"),
        Page("conversations inbox searched (collections)", kw, "/conversations/?q=collections"),
        Page("conversations inbox (manager: the team's)", mgr, "/conversations/"),
        *([Page("conversation thread (longest)", kw, f"/conversations/{targets['thread']}/")]
          if targets["thread"] else []),
        Page("conversations of a person (record)", kw, f"/conversations/people/{talked}/"),
        Page("conversation start page", kw, f"/conversations/people/{talked}/new/"),
        Page("API conversations addressed to me", kw, "/api/v1/conversations/?addressed=me", api=True),
        Page("API conversations of a person", kw, f"/api/v1/conversations/?service_user={talked}", api=True),
    ]  # fmt: skip
    return [
        Page("key worker caseload", kw, "/caseload/"),
        Page("key worker caseload, mine", kw, "/caseload/?mine=1"),
        Page("person record (on the caseload)", kw, f"/people/{person}/"),
        Page("care plan", kw, f"/care-plans/people/{person}/"),
        Page("care plan: in their words", kw, f"/care-plans/people/{person}/their-words/"),  # issue 20
        Page("DIALOG+", kw, f"/outcomes/people/{person}/dialog-plus/"),
        Page("carers of a person", kw, f"/carers/people/{person}/"),
        Page("carer record form", kw, f"/carers/people/{person}/new/"),
        Page("do not contact (reminders)", kw, f"/contacts/people/{person}/do-not-contact/"),
        Page("timeline (the caseload's longest history)", kw, f"/people/{story}/timeline/"),
        Page("timeline, page 20", kw, f"/people/{story}/timeline/?page=20"),
        Page("timeline searched (missed)", kw, f"/people/{story}/timeline/?q=missed"),
        Page("API timeline", kw, f"/api/v1/service-users/{story}/timeline/", api=True),
        Page("appointments", kw, "/contacts/"),
        Page("not seen lately (disengaged)", kw, "/contacts/disengaged/"),
        Page("alerts", kw, "/alerts/"),
        Page("referrals in", kw, "/referrals/"),
        Page("referrals sent", kw, "/referrals/sent/"),
        Page(f"link meetings{lw_label}", lw, "/link-workers/meetings/"),
        Page(f"link-worker coverage{lw_label}", lw, "/link-workers/"),
        Page("manager caseload + organisation people", mgr, "/caseload/"),
        Page("organisation people, page 2", mgr, "/caseload/?page=2"),
        Page("dashboards index", mgr, "/dashboards/"),
        Page("team dashboard", mgr, f"/dashboards/teams/{team}/"),
        Page("organisation dashboard", mgr, f"/dashboards/organisations/{org}/"),
        Page("locality dashboard", mgr, "/dashboards/locality/"),
        Page("team dashboard CSV", mgr, f"/dashboards/teams/{team}/dashboard.csv"),
        Page("organisation dashboard CSV", mgr, f"/dashboards/organisations/{org}/dashboard.csv"),
        Page("API team dashboard", mgr, f"/api/v1/dashboards/teams/{team}/", api=True),
        Page("API organisation dashboard", mgr, f"/api/v1/dashboards/organisations/{org}/", api=True),
        Page("API locality dashboard", mgr, "/api/v1/dashboards/locality/", api=True),
        Page("pharmacy today", ph, "/contacts/pharmacy/"),
        Page("pharmacy people", ph, "/pharmacy/people/"),
        *(portal if su else []),
        Page("API contacts today", kw, f"/api/v1/contacts/?date={today}", api=True),
        Page(
            "API collections today (pharmacy)",
            ph,
            f"/api/v1/contacts/?date={today}&kind=collection",
            api=True,
        ),
        Page("API referrals", kw, "/api/v1/referrals/", api=True),
        Page("API service users", kw, "/api/v1/service-users/", api=True),
        Page("API care plans", kw, "/api/v1/care-plans/", api=True),
        Page("API alerts", kw, "/api/v1/alerts/", api=True),
        # FHIR R4 (issue 21): what an integrating system reads, with the key worker's token.
        Page("FHIR Patient search", kw, "/fhir/Patient?_count=100", api=True),
        Page("FHIR Patient search by birthdate", kw, "/fhir/Patient?birthdate=ge1980-01-01", api=True),
        Page("FHIR CarePlan search", kw, "/fhir/CarePlan?_count=100", api=True),
        Page("FHIR CarePlan search, _include", kw, "/fhir/CarePlan?_include=CarePlan:patient", api=True),
        Page("FHIR CarePlan of the person", kw, f"/fhir/CarePlan?patient=Patient/{person}", api=True),
        Page("FHIR $everything (the longest history)", kw, f"/fhir/Patient/{story}/$everything", api=True),
        Page("FHIR QuestionnaireResponse search", kw, "/fhir/QuestionnaireResponse?_count=100", api=True),
        *ndtms,
        # Service directory (issue 18): the search, unfiltered and by need, place, age and open now.
        Page("directory search", kw, "/directory/"),
        Page("directory search filtered", kw, "/directory/?place=NT2&age=30&open_now=on&q=housing"),
        Page("directory search, page 40", kw, "/directory/?page=40"),
        Page(
            "API directory services", kw, "/api/v1/directory/services/?postcode=NT3&minimum_age=30", api=True
        ),
        *_pack_pages(kw),
        # Signposting (issue 18 item 4): the decline page searching the directory, the follow-ups,
        # a person's signposting, the person's own page and the API list.
        *(
            [Page("signposting: decline page", kw, f"/referrals/{targets['to_decline']}/decline/?q=housing")]
            if targets.get("to_decline")
            else []
        ),
        Page("signposting: follow-ups", kw, "/directory/signposts/"),
        Page("signposting: of a person", kw, f"/directory/signposts/person/{person}/"),
        *([Page("signposting: where you were pointed", su, "/directory/near-you/pointed/")] if su else []),
        Page("API signposts", kw, "/api/v1/signposts/", api=True),
        *conversations,
        # Risk and safety flags (issue 19): the record and pharmacy pages above show the flags.
        Page("risk history", kw, f"/safety/people/{person}/risk/"),
        Page("risk history, page 2", kw, f"/safety/people/{person}/risk/?page=2"),
        Page("safety flags", kw, f"/safety/people/{person}/flags/"),
        Page("API risk assessments", kw, f"/api/v1/risk-assessments/?service_user={person}", api=True),
        Page("API safety flags", kw, "/api/v1/safety-flags/", api=True),
        # Issue 19: incidents and the Shared Care meeting pack.
        Page("incidents list", kw, "/incidents/"),
        Page("incidents list, manager", mgr, "/incidents/"),
        Page("incidents searched (near miss)", mgr, "/incidents/?q=near+miss"),
        Page("API incidents", kw, "/api/v1/incidents/", api=True),
        Page("meeting pack (last quarter)", mgr, "/dashboards/locality/meeting-pack/"),
        # Issue 19: an organisation's agreed measures, and the incidents' section with its monthly series.
        Page("agreed measures", mgr, f"/dashboards/organisations/{org}/agreed-measures/"),
        Page("team dashboard, incidents section", mgr, f"/dashboards/teams/{team}/?section=incidents"),
        Page(
            "organisation dashboard, incidents section",
            mgr,
            f"/dashboards/organisations/{org}/?section=incidents",
        ),
    ]


def measure_pages(pages: list[Page], floor: Page, reps: int) -> None:
    for page in pages:  # warm-up: every page once per worker
        for _ in range(2):
            page.get(record=False)
            floor.get(record=False)
    for round_number in range(reps):
        for page in pages:
            floor.get(record=True)
            page.get(record=True)
        print(f"  round {round_number + 1}/{reps} done", file=sys.stderr, flush=True)


def pages_table(pages: list[Page], floor: Page) -> list[str]:
    floor_p50 = statistics.median(floor.times)
    lines = [
        "| page | p50 ms | p95 ms | p50 / floor | queries | HTML | status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for page in [floor, *pages]:
        p50 = statistics.median(page.times)
        statuses = ",".join(map(str, sorted(page.statuses)))
        lines.append(
            f"| {page.label} | {p50:,.0f} | {percentile(page.times, 0.95):,.0f} | {p50 / floor_p50:,.1f}× "
            f"| {span(page.queries)} | {kilobytes(page.sizes)} | {statuses} |"
        )
    return lines


# ---------------------------------------------------------------------------
# Alert latency: the Missed button to every outbox row sent


def unrecorded_collections(pharmacist, count: int) -> list:
    from dualcare.access import teams_of
    from dualcare.contacts.models import Contact, Kind
    from dualcare.people.models import StaffRole

    today = dt.date.today()
    teams = teams_of(pharmacist, roles={StaffRole.Role.PHARMACIST}).values("pk")
    return list(
        Contact.objects.filter(kind=Kind.COLLECTION, outcome="", team__in=teams, due_on__lte=today)
        .order_by("-due_on", "pk")
        .values_list("pk", flat=True)[:count]
    )


def press_missed(login: Login, contact_id, csrf: str) -> float:
    started = time.time()
    answer = login.session.post(
        f"{login.base}/contacts/{contact_id}/record/",
        data={"outcome": "missed", "return_to": "pharmacy", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{login.base}/contacts/pharmacy/"},
        allow_redirects=False,
        timeout=120,
    )
    if answer.status_code != 302:
        raise SystemExit(f"Missed on {contact_id} answered {answer.status_code}: {answer.text[:300]}")
    return started


def delivered_after(contact_id, started: float, *, wait: float = 120) -> tuple[float | None, int, int]:
    """Seconds from the press to the last outbox row about this collection sent, once none is
    waiting; (None, rows, undelivered) if some are still waiting after `wait` seconds."""
    from django.db import close_old_connections

    from dualcare.notifications.models import Notification

    deadline = time.time() + wait
    while True:
        close_old_connections()
        rows = list(Notification.objects.filter(related_id=str(contact_id)).values_list("state", "sent_at"))
        waiting = [state for state, _ in rows if state in ("pending", "sending")]
        if rows and not waiting:
            sent = [at.timestamp() for state, at in rows if state == "sent" and at]
            undelivered = len(rows) - len(sent)
            return (max(sent) - started if sent else None), len(rows), undelivered
        if time.time() > deadline:
            return None, len(rows), len(waiting)
        time.sleep(0.05)


def measure_alerts(pharmacist: Login, user, singles: int, burst: int) -> list[str]:
    wanted = singles + burst
    contacts = unrecorded_collections(user, wanted)
    lines = []
    if len(contacts) < wanted:
        lines.append(
            f"Only {len(contacts)} unrecorded collections at {pharmacist.username}'s pharmacy "
            f"(wanted {wanted}): fewer misses measured."
        )
    singles = min(singles, len(contacts))
    burst = min(burst, len(contacts) - singles)
    csrf = pharmacist.csrf()
    single_times, rows_total, undelivered = [], 0, 0
    for contact_id in contacts[:singles]:
        latency, rows, missing = delivered_after(contact_id, press_missed(pharmacist, contact_id, csrf))
        rows_total, undelivered = rows_total + rows, undelivered + missing
        if latency is not None:
            single_times.append(latency)
    pressed = [
        (contact_id, press_missed(pharmacist, contact_id, csrf)) for contact_id in contacts[singles:][:burst]
    ]
    burst_press_seconds = time.time() - pressed[0][1] if pressed else 0
    burst_times, burst_rows = [], 0
    for contact_id, started in pressed:
        latency, rows, missing = delivered_after(contact_id, started)
        burst_rows, undelivered = burst_rows + rows, undelivered + missing
        if latency is not None:
            burst_times.append(latency)
    lines += [
        "| alert latency (press to every row sent) | misses | outbox rows | p50 s | p95 s | max s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, times, count, rows in (
        ("single misses, one at a time", single_times, singles, rows_total),
        ("burst, back to back", burst_times, burst, burst_rows),
    ):
        if times:
            lines.append(
                f"| {label} | {count} | {rows} | {statistics.median(times):.2f} | "
                f"{percentile(times, 0.95):.2f} | {max(times):.2f} |"
            )
        else:
            lines.append(f"| {label} | {count} | {rows} | – | – | – |")
    lines.append("")
    lines.append(
        f"Burst: {burst} presses took {burst_press_seconds:.1f} s to record; outbox rows not sent "
        f"(failed, unknown or still waiting after 120 s): {undelivered}."
    )
    return lines


# ---------------------------------------------------------------------------
# Sweeps against the minimal SQL that finds their rows


def duration(seconds: float) -> str:
    return f"{seconds:,.0f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def raw_seconds(sql: str, params: dict, runs: int = 5) -> tuple[float, int]:
    """Median seconds of `runs` executions of `sql` (after one to warm the cache), and its rows."""
    from django.db import connection

    times, count = [], 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            count = len(cursor.fetchall())
            times.append(time.perf_counter() - started)
    return statistics.median(times), count


def measure_sweeps() -> list[str]:
    from django.db import connection
    from django.utils import timezone

    from dualcare.contacts import services as contacts
    from dualcare.contacts.models import Contact
    from dualcare.notifications.models import Notification

    contact_table = connection.ops.quote_name(Contact._meta.db_table)
    lines = [
        "| sweep | rows the raw SQL finds | raw SQL ms | sweep s | sweep / raw SQL | handled "
        "| outbox rows written |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]

    limit = 500
    lines.append(outbox_sweep_row("outbox sweep, real clock", timezone.now(), limit))

    # The not-recorded scan as if run tomorrow at 10:00 local time: every collection due today
    # that is still unrecorded is then due (as are those of the six days before it).
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10)))
    oldest = tomorrow - dt.timedelta(days=contacts.NOT_RECORDED_LOOKBACK_DAYS)
    scan_sql = f"""
        SELECT id FROM {contact_table}
        WHERE kind = 'collection' AND outcome = '' AND not_recorded_checked_at IS NULL
          AND due_on >= %(oldest)s AND due_on < %(today)s"""  # noqa: S608
    scan_params = {"oldest": oldest, "today": tomorrow}
    raw_all, waiting = raw_seconds(scan_sql, scan_params)
    raw_batch, batch = raw_seconds(f"{scan_sql} ORDER BY due_on LIMIT {limit}", scan_params)
    before = Notification.objects.count()
    seconds, raised = timed(lambda: contacts.collections_not_recorded_scan(now=at))
    written = Notification.objects.count() - before
    lines.append(
        f"| not-recorded scan, one run (≤ {limit}), as at {at:%a %H:%M} | {batch:,} "
        f"| {raw_batch * 1000:,.1f} | "
        f"{seconds:,.2f} | {seconds / raw_batch:,.0f}× | {raised:,} | {written:,} |"
    )
    lines.append("")
    if raised:
        per = seconds / raised
        runs = math.ceil(waiting / limit)
        lines.append(
            f"Not-recorded: {waiting:,} collections waiting in all (raw SQL {raw_all * 1000:,.1f} ms); "
            f"{per * 1000:,.0f} ms and {written / raised:,.1f} outbox rows per collection, so the whole "
            f"morning takes about {duration(waiting * per)} in {runs} run(s) of ≤ {limit}, one run "
            "each 5 minutes by beat (each run must finish within its 5-minute interval)."
        )
    else:
        lines.append(f"Not-recorded: {waiting:,} collections waiting; the scan raised no alert.")
    # With no worker running, the scan's rows are all still pending: what the sweep finds after a
    # broker or worker outage. Its clock is a minute on, past the grace it gives the hand-over.
    lines.insert(
        -2,
        outbox_sweep_row(
            "outbox sweep, a minute after the scan (no worker)",
            timezone.now() + dt.timedelta(minutes=1),
            limit,
        ),
    )
    return lines


def outbox_sweep_row(label: str, now: dt.datetime, limit: int) -> str:
    """notifications_sweep at `now` against the SQL that finds its rows: pending past the grace,
    failed and due a retry, stuck sending or unknown past the resend wait."""
    from django.db import connection

    from dualcare.notifications import services as notifications
    from dualcare.notifications.models import Notification

    outbox = connection.ops.quote_name(Notification._meta.db_table)
    # The table name comes from the model; every value is a parameter.
    sweep_sql = f"""
        (SELECT id FROM {outbox} WHERE state = 'pending' AND created_at < %(grace)s
         ORDER BY created_at LIMIT %(limit)s)
        UNION ALL
        (SELECT id FROM {outbox} WHERE state = 'failed' AND retry_at <= %(now)s
         ORDER BY created_at LIMIT %(limit)s)
        UNION ALL
        (SELECT id FROM {outbox} WHERE state IN ('sending', 'unknown') AND sending_at < %(cutoff)s
         AND resent_at IS NULL ORDER BY created_at LIMIT %(limit)s)"""  # noqa: S608
    params = {
        "grace": now - notifications.SWEEP_GRACE,
        "now": now,
        "cutoff": now - notifications._resend_after(),
        "limit": limit,
    }
    raw, found = raw_seconds(sweep_sql, params)
    before = Notification.objects.count()
    seconds, handled = timed(lambda: notifications.notifications_sweep(now=now))
    return (
        f"| {label} | {found:,} | {raw * 1000:,.1f} | {seconds:,.2f} | {seconds / raw:,.0f}× "
        f"| {handled:,} | {Notification.objects.count() - before:,} |"
    )


# ---------------------------------------------------------------------------


def scale_line() -> str:
    from django.db import connection

    counts = []
    with connection.cursor() as cursor:
        for label, model in (
            ("people", "people.ServiceUser"),
            ("staff roles", "people.StaffRole"),
            ("involvements", "people.Involvement"),
            ("contacts", "contacts.Contact"),
            ("outbox rows", "notifications.Notification"),
        ):
            from django.apps import apps

            table = apps.get_model(model)._meta.db_table
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            estimate = cursor.fetchone()[0]
            if estimate is None or estimate < 100_000:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                estimate = cursor.fetchone()[0]
            counts.append(f"{estimate:,} {label}")
    return ", ".join(counts)


def emit(*lines: str) -> None:
    """Print as each part is done, so a later failure loses nothing measured."""
    print("\n".join(lines), flush=True)


def git_description() -> str:
    def git(*words: str) -> str:
        return subprocess.run(  # noqa: S603 (fixed arguments)
            ["git", *words],  # noqa: S607 (git from the PATH, as make does)
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()

    try:
        dirty = " (uncommitted changes)" if git("status", "--porcelain") else ""
        return f"{git('rev-parse', '--abbrev-ref', 'HEAD')} {git('rev-parse', '--short', 'HEAD')}{dirty}"
    except OSError:
        return "unknown"


def main(argv=None) -> None:
    args = parse_args(argv)
    source = database_name(args.db)
    name = source if args.in_place else f"{source}_bench"
    db_url = with_database(args.db, name)
    work = Path(tempfile.mkdtemp(prefix="dualcare-bench-"))
    processes = Processes()
    watch = None
    load_before = os.getloadavg()
    started_at = dt.datetime.now(dt.UTC)
    try:
        if not args.in_place:
            print(f"Copying {source} to {name} ...", file=sys.stderr, flush=True)
            copy_seconds, _ = timed(lambda: copy_database(args.db, name))
            print(f"  copied in {copy_seconds:.0f} s", file=sys.stderr, flush=True)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))},
            "DEBUG": "0",
            "HTTPS": "0",
            "REQUIRE_STAFF_2FA": "0",
            "DEMO_HISTORY": "0",
            "STATIC_COMPRESS": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": db_url,
            "REDIS_URL": args.redis,
            "DUALCARE_VAR_DIR": str(work / "var"),
            "BENCH_FLOOR_PAGE": "1",
            "BENCH_QUERY_COUNT": "1",
            "DJANGO_SETTINGS_MODULE": "dualcare.settings",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        }
        os.environ.clear()
        os.environ.update(env)
        os.environ["EMAIL_URL"] = "locmem://"  # what this process's sweeps send is not printed
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        from dualcare.celery import app as celery_app

        celery_app.control.purge()  # messages left in this Redis database by an earlier run

        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        web_log, worker_log = work / "web.log", work / "worker.log"
        web = processes.start(
            [
                str(BIN / "gunicorn"),
                "dualcare.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                str(args.timeout),
                "--control-socket",
                str(work / "gunicorn.ctl"),
            ],
            env=env,
            log=web_log,
        )

        def web_up() -> bool:
            if web.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{web_log.read_text(errors='replace')[-3000:]}")
            try:
                return requests.get(f"{base}/accounts/login/", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        worker = processes.start(
            [
                str(BIN / "celery"),
                "-A",
                "dualcare",
                "worker",
                "-l",
                "info",
                "--concurrency",
                "2",
                "--hostname",
                f"bench-{os.getpid()}@%h",
            ],
            env=env,
            log=worker_log,
        )
        wait_for(web_up, seconds=120, what="gunicorn", log=web_log)
        wait_for(
            lambda: "ready." in worker_log.read_text(errors="replace"),
            seconds=120,
            what="the Celery worker",
            log=worker_log,
        )
        watch = MemoryWatch({"web": web.pid, "worker": worker.pid})
        watch.start()

        logins = chosen_logins(args)
        targets = bench_targets(logins)
        signed_in = {role: Login(base, logins[role], args.password) for role in targets["users"]}
        for login in signed_in.values():
            login.sign_in()

        emit(
            f"## Trust bench: {source}, {started_at:%Y-%m-%d %H:%M} UTC",
            "",
            f"Data: {scale_line()}. Code: {git_description()}. Machine: {os.cpu_count()} cores, "
            f"load average {load_before[0]:.1f} at the start. gunicorn 2 sync workers, DEBUG off, "
            f"PostgreSQL; Celery worker prefork ×2 on Redis. {args.reps} rounds after a warm-up, each "
            "request of a page followed by one of the floor (/_bench/floor/, the base template).",
            "",
        )
        if "pages" not in args.skip:
            floor = Page("floor (base template)", signed_in["keyworker"], "/_bench/floor/")
            pages = build_pages(signed_in, targets)
            if args.only:
                pages = [page for page in pages if any(word in page.label.lower() for word in args.only)]
                if not pages:
                    raise SystemExit(f"--only names no page: {', '.join(args.only)}")
            measure_pages(pages, floor, args.reps)
            emit(*pages_table(pages, floor), "")
        if "alerts" not in args.skip:
            pharmacist = targets["users"]["pharmacist"]
            emit(*measure_alerts(signed_in["pharmacist"], pharmacist, args.misses, args.burst), "")
        if "sweeps" not in args.skip:
            # The sweeps run here with no worker: the scan's outbox rows stay for the outbox sweep.
            watch.sample()
            processes.stop(worker)
            emit(*measure_sweeps(), "")
        peaks = watch.stop()
        watch = None
        load_after = os.getloadavg()
        minutes = (dt.datetime.now(dt.UTC) - started_at).total_seconds() / 60
        emit(
            f"Peak resident memory (VmHWM): gunicorn worker {peaks['web'] / 1024:,.0f} MB, "
            f"Celery worker child {peaks['worker'] / 1024:,.0f} MB. Load average at the end "
            f"{load_after[0]:.1f}; the run took {minutes:.1f} min.",
        )
    finally:
        if watch is not None:
            watch.stop()
        processes.stop_all()
        try:
            from django.db import connections

            from dualcare.celery import app as celery_app

            celery_app.control.purge()  # what no worker took (the sweeps run without one)
            connections.close_all()
        except Exception as exc:  # Django may not have been set up
            print(f"(closing connections: {type(exc).__name__})", file=sys.stderr)
        if not args.in_place:
            drop_database(args.db, name)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
