"""Care plans written through the services, as staff would write them."""

import datetime as dt

from careplans import services
from careplans.models import PlanEntry, PlanVersion


def shared_plan(world) -> dict:
    """Sam's plan: the CMHT (mh) and the drug and alcohol service (sm) each add their parts."""
    su = world.service_user
    mh, sm = world.keyworker_mh, world.keyworker_sm
    entries = {
        "what_matters": services.entry_add(
            service_user=su, section="what_matters", by=mh, text="Seeing my daughter every weekend."
        ),
        "goal": services.entry_add(
            service_user=su,
            section="goal",
            by=mh,
            text="I want to sleep through the night.",
            domain="mental_health",
            target_date=world.today + dt.timedelta(days=90),
            progress="",
        ),
        "action": services.entry_add(
            service_user=su,
            section="action",
            by=sm,
            text="Weekly key-work session on cutting down drinking.",
            owner_kind="worker",
            owner_worker=sm,
            due_date=world.today + dt.timedelta(days=30),
            status="in_progress",
        ),
        "crisis": services.entry_add(
            service_user=su,
            section="crisis",
            by=mh,
            warning_signs="Not sleeping, stopping my medication.",
            triggers="Arguments at home.",
            what_helps="Walking the dog; calling my mum.",
            who_to_contact="North CMHT duty worker 01632 960001",
            out_of_hours="Crisis line 0800 000 1234; NHS 111 option 2",
        ),
        "risk_mh": services.entry_add(
            service_user=su,
            section="risk",
            by=mh,
            recorded_on=world.today - dt.timedelta(days=200),
            text="Overdose in 2023 after a relapse. Low risk now.",
        ),
        "risk_sm": services.entry_add(
            service_user=su,
            section="risk",
            by=sm,
            recorded_on=world.today - dt.timedelta(days=10),
            text="Drinking alone again at weekends: raised risk of falls.",
        ),
    }
    return entries


def publish(world, by=None, **kwargs) -> PlanVersion:
    return services.careplan_publish(service_user=world.service_user, by=by or world.keyworker_mh, **kwargs)


def fresh(entry: PlanEntry) -> PlanEntry:
    return PlanEntry.objects.get(pk=entry.pk)
