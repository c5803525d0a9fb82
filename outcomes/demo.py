"""Demo outcome measures: baseline and review HoNOS, TOP and DIALOG for most demo people, some
with a reliable improvement, some reviews or baselines left overdue, and satisfaction answers
over several months. Written through the services, as staff would; each person's forms come
from a random generator seeded by their name, so every run makes the same. Idempotent: a form
already there (same person, organisation, stage and date) is not made again.
"""

from __future__ import annotations

import datetime as dt
import random

from dualcare.people.models import Involvement, Organisation

from . import services
from .models import DialogRating, HonosRating, SatisfactionResponse, TopForm
from .schedules import add_months

# Names of demo people whose measures are left undone, so the due lists show overdue work.
NO_BASELINE = {"Hannah Placeley", "Jade Demoway", "Ellis Testbridge"}
NO_REVIEW = {"Imogen Placeworth", "Carl Placeby", "Paul Testwick", "Graham Fictionby"}
COMMENTS = [
    "My worker and the drug service finally talk to each other.",
    "I had to tell my story again to the new team.",
    "The joint meeting helped. Everyone heard the same thing.",
    "Nobody called me back after my appointment was cancelled.",
    "The pharmacist noticed when I missed and rang my key worker. That helped.",
    "",
    "",
]
FFT_WEIGHTS = [("very_good", 5), ("good", 6), ("neither", 2), ("poor", 2), ("very_poor", 1), ("dont_know", 1)]


def _honos_items(rng: random.Random, severity: int) -> list[int]:
    items = [max(0, min(4, round(rng.gauss(severity, 0.9)))) for _ in range(12)]
    if rng.random() < 0.3:
        items[rng.randrange(12)] = 9
    return items


def _item8_type(items, rng):
    if 1 <= items[7] <= 4:
        kind = rng.choice("ABDH")
        return {"item8_type": kind}
    return {}


def _rater(involvement):
    return involvement.key_worker


def _honos(demo, involvement, rng):
    person, org = involvement.service_user, involvement.team.organisation
    by = _rater(involvement)
    if by is None or f"{person.given_name} {person.family_name}" in NO_BASELINE:
        return
    start = involvement.start
    baseline_severity = rng.choice([1.2, 1.6, 2.0, 2.4])
    improves = rng.random() < 0.55
    dates = [("assessment", start)]
    review = add_months(start, 6)
    while review <= demo.today:
        dates.append(("review", review))
        review = add_months(review, 6)
    if f"{person.given_name} {person.family_name}" in NO_REVIEW:
        dates = dates[:1]
    for index, (stage, day) in enumerate(dates):
        if HonosRating.objects.filter(
            service_user=person, organisation=org, rated_on=day, stage=stage
        ).exists():
            continue
        severity = baseline_severity - (0.45 * index if improves else -0.1 * index)
        items = _honos_items(rng, max(0.2, severity))
        services.honos_record(
            service_user=person, by=by, rated_on=day, stage=stage, items=items, **_item8_type(items, rng)
        )
        demo.created["HoNOS ratings"] += 1
        if index == 0 and not DialogRating.objects.filter(service_user=person, rated_on=day).exists():
            dialog_items = [max(1, min(7, round(rng.gauss(3.2, 1.1)))) for _ in range(11)]
            services.dialog_record(service_user=person, by=by, rated_on=day, items=dialog_items)
            demo.created["DIALOG ratings"] += 1


