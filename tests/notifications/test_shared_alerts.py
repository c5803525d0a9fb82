"""An urgent alert told to several people on a team's behalf is one thing to deal with: the
first acknowledgement answers it for all of them (who dealt with it is shown to the others), and
when nobody acknowledges in time the managers get one escalation for the event, not one per
person told. Exactly once under two scans, and (on PostgreSQL) under two threads."""

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from dualcare.exceptions import ApplicationError
from dualcare.notifications import measures, services
from dualcare.notifications.models import Notification
from dualcare.people.models import StaffRole
from tests.contacts.test_exactly_once import in_threads
from tests.factories import staff

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(hours=5)


@pytest.fixture
def team_of_three(world):
    """The Recovery Team: two key workers and its manager, all told about the urgent alert."""
    world.keyworker_sm2 = staff("keyworker.sm2", world.sm_team, StaffRole.Role.KEY_WORKER)
    return world


def urgent(world, recipients=None, key="test:urgent:shared", after=dt.timedelta(hours=4)):
    rows = services.notify(
        event_key=key,
        recipients=recipients or [world.keyworker_sm, world.keyworker_sm2, world.manager_sm],
        kind="test.urgent",
        subject="Review before the next dose",
        body="Three collections missed.",
        url="/people/x/",
        priority=Notification.Priority.URGENT,
        team=world.sm_team,
        escalate_after=after,
    )
    return {row.recipient.username: row for row in rows if row.channel == "in_app"}


def escalations():
    return Notification.objects.filter(kind="alert.escalated", channel="in_app")


