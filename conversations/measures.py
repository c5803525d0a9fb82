"""Conversations: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, by the team that started the conversation, counted in the
week it was started, never naming a person."""

from __future__ import annotations

import datetime as dt
from statistics import median
from zoneinfo import ZoneInfo

from django.db.models import Count, DateField, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate, TruncWeek

from dualcare import clock
from dualcare.dashboards.measures import Cell, MeasureDef, hours, percent, week_bounds, week_start

from .models import Conversation, Participant

LONDON = ZoneInfo("Europe/London")
_CAPABILITY = "Conversations"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="conversations.started_across",
        title="Conversations started with other organisations",
        capability=_CAPABILITY,
        unit="conversations",
        improvement="neither",
        description="Conversations the team started that week addressing a team of another organisation.",
        counts_people=False,
    ),
    MeasureDef(
        key="conversations.hours_to_first_reply",
        title="Median time to the first reply",
        capability=_CAPABILITY,
        unit="hours",
        improvement="down",
        description=(
            "The median number of clock hours from starting a conversation to the first answer from "
            "another organisation (or the person), for conversations the team started that week."
        ),
        counts_people=False,
    ),
    MeasureDef(
        key="conversations.answered_by_reply_by",
        title="Questions answered by their reply-by date",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the conversations the team started that week with a reply-by date, answered or past it, "
            "the share first answered on or before that date."
        ),
        counts_people=False,
    ),
]


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The conversation measures per week of starting: two queries (the counts, and the times to
    first reply for the median)."""
    first, after = week_bounds(start, end)
    today = clock.today()
    week = TruncWeek("created_at", tzinfo=LONDON, output_field=DateField())
    started = Conversation.objects.filter(
        team_id__in=list(team_ids), created_at__gte=first, created_at__lt=after
    )
    keys = {"week": week}
    if group == "organisation":
        keys["group_key"] = F("organisation_id")
    elif group == "team":
        keys["group_key"] = F("team_id")
    across = Participant.objects.filter(conversation=OuterRef("pk")).exclude(
        team__organisation_id=OuterRef("organisation_id")
    )
    answered_in_time = Q(first_reply_at__isnull=False) & Q(first_reply_date__lte=F("reply_by"))
    due = Q(reply_by__isnull=False) & (Q(first_reply_at__isnull=False) | Q(reply_by__lt=today))
    rows = (
        started.annotate(
            is_across=Exists(across), first_reply_date=TruncDate("first_reply_at", tzinfo=LONDON)
        )
        .values(**keys)
        .annotate(
            across=Count("pk", filter=Q(is_across=True)),
            due=Count("pk", filter=due),
            in_time=Count("pk", filter=due & answered_in_time),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in rows:
        key = (row.get("group_key"), week_start(row["week"]))
        if row["across"]:
            result["conversations.started_across"][key] = Cell(row["across"], row["across"])
        if row["due"]:
            result["conversations.answered_by_reply_by"][key] = Cell(
                percent(row["in_time"], row["due"]), row["due"]
            )
    waits: dict = {}
    replied = started.filter(first_reply_at__isnull=False).values(
        **keys, began=F("created_at"), reply=F("first_reply_at")
    )
    for row in replied.order_by():
        key = (row.get("group_key"), week_start(row["week"]))
        waits.setdefault(key, []).append(hours(row["reply"] - row["began"]))
    for key, values in waits.items():
        result["conversations.hours_to_first_reply"][key] = Cell(round(median(values), 1), len(values))
    return result