def _top(demo, involvement, rng):
    person, org = involvement.service_user, involvement.team.organisation
    by = _rater(involvement)
    name = f"{person.given_name} {person.family_name}"
    if by is None or name in NO_BASELINE:
        return
    dates = [("start", involvement.start)]
    review = add_months(involvement.start, 6)
    while review <= demo.today:
        dates.append(("review", review))
        review = add_months(review, 6)
    if name in NO_REVIEW:
        dates = dates[:1]
    drinks = rng.random() < 0.6
    opiates = not drinks or rng.random() < 0.3
    improves = rng.random() < 0.6
    for index, (stage, day) in enumerate(dates):
        if TopForm.objects.filter(
            service_user=person, organisation=org, completed_on=day, stage=stage
        ).exists():
            continue
        factor = max(0.1, 1 - 0.4 * index) if improves else 1.0
        alcohol_days = round(rng.randint(14, 28) * factor) if drinks else 0
        opiate_days = round(rng.randint(10, 28) * factor) if opiates else 0
        injecting = round(opiate_days * rng.choice([0, 0, 0.5])) if opiates else 0
        answers = {
            "alcohol_days": alcohol_days,
            "alcohol_units_per_day": rng.choice([8, 12, 16, 20]) if alcohol_days else None,
            "opiates_days": opiate_days,
            "opiates_grams_per_day": rng.choice([0.25, 0.5, 1]) if opiate_days else None,
            "crack_days": rng.choice([0, 0, 2, 5]) if opiates else 0,
            "cocaine_days": 0,
            "amphetamines_days": None if rng.random() < 0.2 else 0,
            "cannabis_days": rng.choice([0, 0, 4, 12]),
            "tobacco_days": 28,
            "injecting_days": injecting,
            "shoplifting_days": rng.choice([0, 0, 0, 3]),
            "drug_selling_days": 0,
            "vehicle_theft": False,
            "property_theft": False,
            "fraud": False,
            "assault": None if rng.random() < 0.2 else False,
            "psychological_health": min(20, rng.randint(4, 9) + (4 * index if improves else 0)),
            "physical_health": min(20, rng.randint(6, 11) + (2 * index if improves else 0)),
            "quality_of_life": min(20, rng.randint(3, 8) + (4 * index if improves else 0)),
            "paid_work_days": 0,
            "college_days": None if rng.random() < 0.3 else 0,
            "acute_housing_problem": rng.random() < 0.25,
            "eviction_risk": rng.random() < 0.15,
        }
        if answers["crack_days"]:
            answers["crack_grams_per_day"] = 0.5
        if injecting:
            answers["shared_needle"] = False
            answers["shared_paraphernalia"] = rng.random() < 0.3
        answers["cannabis_spliffs_per_day"] = rng.choice([2, 3, 5]) if answers["cannabis_days"] else None
        services.top_record(service_user=person, by=by, completed_on=day, stage=stage, **answers)
        demo.created["TOP forms"] += 1


def _satisfaction(demo, involvements, rng):
    if SatisfactionResponse.objects.exists():
        return
    answers, weights = zip(*FFT_WEIGHTS, strict=True)
    for involvement in involvements:
        if involvement.key_worker is None or rng.random() < 0.4:
            continue
        for months_ago in sorted(rng.sample(range(0, 7), k=rng.randint(1, 2)), reverse=True):
            day = demo.today - dt.timedelta(days=30 * months_ago + rng.randint(0, 20))
            if day < involvement.start:
                continue
            services.satisfaction_record(
                service_user=involvement.service_user,
                by=involvement.key_worker,
                responded_on=day,
                answer=rng.choices(answers, weights=weights)[0],
                comment=rng.choice(COMMENTS),
            )
            demo.created["satisfaction answers"] += 1


def build(demo) -> None:
    involvements = list(
        Involvement.objects.filter(end__isnull=True, service_user__in=list(demo.people.values()))
        .select_related("team__organisation", "service_user", "key_worker")
        .order_by("service_user__family_name", "team__name")
    )
    for involvement in involvements:
        person = involvement.service_user
        rng = random.Random(f"{person.given_name} {person.family_name} {involvement.team.name}")
        kind = involvement.team.organisation.kind
        if kind == Organisation.Kind.MENTAL_HEALTH:
            _honos(demo, involvement, rng)
        elif kind == Organisation.Kind.SUBSTANCE_MISUSE:
            _top(demo, involvement, rng)
    _satisfaction(demo, involvements, random.Random("satisfaction"))
