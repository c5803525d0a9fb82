"""The trust-scale demo (``manage.py demo --scale trust``, or a fraction such as ``--scale 1/25``):
a synthetic NHS trust, for measuring DualCare at the size of one (issue 15).

This only orchestrates: each app writes its own rows in bulk (``scale.py`` in dualcare/people,
dualcare/contacts, referrals, careplans, outcomes and cohorts), from the people made first, then
the object permissions are granted in one statement by the rule permissions_sync applies
(``access.permissions_grant_all``). One clock (``today`` and ``now``, taken once), one seed, one
transaction: a run that fails leaves nothing behind. It goes into an empty database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from importlib import import_module

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from careplans.models import Agreement, CarePlan, PlanEntry, PlanVersion
from careplans.scale import careplans_scale_create
from cohorts.models import QuadrantAssessment
from cohorts.scale import cohorts_scale_create
from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.bulk import indexes_set_aside
from dualcare.contacts.models import Contact, ContactOutcomeEvent, SupervisedConsumption
from dualcare.contacts.scale import contacts_scale_create
from dualcare.exceptions import ApplicationError
from dualcare.people import models as people_models
from dualcare.people.models import Organisation, ServiceUser
from dualcare.people.scale import Trust, people_scale_create, trust_from_database
from outcomes.models import HonosRating, TopForm
from outcomes.scale import outcomes_scale_create
from referrals.models import Referral, ReferralEvent
from referrals.scale import referrals_scale_create

# Every table the generator writes: their secondary indexes and constraints are set aside while
# it writes (on PostgreSQL) and put back, and checked, at the end.
WRITTEN = [
    people_models.Organisation, people_models.Team, people_models.User, people_models.StaffRole,
    people_models.ServiceUser, people_models.Involvement, people_models.Consent,
    people_models.ServiceUserUserObjectPermission,
    SupervisedConsumption, Contact, ContactOutcomeEvent, Referral, ReferralEvent,
    CarePlan, PlanEntry, PlanVersion, Agreement, HonosRating, TopForm, QuadrantAssessment,
]  # fmt: skip


def parse_scale(value: str) -> Fraction:
    """ "trust" (or "1") is the whole trust; "1/N" a fraction of it, N a whole number from 1."""
    text = (value or "").strip().lower()
    if text in ("trust", "1", "1/1"):
        return Fraction(1)
    numerator, _, denominator = text.partition("/")
    if numerator == "1" and denominator.isdigit() and int(denominator) >= 1:
        return Fraction(1, int(denominator))
    raise ApplicationError(
        f"Give the scale as 'trust' or a fraction 1/N, such as 1/25 (not {value!r}).", field="scale"
    )


@transaction.atomic
def trust_scale_build(*, scale: Fraction, seed: int, password: str, say: Callable[[str], None]) -> dict:
    """Generate the trust at this scale into an empty database; returns what it wrote."""
    if Organisation.objects.exists() or ServiceUser.objects.exists():
        raise ApplicationError(
            "The trust-scale data goes into an empty database, and this one already has "
            "organisations or people: create a new database, migrate it and run this again."
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Check each foreign key as its row is written, not all of them at commit (a queue of
            # millions of deferred checks).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    now = timezone.now()
    today = timezone.localdate(now)
    value = float(scale)
    made: dict[str, int] = {}
    started = time.monotonic()

    def stage(name: str, work: Callable[[], dict]):
        began = time.monotonic()
        counts = work()
        made.update(counts)
        figures = ", ".join(f"{count:,} {what}" for what, count in counts.items())
        say(f"{name}: {figures} ({time.monotonic() - began:.1f} s)")

    trust = None

    def people() -> dict:
        nonlocal trust
        trust = people_scale_create(seed=seed, scale=value, today=today, now=now, password=password)
        return trust.counts

    with indexes_set_aside(*WRITTEN):
        stage("people", people)
        stage("contacts", lambda: contacts_scale_create(trust))
        stage("referrals", lambda: referrals_scale_create(trust))
        stage("care plans", lambda: careplans_scale_create(trust))
        stage("outcomes", lambda: outcomes_scale_create(trust))
        stage("quadrants", lambda: cohorts_scale_create(trust))
        for label, add in scale_additions().items():
            stage(label, lambda add=add: add(trust))
        stage("statistics", lambda: _analyse(WRITTEN))
        stage("permissions", lambda: {"object permissions": access.permissions_grant_all()})
        began = time.monotonic()
    if connection.vendor == "postgresql":
        say(f"indexes and constraints put back and checked ({time.monotonic() - began:.1f} s)")
    audit_record(
        actor=None,
        action="demo.scale",
        detail={"scale": str(scale), "seed": seed, **{k.replace(" ", "_"): v for k, v in made.items()}},
    )
    made["seconds"] = round(time.monotonic() - started)
    say(f"written in {made['seconds']} s; committing")
    return {"counts": made, "logins": trust.logins}


def scale_additions() -> dict[str, Callable[[Trust], dict[str, int]]]:
    """The apps whose trust-scale rows build on the people and can also come after a trust was
    generated (``manage.py scale_add``): each installed app whose ``scale.py`` has
    ``scale_add(trust) -> dict[str, int]`` (what it wrote, by name), by app label. They write in
    the order the apps are installed."""
    found = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.scale")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.scale":
                raise
            continue
        if callable(getattr(module, "scale_add", None)):
            found[config.label] = module.scale_add
    return found


@transaction.atomic
def trust_scale_add(label: str, say: Callable[[str], None]) -> dict:
    """Add one app's trust-scale rows to a trust generated before the app had them, with the
    generated trust's own scale and seed (from its ``demo.scale`` audit row) and today's clock."""
    from dualcare.audit.models import AuditEvent

    additions = scale_additions()
    if label not in additions:
        names = ", ".join(sorted(additions)) or "none"
        raise ApplicationError(
            f"No app {label!r} adds trust-scale rows (those that do: {names}).", field="app"
        )
    generated = (
        AuditEvent.objects.filter(action="demo.scale")
        .order_by("-at")
        .values_list("detail", flat=True)
        .first()
    )
    if generated is None:
        raise ApplicationError(
            "This database holds no generated trust: run `manage.py demo --scale trust` (or 1/N) first."
        )
    now = timezone.now()
    trust = trust_from_database(
        seed=int(generated["seed"]),
        scale=float(Fraction(generated["scale"])),
        today=timezone.localdate(now),
        now=now,
    )
    began = time.monotonic()
    counts = additions[label](trust)
    # The planner's statistics for the new rows (an app's fresh tables otherwise look empty to it).
    _analyse(
        list(apps.get_app_config(label).get_models())
        if label in {c.label for c in apps.get_app_configs()}
        else []
    )
    say(
        ", ".join(f"{count:,} {what}" for what, count in counts.items())
        + f" ({time.monotonic() - began:.1f} s)"
    )
    audit_record(
        actor=None,
        action="demo.scale_add",
        detail={"app": label, **{k.replace(" ", "_"): v for k, v in counts.items()}},
    )
    return counts


def _analyse(tables) -> dict:
    """Give PostgreSQL's planner the new tables' statistics before it plans the grants' joins
    (without them it takes the fresh tables for nearly empty and loops)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return {"tables analysed": len(tables)}
