"""Reading the outbox: a user's own alerts only; and the alert measures for the dashboards."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Avg, Case, Count, DateField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, hours, week_start
from dualcare.people.models import User

from . import kinds
from .models import Notification


def notifications_for(user, *, unread_only: bool = False):
    """The user's in-app notifications, newest first."""
    rows = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at")


# Open: an alert needing action not yet acknowledged (by anyone for the team), or an
# informational one not yet read.
OPEN = Q(needs_action=True, acknowledged_at__isnull=True) | Q(needs_action=False, read_at__isnull=True)


def alerts_for(user, *, state: str | None = None, service_user=None, kind: str = "", team=None):
    """The user's alerts (in-app rows): "open" (still to deal with), "acknowledged" (dealt with:
    acknowledged, or read when it needs no action), or all; narrowed to one person, kind or team
    (ids). Open alerts come first, urgent first, then newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    rows = notifications_for(user).select_related("acknowledged_by", "team", "service_user")
    if state == "open":
        rows = rows.filter(OPEN)
    elif state == "acknowledged":
        rows = rows.exclude(OPEN)
    if service_user is not None:
        rows = rows.filter(service_user_id=service_user)
    if kind:
        rows = rows.filter(kind=kind)
    if team is not None:
        rows = rows.filter(team_id=team)
    is_open = Case(When(OPEN, then=Value(0)), default=Value(1))
    return rows.order_by(is_open, "-priority", "-created_at")


def alert_filter_choices(user) -> dict:
    """What the user's alerts may be filtered by, in three queries however many alerts: the people
    they are about whom the user may see now (access.service_users_visible_to), their kinds and the
    teams they were sent for."""
    from dualcare import access
    from dualcare.people.models import Team

    mine = notifications_for(user).order_by()
    people = list(
        access.service_users_visible_to(user)
        .filter(pk__in=mine.filter(service_user__isnull=False).values("service_user_id"))
        .order_by("family_name", "given_name", "pk")
    )
    kinds_seen = sorted(set(mine.values_list("kind", flat=True).distinct()), key=kinds.label)
    teams = list(Team.objects.filter(pk__in=mine.values("team_id")).order_by("name"))
    return {"people": people, "kinds": [(kind, kinds.label(kind)) for kind in kinds_seen], "teams": teams}


def name_people(user, alerts, *, visible_ids, action: str) -> None:
    """Set `named_person` on each alert whose person the user may see now (`visible_ids`, from
    alert_filter_choices or one can_view_record), else None; audit the people named as one list
    read (one insert)."""
    from dualcare import access

    named = []
    for alert in alerts:
        alert.named_person = alert.service_user if alert.service_user_id in visible_ids else None
        if alert.named_person is not None:
            named.append(alert)
    access.audit_list_read(user, named, action=action)


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


# ---------------------------------------------------------------------------
# Dashboard measures (dualcare/dashboards/measures.py is the contract)
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
