"""Alert measures for the dashboards: exact values on hand-built alerts, London Mondays across
the summer-time boundary, grouping by organisation, constant queries."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from dualcare.dashboards.measures import Cell, definitions
from dualcare.notifications import measures, services
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
# A week in British Summer Time, so a London Monday starts at 23:00 UTC on the Sunday.
WEEK = dt.date(2026, 6, 1)
WEEK_BEFORE = dt.date(2026, 5, 25)
_keys = itertools.count()


def alert(
    world,
    *,
    created,
    team=None,
    recipient=None,
    urgent=False,
    acknowledged_after=None,
    by=None,
    escalated=False,
):
    recipient = recipient or world.keyworker_sm
    rows = services.notify(
        event_key=f"test:measure:{next(_keys)}",
        recipients=[recipient],
        kind="test.alert",
        subject="Something to act on",
        priority=Notification.Priority.URGENT if urgent else Notification.Priority.NORMAL,
        team=world.sm_team if team is None else team or None,
        channels=("in_app",),
    )
    row = rows[0]
    Notification.objects.filter(pk=row.pk).update(created_at=created)
    if acknowledged_after is not None:
        services.alert_acknowledge(alert=row, by=recipient, note="Phoned them.")
        Notification.objects.filter(pk=row.pk).update(
            acknowledged_at=created + acknowledged_after, acknowledged_by=by or recipient
        )
    if escalated:
        Notification.objects.filter(pk=row.pk).update(escalated_at=created + dt.timedelta(hours=4))
    return row


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def hand_built(world):
    alert(world, created=at(WEEK, 0, 30), acknowledged_after=dt.timedelta(hours=2))  # Mon 00:30 BST
    alert(world, created=at(WEEK, 14) + dt.timedelta(days=1), acknowledged_after=dt.timedelta(hours=30))
    alert(world, created=at(WEEK, 9) + dt.timedelta(days=2))  # never acknowledged
    alert(
        world,
        created=at(WEEK, 9) + dt.timedelta(days=3),
        urgent=True,
        escalated=True,
        acknowledged_after=dt.timedelta(hours=6),
    )
    # Closed by the event for everyone (recorded later by the pharmacist): not in the timings.
    alert(
        world,
        created=at(WEEK, 9) + dt.timedelta(days=4),
        acknowledged_after=dt.timedelta(minutes=5),
        by=world.pharmacist,
    )
    alert(world, created=at(WEEK, 0) - dt.timedelta(minutes=30))  # Sunday 23:30 BST: the week before
    alert(world, created=at(WEEK, 10), team=False)  # no team: not a team alert
    alert(world, created=at(WEEK, 10), team=world.cmht_north, recipient=world.keyworker_mh)


class AlertMeasureTests:
    def test_the_measures_are_declared(self):
        found = definitions()
        assert found["alerts.acknowledged_within_24_hours"].improvement == "up"
        assert found["alerts.hours_to_acknowledge"].improvement == "down"
        assert found["alerts.urgent_escalated"].improvement == "down"

    def test_exact_values(self, world, hand_built):
        result = measures.weekly_measures([world.sm_team.pk], WEEK_BEFORE, WEEK)
        # Four timed (the one closed by the event is left out); in time: 2 h and 6 h.
        assert result["alerts.acknowledged_within_24_hours"][(None, WEEK)] == Cell(50.0, 4)
        # (2 + 30 + 6) / 3 hours.
        assert result["alerts.hours_to_acknowledge"][(None, WEEK)] == Cell(12.7, 3)
        assert result["alerts.urgent_escalated"][(None, WEEK)] == Cell(1, 1)

    def test_informational_alerts_are_read_not_timed(self, world, hand_built):
        # "A care plan has been agreed" asks for no acknowledgement: never counted as late.
        rows = services.notify(
            event_key="test:measure:info",
            recipients=[world.keyworker_sm],
            kind="careplan.agreed",
            subject="A care plan has been agreed",
            service_user=world.service_user,
            team=world.sm_team,
            channels=("in_app",),
        )
        Notification.objects.filter(pk=rows[0].pk).update(created_at=at(WEEK, 11))
        result = measures.weekly_measures([world.sm_team.pk], WEEK_BEFORE, WEEK)
        assert result["alerts.acknowledged_within_24_hours"][(None, WEEK)] == Cell(50.0, 4)

    def test_sunday_night_in_london_is_the_week_before(self, world, hand_built):
        result = measures.weekly_measures([world.sm_team.pk], WEEK_BEFORE, WEEK)
        assert result["alerts.acknowledged_within_24_hours"][(None, WEEK_BEFORE)] == Cell(0.0, 1)
        assert (None, WEEK_BEFORE) not in result["alerts.hours_to_acknowledge"]
        assert result["alerts.urgent_escalated"][(None, WEEK_BEFORE)] == Cell(0, 0)

    def test_only_the_teams_asked_for(self, world, hand_built):
        result = measures.weekly_measures([world.cmht_north.pk], WEEK, WEEK)
        assert result["alerts.acknowledged_within_24_hours"] == {(None, WEEK): Cell(0.0, 1)}

    def test_grouped_by_organisation(self, world, hand_built):
        result = measures.weekly_measures(
            [world.sm_team.pk, world.cmht_north.pk], WEEK, WEEK, group="organisation"
        )
        assert set(result["alerts.acknowledged_within_24_hours"]) == {
            (world.sm.pk, WEEK),
            (world.mh.pk, WEEK),
        }
        assert result["alerts.acknowledged_within_24_hours"][(world.sm.pk, WEEK)] == Cell(50.0, 4)

    def test_alerts_to_service_users_are_not_counted(self, world):
        alert(world, created=at(WEEK, 10), recipient=world.service_user_login)
        assert measures.weekly_measures([world.sm_team.pk], WEEK, WEEK)["alerts.urgent_escalated"] == {}

    def test_queries_do_not_grow_with_rows(self, world, hand_built, django_assert_num_queries):
        with django_assert_num_queries(1):
            measures.weekly_measures([world.sm_team.pk], WEEK_BEFORE, WEEK, group="organisation")
        for day in range(40):
            alert(
                world,
                created=at(WEEK_BEFORE, 8) - dt.timedelta(days=day),
                acknowledged_after=dt.timedelta(hours=day),
            )
        with django_assert_num_queries(1):
            result = measures.weekly_measures(
                [world.sm_team.pk], WEEK_BEFORE - dt.timedelta(weeks=8), WEEK, group="organisation"
            )
        assert len(result["alerts.hours_to_acknowledge"]) >= 6
