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
