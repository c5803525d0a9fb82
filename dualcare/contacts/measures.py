"""Contacts: the measures this app gives the dashboards (the contract is
dualcare/dashboards/measures.py): weekly, aggregated in the database, never naming a person."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    Subquery,
)
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


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The contact measures per week (see DASHBOARD_MEASURES): two queries, one for
    collections (by prescribing team) and one for appointments (by their team)."""
    team_ids = list(team_ids)
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    in_weeks = Q(due_on__gte=start, due_on__lte=last_day) & ~Q(
        outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE]
    )
    week = TruncWeek("due_on", output_field=DateField())

    def grouped(queryset, organisation_field: str):
        keys = {"week": week}
        if group == "organisation":
            keys["group_key"] = F(organisation_field)
        return queryset.values(**keys)

    first_recorded = (
        ContactOutcomeEvent.objects.filter(
            contact=OuterRef("pk"), outcome__in=[Outcome.ATTENDED, Outcome.MISSED]
        )
        .order_by("at", "pk")
        .values("at")[:1]
    )
    collections = (
        grouped(
            Contact.objects.filter(in_weeks, kind=Kind.COLLECTION, schedule__prescribing_team_id__in=team_ids)
            # Annotated before grouping, so that it is not grouped by.
            .annotate(
                first_day=TruncDate(Subquery(first_recorded, output_field=DateTimeField()), tzinfo=LONDON)
            ),
            "schedule__prescribing_team__organisation_id",
        )
        .annotate(
            due=Count("pk"),
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
            on_the_day=Count("pk", filter=Q(first_day=F("due_on"))),
        )
        .order_by()
    )
    appointments = (
        grouped(
            Contact.objects.filter(in_weeks, kind__in=APPOINTMENT_KINDS, team_id__in=team_ids),
            "team__organisation_id",
        )
        .annotate(
            people=Count("service_user", distinct=True),
            missed=Count("pk", filter=Q(outcome=Outcome.MISSED)),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in collections:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.collections_missed"][key] = Cell(row["missed"], row["people"])
        result["contacts.collections_recorded_on_the_day"][key] = Cell(
            round(100 * row["on_the_day"] / row["due"], 1), row["people"]
        )
    for row in appointments:
        key = (row.get("group_key"), week_start(row["week"]))
        result["contacts.appointments_missed"][key] = Cell(row["missed"], row["people"])
    return result
