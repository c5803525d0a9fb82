from celery import shared_task

from . import services


@shared_task(name="linkworkers.tasks.dispatch_send")
def dispatch_send(dispatch_id: str) -> bool:
    """Send one invitation, agenda or notes email (claimed once)."""
    return services.dispatch_send(dispatch_id)


@shared_task(name="linkworkers.tasks.linkworkers_scan")
def linkworkers_scan() -> dict:
    """Beat: replacement alerts, meetings from schedules, agendas 7 and 1 day before, resends.
    Every step is idempotent (conditional updates and unique rows)."""
    return {
        "replacement_alerts": services.replacement_alerts_raise(),
        "training_refresh_alerts": services.training_refresh_alerts_raise(),
        "meetings": services.meetings_generate(),
        "agendas": services.agendas_queue(),
        "resent": services.dispatches_sweep(),
    }
