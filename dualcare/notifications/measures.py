"""Alerts: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DateField, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, hours, week_start
from dualcare.people.models import User

from .models import Notification

#
# An alert here is an in-app notification to a member of staff, counted for the team on whose
# behalf it was sent (Notification.team; rows without a team, e.g. reminders to service users,
# are not team alerts; nor are informational ones, which need no action: notifications.kinds),
# in the London week it was created. Only alerts acknowledged by their own recipient count as
# acknowledged: one closed for everybody by the event itself (a collection recorded late closes
# its "not recorded" alert) or by a colleague told about the same event (one acknowledgement
# answers it for the team: services.alert_acknowledge) is left out of the timing
# measures, so they time the person who acted, once per event.
#
# Cell.n counts alerts (urgent events for the escalation measure). Each alert is about one person,
# so a cell from 1 to 4 alerts is about at most 4 people: counts_people is True and the locality
# view suppresses such cells. (A person with several alerts in a week counts once per alert, so
# n can overstate the people behind a cell; it never understates the alerts.)

LONDON = ZoneInfo("Europe/London")
ACKNOWLEDGE_WITHIN = dt.timedelta(hours=24)
ESCALATION_KIND = "alert.escalated"
_CAPABILITY = "Contacts and alerts"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="alerts.acknowledged_within_24_hours",
        title="Alerts acknowledged within 24 hours",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the alerts needing action sent to the team's staff that week and either acknowledged or "
            "older than 24 hours, the share the person told acknowledged within 24 hours."
        ),
        counts_people=True,
    ),
    MeasureDef(
        key="alerts.hours_to_acknowledge",
        title="Average time to acknowledge an alert",
        capability=_CAPABILITY,
        unit="hours",
        improvement="down",
        description=(
            "The mean number of clock hours from an alert being sent to the person told acknowledging "
            "it, for alerts needing action sent to the team's staff that week and acknowledged."
        ),
        counts_people=True,
    ),
    MeasureDef(
        key="alerts.urgent_escalated",
        title="Urgent alerts escalated to a manager",
        capability=_CAPABILITY,
        unit="alerts",
        improvement="down",
        description=(
            "Urgent alerts sent to the team's staff that week that nobody told acknowledged in time, "
            "so they went to the team manager (one urgent event told to several staff counts once)."
        ),
        counts_people=True,
    ),
]


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The alert measures per week (see DASHBOARD_MEASURES), in one query."""
    team_ids = list(team_ids)
    first = dt.datetime.combine(start, dt.time(0, 0), tzinfo=LONDON)
    after = dt.datetime.combine(end + dt.timedelta(weeks=1), dt.time(0, 0), tzinfo=LONDON)
    now = timezone.now()
    by_recipient = Q(acknowledged_at__isnull=False, acknowledged_by_id=F("recipient_id"))
    by_someone_else = Q(acknowledged_at__isnull=False) & ~Q(acknowledged_by_id=F("recipient_id"))
    keys = {"week": TruncWeek("created_at", tzinfo=LONDON, output_field=DateField())}
    if group == "organisation":
        keys["group_key"] = F("team__organisation_id")
    elif group == "team":
        keys["group_key"] = F("team_id")
    rows = (
        Notification.objects.filter(
            channel=Notification.Channel.IN_APP,
            recipient__kind=User.Kind.STAFF,
            # Informational alerts are read, never acknowledged: not timed as if they were late.
            needs_action=True,
            team_id__in=team_ids,
            created_at__gte=first,
            created_at__lt=after,
        )
        .values(**keys)
        .annotate(
            timed=Count(
                "pk",
                filter=~by_someone_else & (by_recipient | Q(created_at__lt=now - ACKNOWLEDGE_WITHIN)),
            ),
            in_time=Count(
                "pk", filter=by_recipient & Q(acknowledged_at__lte=F("created_at") + ACKNOWLEDGE_WITHIN)
            ),
            acknowledged=Count("pk", filter=by_recipient),
            hours=Avg(
                ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField()),
                filter=by_recipient,
            ),
            # Per event: every row of an escalated event is stamped escalated_at. The escalations
            # themselves (urgent, to the managers) are not urgent alerts that could be escalated.
            urgent=Count(
                "event_key",
                distinct=True,
                filter=Q(priority=Notification.Priority.URGENT) & ~Q(kind=ESCALATION_KIND),
            ),
            escalated=Count(
                "event_key",
                distinct=True,
                filter=Q(priority=Notification.Priority.URGENT, escalated_at__isnull=False),
            ),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in rows:
        key = (row.get("group_key"), week_start(row["week"]))
        if row["timed"]:
            result["alerts.acknowledged_within_24_hours"][key] = Cell(
                round(100 * row["in_time"] / row["timed"], 1), row["timed"]
            )
        if row["acknowledged"]:
            result["alerts.hours_to_acknowledge"][key] = Cell(
                round(hours(row["hours"]), 1), row["acknowledged"]
            )
        result["alerts.urgent_escalated"][key] = Cell(row["escalated"], row["urgent"])
    return result
