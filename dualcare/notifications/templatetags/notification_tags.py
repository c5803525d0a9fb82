"""The unread alert count for the header: `{% load notification_tags %}{% unread_alerts %}`."""

from django import template

from dualcare.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_unread.html", takes_context=True)
def unread_alerts(context):
    """A link to the alert centre with the number unread (one COUNT query), for signed-in users."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "count": unread_count(user)}
