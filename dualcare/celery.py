"""The Celery app and every periodic schedule of DualCare, declared in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcare.settings")

app = Celery("dualcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _ensure_filesystem_broker_folders(sender, **kwargs):
    from django.conf import settings

    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)


app.conf.beat_schedule = {
    # Risk assessments and safety flags due for review: remind the writing organisation once each.
    "safety-review-reminders": {
        "task": "dualcare.safety.tasks.safety_send_review_reminders",
        "schedule": 60.0,
    },
    # Outcome measures past their tolerance window: remind the key worker once per due item.
    "outcomes-overdue-reminders": {
        "task": "outcomes.tasks.outcomes_send_overdue_reminders",
        "schedule": crontab(minute=7),
    },
    # Staff roles and involvements end by date: withdraw the access they gave, within a minute.
    "access-expire-ended-roles": {
        "task": "dualcare.people.tasks.access_expire_ended",
        "schedule": 60.0,
    },
    "access-expire-ended-roles-nightly": {
        "task": "dualcare.people.tasks.access_expire_ended",
        "schedule": crontab(hour=0, minute=1),
    },
    # Provider handovers agreed for a date that has come: carried out once (dualcare.people.handover).
    "people-handovers-carry-out": {
        "task": "dualcare.people.tasks.handovers_carry_out_due",
        "schedule": 60.0,
    },
    # Outbox rows left pending (broker down at commit, or a worker died mid-send): send them.
    "notifications-sweep": {
        "task": "dualcare.notifications.tasks.notifications_sweep",
        "schedule": 60.0,
    },
    # Referrals past their acknowledge or decide deadline: alert the receiving team's managers once.
    "referrals-overdue-alerts": {
        "task": "referrals.tasks.referrals_raise_overdue_alerts",
        "schedule": 60.0,
    },
    # Conversations: an unanswered question past its reply-by date, to the addressed team's manager once.
    "conversations-alert-overdue": {
        "task": "conversations.tasks.conversations_alert_overdue",
        "schedule": crontab(minute="*/15"),
    },
    # Directory: entries nobody has checked for DIRECTORY_CHECK_MONTHS, to their keepers' admins once.
    "directory-flag-unchecked": {
        "task": "directory.tasks.directory_flag_unchecked",
        "schedule": crontab(hour=6, minute=23),
    },
    # Signposting: a follow-up due and not recorded, to the signposting team once (SIGNPOST_FOLLOW_UP_DAYS).
    "directory-signposts-remind-due": {
        "task": "directory.tasks.signposts_remind_due",
        "schedule": crontab(minute=41),
    },
    # Incidents: each joint-review action due, to its owner (or its organisation's managers) once.
    "incidents-remind-actions-due": {
        "task": "dualcare.safety.incidents.tasks.incidents_remind_actions_due",
        "schedule": crontab(minute="*/15"),
    },
    # Contacts: today's expected collections (unique per schedule and day), written early and re-checked.
    "contacts-collections-generate": {
        "task": "dualcare.contacts.tasks.collections_generate",
        "schedule": crontab(minute="*/15"),
    },
    # Appointment reminders: rows scanned every minute, each claimed once.
    "contacts-reminders": {
        "task": "dualcare.contacts.tasks.reminders_send",
        "schedule": 60.0,
    },
    # Collections still unrecorded the morning after their day: the pharmacy and the care team, once.
    "contacts-not-recorded-scan": {
        "task": "dualcare.contacts.tasks.collections_not_recorded_scan",
        "schedule": crontab(minute="*/5"),
    },
    # No attended contact for N days: the key workers are told once per spell.
    "contacts-disengagement-scan": {
        "task": "dualcare.contacts.tasks.disengagement_scan",
        "schedule": crontab(minute=7),
    },
    # Urgent alerts not acknowledged in time go to the team's managers, once.
    "notifications-escalate": {
        "task": "dualcare.notifications.tasks.notifications_escalate",
        "schedule": 60.0,
    },
    # Published care plan versions whose PDF is not stored yet: queue the render again.
    "careplans-review-reminders": {
        "task": "careplans.tasks.careplans_remind_reviews_due",
        "schedule": crontab(minute=7),
    },
    "careplans-render-missing-pdfs": {
        "task": "careplans.tasks.careplans_render_missing_pdfs",
        "schedule": 60.0,
    },
    # Link workers: replacement alerts, meetings from schedules, agendas 7 and 1 day before, resends.
    "linkworkers-scan": {
        "task": "linkworkers.tasks.linkworkers_scan",
        "schedule": crontab(minute="*/15"),
    },
    # Dashboard PDFs still waiting are queued again; those older than a day are deleted.
    "dashboards-pdf-sweep": {
        "task": "dualcare.dashboards.tasks.dashboard_pdfs_sweep",
        "schedule": 60.0,
    },
    # Dashboards' stored weekly measures: the open and settling weeks again, any missing or stale week.
    "dashboards-weekly-values": {
        "task": "dualcare.dashboards.tasks.weekly_values_refresh",
        "schedule": crontab(minute="4,19,34,49"),
    },
}
