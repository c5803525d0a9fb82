"""The unread alert count for the header: `{% load notification_tags %}{% unread_alerts %}`."""

from django import template

from dualcare.notifications.selectors import unread_counts
from dualcare.people.models import User

register = template.Library()


@register.inclusion_tag("notifications/_unread.html", takes_context=True)
def unread_alerts(context):
    """Staff: a link to the alert centre with the number unread (one COUNT query). This header link
    is staff's one route to their alerts (the menu has no second "Alerts"). Service users and
    carers find "Reminders and updates" in their menu instead, with the number new (dualcare_tags). Beside it,
    staff's unread messages in case conversations, counted in the same query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if user.kind in (User.Kind.SERVICE_USER, User.Kind.CARER):
        return {"show": False}
    alerts, messages = unread_counts(user)
    return {"show": True, "count": alerts, "messages": messages}
