"""Alert measures in the locality view: each alert is about one person, so a cell worked out
from 1 to 4 alerts is suppressed like any other small number (with a complementary cell)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from dualcare.dashboards import selectors as dashboards
from dualcare.dashboards.measures import definitions
from dualcare.notifications import services
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
_keys = itertools.count()


def alerts(team, recipient, how_many, *, on: dt.date):
    """`how_many` unacknowledged alerts for `team`, sent on `on` (so over 24 hours old)."""
    for _ in range(how_many):
        row = services.notify(
            event_key=f"test:locality:{next(_keys)}",
            recipients=[recipient],
            kind="test.alert",
            subject="A missed collection",
            team=team,
            channels=("in_app",),
        )[0]
        Notification.objects.filter(pk=row.pk).update(
            created_at=dt.datetime.combine(on, dt.time(10), tzinfo=LONDON)
        )


def row_for(locality, key, week):
    measure = next(m for m in locality.measures if m.definition.key == key)
    return next(w for w in measure.weeks if w.week == week)


@pytest.fixture
def last_week(world):
    period = dashboards.period_for()
    tuesday = period.last + dt.timedelta(days=1)
    # The drug and alcohol service: 3 alerts (small); the trust: 8.
    alerts(world.sm_team, world.keyworker_sm, 3, on=tuesday)
    alerts(world.cmht_north, world.keyworker_mh, 8, on=tuesday)
    return period


class AlertSuppressionTests:
    def test_the_alert_and_contact_measures_count_people(self):
        found = definitions()
        for key in (
            "alerts.acknowledged_within_24_hours",
            "alerts.hours_to_acknowledge",
            "alerts.urgent_escalated",
            "contacts.collections_missed",
            "contacts.collections_recorded_on_the_day",
            "contacts.appointments_missed",
        ):
            assert found[key].counts_people, key

    def test_a_cell_from_fewer_than_five_alerts_is_suppressed(self, world, last_week):
        locality = dashboards.locality(last_week)
        orgs = [o.pk for o in locality.organisations]
        week = row_for(locality, "alerts.acknowledged_within_24_hours", last_week.last)
        sm_cell, mh_cell = week.cells[orgs.index(world.sm.pk)], week.cells[orgs.index(world.mh.pk)]
        assert sm_cell.suppressed and sm_cell.value is None and sm_cell.n is None
        # Complementary: the trust's 8 would give the 3 away by subtraction from the total, which
        # (the two hidden cells together counting 11) is shown.
        assert mh_cell.suppressed
        assert not week.total.suppressed and week.total.n == 11

    def test_five_or_more_alerts_are_shown(self, world, last_week):
        alerts(world.sm_team, world.keyworker_sm, 2, on=last_week.last + dt.timedelta(days=2))
        locality = dashboards.locality(last_week)
        orgs = [o.pk for o in locality.organisations]
        week = row_for(locality, "alerts.acknowledged_within_24_hours", last_week.last)
        sm_cell = week.cells[orgs.index(world.sm.pk)]
        assert not sm_cell.suppressed and (sm_cell.value, sm_cell.n) == (0.0, 5)
        assert (week.total.value, week.total.n) == (0.0, 13)

    def test_the_page_shows_no_small_alert_counts(self, world, last_week, login):
        # The locality draws one section at a time: the alerts are under "Contacts and alerts".
        url = reverse("dashboards:locality") + "?section=contacts-and-alerts"
        page = login(world.manager_sm).get(url).content.decode()
        table = page[page.index("Alerts acknowledged within 24 hours, by week") :]
        table = table[: table.index("</table>")]
        last = table[table.rindex("<tr") :]
        assert "(of 3)" not in last and "(of 8)" not in last and "(of 11)" in last
        assert last.count("fewer than 5") == 2
