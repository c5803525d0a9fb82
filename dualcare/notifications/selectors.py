"""Reading the outbox: a user's own alerts only; and the alert measures for the dashboards."""

from django.db.models import Case, Count, Q, Value, When

from dualcare.ids import is_uuid

from . import kinds
from .models import Notification


def notifications_for(user, *, unread_only: bool = False):
    """The user's in-app notifications, newest first."""
    rows = Notification.objects.filter(recipient=user, channel=Notification.Channel.IN_APP)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at")


def updates_for(user, *, unread_only: bool = False):
    """What DualCare has sent a service user or carer (reminders, a plan updated), newest first:
    their "Reminders and updates". Messages in conversations are apart, in "Messages with your
    care team" (opening one marks them read)."""
    return notifications_for(user, unread_only=unread_only).exclude(kind__in=kinds.MESSAGE_KINDS)


# Open: an alert needing action not yet acknowledged (by anyone for the team), or an
# informational one not yet read.
OPEN = Q(needs_action=True, acknowledged_at__isnull=True) | Q(needs_action=False, read_at__isnull=True)


def alerts_for(user, *, state: str | None = None, service_user=None, kind: str = "", team=None):
    """The user's alerts (in-app rows): "open" (still to deal with), "acknowledged" (dealt with:
    acknowledged, or read when it needs no action), or all; narrowed to one person, kind or team
    (ids). Open alerts come first, urgent first, then newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    rows = (
        notifications_for(user)
        .exclude(kind__in=kinds.MESSAGE_KINDS)  # told apart, in the conversations inbox
        .select_related("acknowledged_by", "team", "service_user")
    )
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

    mine = notifications_for(user).exclude(kind__in=kinds.MESSAGE_KINDS).order_by()
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
    """The user's unread alerts (messages in conversations are counted apart: unread_counts)."""
    return unread_counts(user)[0]


def unread_counts(user) -> tuple[int, int]:
    """(unread alerts, unread messages in conversations) for the header, in one query."""
    if not getattr(user, "is_authenticated", False):
        return 0, 0
    counts = notifications_for(user, unread_only=True).aggregate(
        alerts=Count("pk", filter=~Q(kind__in=kinds.MESSAGE_KINDS)),
        messages=Count("pk", filter=Q(kind__in=kinds.MESSAGE_KINDS)),
    )
    return counts["alerts"], counts["messages"]


def get_alert_or_404(user, pk):
    """One of the user's own alerts; anyone else's is a 404."""
    from django.http import Http404

    alert = alerts_for(user).filter(pk=pk).first() if is_uuid(pk) else None
    if alert is None:
        raise Http404("No such alert.")
    return alert
