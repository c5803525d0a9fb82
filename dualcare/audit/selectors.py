from django.db.models import QuerySet

from .models import AuditEvent


def record_views_for_service_user(service_user) -> QuerySet[AuditEvent]:
    """Who looked at or changed this person's record, newest first (shown to the person)."""
    events = AuditEvent.objects.filter(service_user=service_user, outcome=AuditEvent.Outcome.ALLOWED)
    if service_user.user_id:
        events = events.exclude(actor_id=service_user.user_id)
    return events.select_related("actor", "organisation")
