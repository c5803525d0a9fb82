"""Deadlines as people say them."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def deadline(moment: dt.datetime | None) -> str:
    """'23 November 2026, 15:30', or 'the end of 23 November 2026' for a midnight deadline."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.time() == dt.time(0, 0):
        # A deadline at midnight is the end of the day before: say so, not "00:00".
        return f"the end of {date_format(local - dt.timedelta(days=1), 'j F Y')}"
    return date_format(local, "j F Y, H:i")


@register.inclusion_tag("referrals/_history_section.html", takes_context=True)
def referral_history(context, person, heading_level: int = 2):
    """The person's referral history for the record page, with "Refer to another team" when the
    viewer's team works with them. Reads through the permission-filtered selector; for a service
    user viewing their own record it gives the plain-language version."""
    from dualcare import access
    from referrals.selectors import referrals_for_service_user

    user = context["request"].user
    referrals = referrals_for_service_user(user, person)
    # A team of mine (access.referral_teams_of: my clinical teams) works with them: the record
    # page's own acting-team check, read once for the page (access.record_checks_once).
    can_refer = access.can_act_for(user, person)
    return {
        "person": person,
        "referrals": referrals,
        "can_refer": can_refer,
        "is_own": getattr(user, "kind", "") == "service_user",
        "heading_level": heading_level,
    }
