"""Contacts: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, DateField, F, Min, Q
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from dualcare.dashboards.measures import Cell, MeasureDef, week_start

from .models import APPOINTMENT_KINDS, Contact, ContactOutcomeEvent, Kind, Outcome

#
# Scope: a supervised-consumption collection belongs to the *prescribing* team (the team whose
# treatment it is, whose manager acts on misses); an appointment to the team it is with. Weeks
# are the London Monday of the day the contact was due. Only days already over are measured
# (today's collections are still being recorded). Cell.n is the number of people with a
# contact due that week, so the dashboards can suppress small numbers.

LONDON = ZoneInfo("Europe/London")
_CAPABILITY = "Contacts and alerts"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="contacts.collections_missed",
        title="Supervised-consumption collections missed",
        capability=_CAPABILITY,
        unit="collections",
        improvement="down",
        description=(
            "Collections recorded as missed, counted in the week they were due, for people whose "
            "supervised consumption the team prescribes."
        ),
    ),
    MeasureDef(
        key="contacts.collections_recorded_on_the_day",
        title="Collections recorded on the day",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the collections due that week (not cancelled) for people the team prescribes for, the "
            "share the pharmacy first recorded as collected or missed on the day they were due."
        ),
    ),
    MeasureDef(
        key="contacts.appointments_missed",
        title="Appointments missed",
        capability=_CAPABILITY,
        unit="appointments",
        improvement="down",
        description="The team's appointments recorded as missed, counted in the week they were due.",
    ),
]


def _collections(scoped, keys: dict) -> list[dict]:
    """Per week (and group) of the collections in ``scoped`` (``keys``: the ``week`` and, when
    grouped, ``group_key`` expressions): due, people, missed, and first recorded on the day due.

    Set-based: the first attended-or-missed recording of every collection is one grouped query
    over the events (MIN of the time, as a London date), joined to the collections; not a
    subquery per collection (172k of them for one organisation's year at trust scale). Both halves
    are written by the ORM, so the time zone and dates are each backend's own.
    """
    grouped = "group_key" in keys
    collections_sql, collections_params = (
        scoped.annotate(**keys)
        .order_by()
        .values(*keys, c_id=F("pk"), c_due=F("due_on"), c_person=F("service_user_id"), c_outcome=F("outcome"))
        .query.sql_with_params()
    )
    firsts_sql, firsts_params = (
        ContactOutcomeEvent.objects.filter(
            contact_id__in=scoped.values("pk"), outcome__in=[Outcome.ATTENDED, Outcome.MISSED]
        )
        .values(f_contact=F("contact_id"))
        .annotate(first_day=TruncDate(Min("at"), tzinfo=LONDON))
        .order_by()
        .query.sql_with_params()
    )
    qn = connection.ops.quote_name
    # Every column of the two subqueries is named by an alias given above.
    sql = f"""
        SELECT c.{qn("week")}, {"c." + qn("group_key") if grouped else "NULL"}, COUNT(*),
               COUNT(DISTINCT c.{qn("c_person")}),
               SUM(CASE WHEN c.{qn("c_outcome")} = %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN f.{qn("first_day")} = c.{qn("c_due")} THEN 1 ELSE 0 END)
        FROM ({collections_sql}) c
        LEFT JOIN ({firsts_sql}) f ON f.{qn("f_contact")} = c.{qn("c_id")}
        GROUP BY 1, 2
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Outcome.MISSED, *collections_params, *firsts_params])
        rows = cursor.fetchall()
    result = []
    for week, group_key, due_n, people, missed, on_the_day in rows:
        if group_key is not None and not isinstance(group_key, UUID):
            group_key = UUID(str(group_key))  # SQLite keeps UUIDs as hex text
        if not isinstance(week, (dt.date, dt.datetime)):
            week = dt.date.fromisoformat(str(week)[:10])
        result.append(
            {
                "week": week_start(week),
                "group_key": group_key,
                "due": due_n,
                "people": people,
                "missed": int(missed or 0),
                "on_the_day": int(on_the_day or 0),
            }
        )
    return result


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The contact measures per week (see DASHBOARD_MEASURES): two queries, one for
    collections (by prescribing team) and one for appointments (by their team)."""
    team_ids = list(team_ids)
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    in_weeks = Q(due_on__gte=start, due_on__lte=last_day) & ~Q(
        outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE]
    )
    week = TruncWeek("due_on", output_field=DateField())

    def keys_of(team_field: str) -> dict:
        keys = {"week": week}
        if group == "organisation":
            keys["group_key"] = F(f"{team_field}__organisation_id")
        elif group == "team":
            keys["group_key"] = F(f"{team_field}_id")
        return keys

    collections = _collections(
        Contact.objects.filter(in_weeks, kind=Kind.COLLECTION, schedule__prescribing_team_id__in=team_ids),
        keys_of("schedule__prescribing_team"),
    )
    appointments = (
        Contact.objects.filter(in_weeks, kind__in=APPOINTMENT_KINDS, team_id__in=team_ids)
        .values(**keys_of("team"))
        .annotate(
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in collections:
        key = (row["group_key"], row["week"])
        result["contacts.collections_missed"][key] = Cell(row["missed"], row["people"])
        result["contacts.collections_recorded_on_the_day"][key] = Cell(
            round(100 * row["on_the_day"] / row["due"], 1), row["people"]
        )
    for row in appointments:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.appointments_missed"][key] = Cell(row["missed"], row["people"])
    return result
