"""The calendar invitation of a link meeting, written as RFC 5545 iCalendar text.

UID stable per meeting (a re-sent invitation updates the same event, SEQUENCE raised), times
in UTC ("Z"), CRLF line endings, text escaped (backslash, semicolon, comma, newline) and
lines folded at 75 octets with a leading space on the continuation.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

PRODID = "-//DualCare//Link meetings//EN"


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting, *, attendees=(), now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:linkmeeting-{meeting.pk}@dualcare",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SEQUENCE:{meeting.ics_sequence}",
        f"SUMMARY:{escape_text(meeting.title)}",
        f"LOCATION:{escape_text(meeting.location)}",
        "DESCRIPTION:"
        + escape_text("Link meeting of the dual diagnosis link workers. The agenda follows a week before."),
        "STATUS:" + ("CANCELLED" if meeting.state == "cancelled" else "CONFIRMED"),
    ]
    chair = meeting.chair
    if chair.email:
        lines.append(f'ORGANIZER;CN="{chair.display_name}":mailto:{chair.email}')
    for user in attendees:
        if user.email:
            lines.append(
                f'ATTENDEE;CN="{user.display_name}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:'
                f"mailto:{user.email}"
            )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
