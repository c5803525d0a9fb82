"""Reading the outbox."""

from .models import Notification


def notifications_for(user, *, unread_only: bool = False):
    """The user's in-app notifications, newest first."""
    rows = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at")
