"""Reading the outbox: a user's own alerts only."""

from django.db.models import F

from .models import Notification


def notifications_for(user, *, unread_only: bool = False):
    """The user's in-app notifications, newest first."""
    rows = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at")


def alerts_for(user, *, state: str | None = None):
    """The user's alerts (in-app rows): "open" (not acknowledged), "acknowledged", or all.

    Urgent open alerts come first, then newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    rows = notifications_for(user).select_related("acknowledged_by", "team")
    if state == "open":
        rows = rows.filter(acknowledged_at__isnull=True)
    elif state == "acknowledged":
        rows = rows.filter(acknowledged_at__isnull=False)
    return rows.order_by(F("acknowledged_at").asc(nulls_first=True), "-priority", "-created_at")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user, unread_only=True).count()


def get_alert_or_404(user, pk):
    """One of the user's own alerts; anyone else's is a 404."""
    from django.http import Http404

    from dualcare.access import _is_uuid

    alert = alerts_for(user).filter(pk=pk).first() if _is_uuid(pk) else None
    if alert is None:
        raise Http404("No such alert.")
    return alert
