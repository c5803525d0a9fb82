import datetime as dt
import uuid

from django.db import connection
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Lag
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import AuditEvent

# Rows by one person less than this apart are one visit (a page that reads several parts of the
# record writes several rows; a person wants to know that someone looked, not how many queries ran).
VISIT_GAP = dt.timedelta(minutes=10)


def record_views_for_service_user(service_user) -> QuerySet[AuditEvent]:
    """Who looked at or changed this person's record, newest first (shown to the person)."""
    events = AuditEvent.objects.filter(service_user=service_user, outcome=AuditEvent.Outcome.ALLOWED)
    if service_user.user_id:
        events = events.exclude(actor_id=service_user.user_id)
    return events.select_related("actor", "organisation")


def _as_datetime(value) -> dt.datetime:
    # SQLite returns aggregated datetimes as text; PostgreSQL as aware datetimes.
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


class RecordVisits:
    """The person's audit rows grouped into visits in SQL: one per actor per stretch of rows no
    more than VISIT_GAP apart, newest first. Sliceable and countable, so a Paginator pages it;
    a slice is a list of (actor_id, started, ended) tuples."""

    def __init__(self, service_user):
        marked = (
            record_views_for_service_user(service_user)
            .select_related(None)
            .annotate(prev_at=Window(Lag("at"), partition_by=[F("actor_id")], order_by=F("at").asc()))
            .annotate(
                new_visit=Case(
                    When(Q(prev_at__isnull=True) | Q(prev_at__lt=F("at") - Value(VISIT_GAP)), then=1),
                    default=0,
                )
            )
            .values("id", "at", "actor_id", "new_visit")
            .order_by()
        )
        sql, params = marked.query.sql_with_params()
        # Django's own compiled SQL, its values kept as parameters: nothing from a request is
        # written into the text. A window over a window needs this one level of raw SQL.
        self._sql = (
            f"WITH marked AS ({sql}), numbered AS (SELECT actor_id, at, SUM(new_visit) OVER "  # noqa: S608
            "(PARTITION BY actor_id ORDER BY at, id ROWS UNBOUNDED PRECEDING) AS visit FROM marked) "
            "SELECT actor_id, MIN(at) AS started, MAX(at) AS ended FROM numbered GROUP BY actor_id, visit"
        )
        self._params = tuple(params)

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self._sql}) visits", self._params)  # noqa: S608
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list[tuple]:
        limit, offset = window.stop - window.start, window.start
        with connection.cursor() as cursor:
            cursor.execute(
                f"{self._sql} ORDER BY started DESC LIMIT %s OFFSET %s", (*self._params, limit, offset)
            )
            return [
                (uuid.UUID(str(actor_id)) if actor_id else None, _as_datetime(a), _as_datetime(b))
                for actor_id, a, b in cursor.fetchall()
            ]
