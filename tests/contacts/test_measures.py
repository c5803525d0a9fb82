"""Contact measures for the dashboards: exact values on hand-built weeks, London Mondays,
grouping by organisation, and a constant number of queries whatever the rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dualcare.contacts import measures, services
from dualcare.contacts.models import Contact, ContactOutcomeEvent
from dualcare.dashboards.measures import Cell, collect, definitions, week_of

from .helpers import appointment, schedule

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def record(world, contact, outcome, when, by=None):
    """Record through the service, then move the event to when it happened."""
    services.contact_record(contact=contact, by=by or world.pharmacist, outcome=outcome)
    event = ContactOutcomeEvent.objects.filter(contact=contact).order_by("-at", "-pk").first()
    ContactOutcomeEvent.objects.filter(pk=event.pk).update(at=when)


@pytest.fixture
def week():
    """The Monday two weeks ago: every day of it is over."""
    return week_of(timezone.localdate()) - dt.timedelta(weeks=2)


@pytest.fixture
def hand_built(world, week):
    sched = schedule(world, start=week - dt.timedelta(days=7))
    days = [week + dt.timedelta(days=offset) for offset in range(7)]
    for day in days:
        services.collections_generate(day=day, schedule_ids=[sched.pk])
    c = {day.weekday(): Contact.objects.get(schedule=sched, due_on=day) for day in days}
    record(world, c[0], "missed", at(days[0], 10))  # on the day
    record(world, c[1], "attended", at(days[1], 23, 30))  # on the day, late evening
    record(world, c[2], "attended", at(days[3], 0, 30))  # the next morning: not on the day
    # Thursday c[3] is never recorded: not on the day.
    record(world, c[4], "cancelled_by_person", at(days[4], 9))  # cancelled: not counted at all
    record(world, c[5], "missed", at(days[5], 11))  # on the day, corrected the next day
    record(world, c[5], "attended", at(days[6], 9))
    record(world, c[6], "attended", at(days[6], 9))
    # The Monday after: a new week.
    services.collections_generate(day=week + dt.timedelta(days=7), schedule_ids=[sched.pk])
    record(
        world,
        Contact.objects.get(schedule=sched, due_on=week + dt.timedelta(days=7)),
        "missed",
        at(week + dt.timedelta(days=7), 9),
    )
    # Appointments with the North CMHT that week: one missed, one attended, one cancelled.
    for hours_into_week, outcome in ((10, "missed"), (34, "attended"), (58, "cancelled_by_service")):
        contact = appointment(world, hours=-1)
        Contact.objects.filter(pk=contact.pk).update(
            starts_at=at(week, 0) + dt.timedelta(hours=hours_into_week),
            due_on=(at(week, 0) + dt.timedelta(hours=hours_into_week)).date(),
        )
        services.contact_record(
            contact=Contact.objects.get(pk=contact.pk), by=world.keyworker_mh, outcome=outcome
        )
    return sched


class ContactMeasureTests:
    def test_the_measures_are_declared_once(self):
        found = definitions()
        for key in (
            "contacts.collections_missed",
            "contacts.collections_recorded_on_the_day",
            "contacts.appointments_missed",
        ):
            assert key in found
        assert found["contacts.collections_recorded_on_the_day"].improvement == "up"
        assert found["contacts.collections_missed"].improvement == "down"

    def test_exact_values_for_the_prescribing_team(self, world, week, hand_built):
        result = measures.weekly_measures([world.sm_team.pk], week, week + dt.timedelta(weeks=1))
        # Six collections due and not cancelled; recorded on the day: Mon, Tue, Sat (first recording), Sun.
        assert result["contacts.collections_recorded_on_the_day"][(None, week)] == Cell(66.7, 1)
        # Monday missed; Saturday was corrected to attended.
        assert result["contacts.collections_missed"][(None, week)] == Cell(1, 1)
        # The next Monday is the next week.
        next_week = week + dt.timedelta(weeks=1)
        assert result["contacts.collections_missed"][(None, next_week)] == Cell(1, 1)
        assert result["contacts.collections_recorded_on_the_day"][(None, next_week)] == Cell(100.0, 1)
        # Appointments are the CMHT's, not the prescribing team's.
        assert result["contacts.appointments_missed"] == {}

    def test_collections_belong_to_the_prescribing_team_not_the_pharmacy(self, world, week, hand_built):
        result = measures.weekly_measures([world.pharmacy_team.pk], week, week)
        assert result["contacts.collections_missed"] == {}

    def test_appointments_count_for_their_team(self, world, week, hand_built):
        result = measures.weekly_measures([world.cmht_north.pk], week, week + dt.timedelta(weeks=1))
        assert result["contacts.appointments_missed"] == {(None, week): Cell(1, 1)}

    def test_grouped_by_organisation(self, world, week, hand_built):
        result = measures.weekly_measures(
            [world.sm_team.pk, world.cmht_north.pk], week, week, group="organisation"
        )
        assert result["contacts.collections_missed"] == {(world.sm.pk, week): Cell(1, 1)}
        assert result["contacts.appointments_missed"] == {(world.mh.pk, week): Cell(1, 1)}

    def test_weeks_outside_the_range_are_left_out(self, world, week, hand_built):
        result = measures.weekly_measures(
            [world.sm_team.pk], week + dt.timedelta(weeks=1), week + dt.timedelta(weeks=1)
        )
        assert set(result["contacts.collections_missed"]) == {(None, week + dt.timedelta(weeks=1))}

    def test_today_is_not_measured_yet(self, world):
        sched = schedule(world)
        today = timezone.localdate()
        services.collections_generate(day=today, schedule_ids=[sched.pk])
        result = measures.weekly_measures([world.sm_team.pk], week_of(today), week_of(today))
        # Only today's collection exists, still being recorded: nothing to measure this week yet.
        assert (None, week_of(today)) not in result["contacts.collections_recorded_on_the_day"]

    def test_collect_reads_them_through_the_contract(self, world, week, hand_built):
        result = collect([world.sm_team.pk], week, week)
        assert result["contacts.collections_missed"][(None, week)] == Cell(1, 1)

    def test_queries_do_not_grow_with_rows(self, world, week, hand_built, django_assert_num_queries):
        teams = [world.sm_team.pk, world.cmht_north.pk]
        with django_assert_num_queries(2):
            measures.weekly_measures(teams, week - dt.timedelta(weeks=8), week, group="organisation")
        # Many more collections and appointments, over more weeks.
        sched = schedule(world, start=week - dt.timedelta(weeks=8))
        for offset in range(1, 50):
            services.collections_generate(day=week - dt.timedelta(days=offset), schedule_ids=[sched.pk])
        for _ in range(10):
            appointment(world, hours=-30)
        with django_assert_num_queries(2):
            result = measures.weekly_measures(teams, week - dt.timedelta(weeks=8), week, group="organisation")
        assert len(result["contacts.collections_recorded_on_the_day"]) >= 8
