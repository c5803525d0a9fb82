"""Outcome forms made through the services, as staff would make them."""

import datetime as dt

from django.utils import timezone

from outcomes import services

# Items 1-12: behaviour 2+0+3=5, impairment 1+2=3, symptoms 0+3+2=5, social 2+2+1+3=8: total 21.
HONOS_ITEMS = [2, 0, 3, 1, 2, 0, 3, 2, 2, 2, 1, 3]


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def make_honos(world, *, by=None, service_user=None, items=None, stage="assessment", rated_on=None, **extra):
    extra.setdefault("item8_type", "B")
    return services.honos_record(
        service_user=service_user or world.service_user,
        by=by or world.keyworker_mh,
        rated_on=rated_on or days_ago(1),
        stage=stage,
        items=items or HONOS_ITEMS,
        **extra,
    )


def make_top(world, *, by=None, service_user=None, stage="start", completed_on=None, **answers):
    values = {
        "alcohol_days": 20,
        "alcohol_units_per_day": "14.5",
        "opiates_days": 0,
        "crack_days": 0,
        "cannabis_days": 6,
        "cannabis_spliffs_per_day": 2,
        "tobacco_days": 28,
        "injecting_days": 0,
        "shoplifting_days": 0,
        "drug_selling_days": 0,
        "assault": False,
        "psychological_health": 6,
        "physical_health": 9,
        "quality_of_life": 5,
        "paid_work_days": 0,
        "acute_housing_problem": True,
        "eviction_risk": False,
    }
    values.update(answers)
    return services.top_record(
        service_user=service_user or world.service_user,
        by=by or world.keyworker_sm,
        completed_on=completed_on or days_ago(1),
        stage=stage,
        **values,
    )


def make_dialog(world, *, by=None, service_user=None, items=None, rated_on=None):
    return services.dialog_record(
        service_user=service_user or world.service_user,
        by=by or world.keyworker_mh,
        rated_on=rated_on or days_ago(1),
        items=items or [3, 4, 2, 5, 3, 4, 6, 5, 6, 5, 7],
    )