class SharedAcknowledgementTests:
    def test_one_acknowledgement_answers_it_for_everyone_told(self, team_of_three):
        rows = urgent(team_of_three)
        services.alert_acknowledge(
            alert=rows["keyworker.sm2"], by=team_of_three.keyworker_sm2, note="Phoned the prescriber."
        )
        for username in ("keyworker.sm", "manager.sm"):
            row = Notification.objects.get(pk=rows[username].pk)
            assert row.acknowledged_by == team_of_three.keyworker_sm2
            assert row.acknowledgement_note == "Phoned the prescriber."
            assert row.acknowledged_by_someone_else
            # Nobody is credited with a time they did not spend.
            assert row.time_to_acknowledge is None
            # Still shown as new to them: they should see that a colleague dealt with it.
            assert row.read_at is None
        own = Notification.objects.get(pk=rows["keyworker.sm2"].pk)
        assert not own.acknowledged_by_someone_else and own.time_to_acknowledge is not None

    def test_nothing_escalates_once_anyone_acknowledged(self, team_of_three):
        rows = urgent(team_of_three)
        services.alert_acknowledge(alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Done")
        assert services.notifications_escalate(now=timezone.now() + LATER) == 0
        assert not escalations().exists()

    def test_a_colleague_cannot_acknowledge_it_again_and_is_told_who_did(self, team_of_three):
        rows = urgent(team_of_three)
        services.alert_acknowledge(alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Done")
        with pytest.raises(ApplicationError) as refused:
            services.alert_acknowledge(
                alert=rows["keyworker.sm2"], by=team_of_three.keyworker_sm2, note="Me too"
            )
        assert team_of_three.keyworker_sm.display_name in refused.value.message
        assert Notification.objects.get(pk=rows["keyworker.sm2"].pk).acknowledgement_note == "Done"

    def test_a_normal_alert_needing_action_is_answered_for_the_team_too(self, team_of_three):
        rows = services.notify(
            event_key="test:normal:1",
            recipients=[team_of_three.keyworker_sm, team_of_three.keyworker_sm2],
            kind="contacts.missed_appointment",
            subject="A missed appointment",
            service_user=team_of_three.service_user,
            team=team_of_three.sm_team,
            channels=("in_app",),
        )
        mine = next(row for row in rows if row.recipient_id == team_of_three.keyworker_sm.pk)
        services.alert_acknowledge(alert=mine, by=team_of_three.keyworker_sm, note="Done")
        other = next(row for row in rows if row.recipient_id == team_of_three.keyworker_sm2.pk)
        other.refresh_from_db()
        assert other.acknowledged_by == team_of_three.keyworker_sm and other.acknowledged_by_someone_else

    def test_an_informational_alert_is_read_by_each_person_not_acknowledged(self, team_of_three):
        rows = services.notify(
            event_key="test:info:1",
            recipients=[team_of_three.keyworker_sm, team_of_three.keyworker_sm2],
            kind="careplan.agreed",
            subject="A care plan has been agreed",
            service_user=team_of_three.service_user,
            team=team_of_three.sm_team,
            channels=("in_app",),
        )
        mine = next(row for row in rows if row.recipient_id == team_of_three.keyworker_sm.pk)
        assert not mine.needs_action
        with pytest.raises(ApplicationError, match="mark it as read"):
            services.alert_acknowledge(alert=mine, by=team_of_three.keyworker_sm, note="Read it")
        assert services.alerts_mark_read(user=team_of_three.keyworker_sm, ids=[row.pk for row in rows]) == 1
        states = {row.recipient_id: row for row in Notification.objects.filter(event_key="test:info:1")}
        assert states[team_of_three.keyworker_sm.pk].read_at is not None
        assert states[team_of_three.keyworker_sm2.pk].read_at is None
        assert all(row.acknowledged_at is None for row in states.values())

    def test_another_teams_rows_of_the_same_event_are_not_touched(self, team_of_three):
        rows = urgent(team_of_three)
        other_team = services.notify(
            event_key="test:urgent:shared",
            recipients=[team_of_three.keyworker_mh],
            kind="test.urgent",
            subject="Review before the next dose",
            priority=Notification.Priority.URGENT,
            team=team_of_three.cmht_north,
            escalate_after=dt.timedelta(hours=4),
            channels=("in_app",),
        )[0]
        services.alert_acknowledge(alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Done")
        other_team.refresh_from_db()
        assert other_team.acknowledged_at is None

    def test_the_others_see_who_dealt_with_it_and_what_they_did(self, team_of_three, login):
        rows = urgent(team_of_three)
        services.alert_acknowledge(
            alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Visited at home."
        )
        client = login(team_of_three.keyworker_sm2)
        who = team_of_three.keyworker_sm.display_name
        listing = client.get(reverse("alerts:list") + "?state=acknowledged").content.decode()
        assert f"Dealt with by {who}" in listing
        page = client.get(reverse("alerts:detail", kwargs={"pk": rows["keyworker.sm2"].pk})).content.decode()
        assert f"Dealt with by {who}" in page and "Visited at home." in page
        assert "You acknowledged this" not in page and "<form" not in page.split("<main", 1)[-1]
        body = client.get(f"/api/v1/alerts/{rows['keyworker.sm2'].pk}/").json()
        assert body["acknowledged_by_someone_else"] is True
        assert body["acknowledged_by"] == who and body["seconds_to_acknowledge"] is None


class OneEscalationPerEventTests:
    def test_nobody_acknowledged_the_managers_hear_once(self, team_of_three):
        urgent(team_of_three)
        assert services.notifications_escalate(now=timezone.now()) == 0
        assert services.notifications_escalate(now=timezone.now() + LATER) == 1
        assert services.notifications_escalate(now=timezone.now() + LATER) == 0
        # The manager was told too, with colleagues: they still hear that nobody acknowledged it.
        assert list(escalations().values_list("recipient__username", flat=True)) == ["manager.sm"]
        escalation = escalations().get()
        assert "3 members of Recovery Team" in escalation.body
        # Every row of the event is marked escalated, so no later scan picks one up.
        assert not Notification.objects.filter(
            event_key="test:urgent:shared", channel="in_app", escalated_at__isnull=True
        ).exists()

    def test_two_scans_one_after_the_other_escalate_once(self, team_of_three):
        urgent(team_of_three)
        later = timezone.now() + LATER
        assert sorted(services.notifications_escalate(now=later) for _ in range(2)) == [0, 1]
        assert escalations().count() == 1

    def test_a_manager_told_alone_is_not_told_again(self, world):
        urgent(world, recipients=[world.manager_sm])
        assert services.notifications_escalate(now=timezone.now() + LATER) == 0
        assert not escalations().exists()

    def test_a_row_added_after_an_acknowledgement_is_closed_not_escalated(self, team_of_three):
        rows = urgent(team_of_three, recipients=[team_of_three.keyworker_sm])
        services.alert_acknowledge(alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Done")
        # The same event told again later (a fourth miss of the same run) to a new colleague.
        late = urgent(team_of_three, recipients=[team_of_three.keyworker_sm2])["keyworker.sm2"]
        assert services.notifications_escalate(now=timezone.now() + LATER) == 0
        late.refresh_from_db()
        assert late.acknowledged_by == team_of_three.keyworker_sm and late.acknowledgement_note == "Done"

    def test_the_escalated_measure_counts_events_and_the_timing_the_person_who_acted(self, team_of_three):
        rows = urgent(team_of_three, key="test:urgent:a")
        urgent(team_of_three, key="test:urgent:b")
        services.notifications_escalate(now=timezone.now() + LATER)
        services.alert_acknowledge(alert=rows["keyworker.sm"], by=team_of_three.keyworker_sm, note="Done")
        week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
        result = measures.weekly_measures([team_of_three.sm_team.pk], week, week)
        cell = next(iter(result["alerts.urgent_escalated"].values()))
        assert (cell.value, cell.n) == (2, 2)
        # One acknowledgement, by the person told; the colleagues' closed rows are not timed.
        assert next(iter(result["alerts.hours_to_acknowledge"].values())).n == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="A real race needs row locks: run with DATABASE_URL pointing at PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class RaceTests:
    def test_two_scans_at_once_escalate_each_event_once(self, team_of_three):
        urgent(team_of_three, key="test:race:a")
        urgent(team_of_three, key="test:race:b")
        later = timezone.now() + LATER
        results = in_threads(2, lambda: services.notifications_escalate(now=later))
        assert sum(results) == 2
        assert escalations().count() == 2
        assert sorted(escalations().values_list("recipient__username", flat=True)) == ["manager.sm"] * 2

    def test_an_acknowledgement_and_a_scan_at_once_never_escalate_an_answered_alert(self, team_of_three):
        rows = urgent(team_of_three, after=dt.timedelta(seconds=-1))
        alert = rows["keyworker.sm"]

        def acknowledge():
            services.alert_acknowledge(
                alert=Notification.objects.get(pk=alert.pk), by=team_of_three.keyworker_sm, note="Done"
            )
            return "acknowledged"

        def scan():
            return services.notifications_escalate()

        barrier_work = iter([acknowledge, scan])
        in_threads(2, lambda: next(barrier_work)())
        event = Notification.objects.filter(event_key="test:urgent:shared", channel="in_app")
        assert all(row.acknowledged_by_id == team_of_three.keyworker_sm.pk for row in event)
        if escalations().exists():
            # The scan went first: the escalation was sent before anyone acknowledged.
            assert all(row.escalated_at <= row.acknowledged_at for row in event)
        assert escalations().count() <= 1
