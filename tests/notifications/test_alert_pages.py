"""Alerts at volume: the list and an alert name the person and the team for a viewer who may see
that person now (audited, one insert), else "Open the record to see who"; emails stay free of
personal data. Filters by person, kind and team, in SQL, with the count; "Mark selected as read"
in one service call; the list's query count does not grow with the alerts."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.contacts import services as contact_services
from dualcare.notifications import kinds, services
from dualcare.notifications.models import Notification
from tests.contacts.helpers import collection, schedule

pytestmark = pytest.mark.django_db
LIST = reverse("alerts:list")


def alert(world, person, *, to=None, kind="contacts.missed_appointment", team=None, key=None):
    rows = services.notify(
        event_key=key or f"test:{kind}:{person.pk}:{(to or world.keyworker_sm).pk}",
        recipients=[to or world.keyworker_sm],
        kind=kind,
        subject="Missed supervised-consumption collection on Tuesday 1 December",
        body="Open the record to see who.",
        url=f"/people/{person.pk}/",
        service_user=person,
        team=team or world.sm_team,
        channels=("in_app",),
    )
    return rows[0]


def main(response) -> str:
    return response.content.decode().split("<main", 1)[-1]


class NamingTests:
    def test_a_missed_collection_alert_records_its_person_and_the_email_does_not_name_them(self, world):
        due = collection(world, schedule(world), timezone.localdate())
        contact_services.contact_record(contact=due, by=world.pharmacist, outcome="missed")
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(due.pk))
        assert rows and all(row.service_user_id == world.service_user.pk for row in rows)
        for row in rows.filter(channel="email"):
            services.notification_deliver(notification_id=row.pk)
        assert mail.outbox
        for message in mail.outbox:
            assert "Sam" not in message.body and "Testwell" not in message.body
            assert "Sam" not in message.subject and "Testwell" not in message.subject

    def test_the_scans_that_raise_alerts_record_their_person(self, world):
        import datetime as dt

        from careplans import services as careplan_services
        from careplans.models import CarePlan
        from tests.careplans.helpers import shared_plan

        contact_services.disengagement_scan(now=timezone.now() + dt.timedelta(days=40))
        disengaged = Notification.objects.filter(
            kind="contacts.disengaged", url=f"/people/{world.service_user.pk}/"
        )
        assert disengaged and all(row.service_user_id == world.service_user.pk for row in disengaged)
        shared_plan(world)
        careplan_services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        plan = CarePlan.objects.get(service_user=world.service_user)
        careplan_services.careplans_remind_reviews_due(today=plan.review_due)
        reviews = Notification.objects.filter(kind="careplan.review_due")
        assert reviews and all(row.service_user_id == world.service_user.pk for row in reviews)

    def test_the_list_names_the_person_and_team_for_a_viewer_who_may_see_them(self, world, login):
        row = alert(world, world.service_user)
        before = AuditEvent.objects.count()
        page = main(login(world.keyworker_sm).get(LIST))
        assert "Sam Testwell" in page and f'href="/people/{world.service_user.pk}/"' in page
        assert "for Recovery Team" in page and "Open the record to see who" not in page
        read = AuditEvent.objects.filter(action="alert.list")
        assert AuditEvent.objects.count() == before + 1
        assert read.get().service_user_id == world.service_user.pk and read.get().detail == {"records": 1}
        detail = main(login(world.keyworker_sm).get(reverse("alerts:detail", kwargs={"pk": row.pk})))
        assert "Sam Testwell" in detail and "Recovery Team" in detail
        assert AuditEvent.objects.filter(action="alert.view", service_user=world.service_user).exists()

    def test_someone_who_may_not_see_the_person_is_not_told_who(self, world, login):
        # keyworker.sm is not involved with Alex (North CMHT only).
        row = alert(world, world.mh_only)
        page = main(login(world.keyworker_sm).get(LIST))
        assert "Alex" not in page and "Sampleton" not in page and "Open the record to see who" in page
        detail = main(login(world.keyworker_sm).get(reverse("alerts:detail", kwargs={"pk": row.pk})))
        assert "Sampleton" not in detail and "Open the record to see who" in detail
        assert not AuditEvent.objects.filter(action__in=["alert.list", "alert.view"]).exists()

    def test_the_page_names_the_person_without_saying_to_open_the_record_to_see_who(self, world, login):
        due = collection(world, schedule(world), timezone.localdate())
        contact_services.contact_record(contact=due, by=world.pharmacist, outcome="missed")
        row = Notification.objects.get(
            kind="contacts.missed_collection", recipient=world.keyworker_sm, channel="in_app"
        )
        assert "Open the record to see who." in row.body  # the email's person-free words stay
        detail = main(login(world.keyworker_sm).get(reverse("alerts:detail", kwargs={"pk": row.pk})))
        assert "About <a" in detail and "Sam Testwell" in detail
        assert "Open the record to see who" not in detail

    def test_a_referral_alert_records_its_person_for_the_filter(self, world, login):
        from tests.referrals.helpers import make_referral

        referral = make_referral(world)
        rows = Notification.objects.filter(kind="referral.received")
        assert rows and all(row.service_user_id == referral.service_user_id for row in rows)
        page = main(login(world.keyworker_mh).get(LIST, {"person": str(referral.service_user_id)}))
        assert "New routine referral for North CMHT" in page

    @pytest.mark.parametrize(
        "kind", [kind for kind in kinds.ALERT_KINDS if kinds.about_person(kind) and not kind.endswith(".")]
    )
    def test_an_alert_about_a_person_is_refused_without_them(self, world, kind):
        with pytest.raises(ValueError, match="is about a person"):
            services.notify(
                event_key=f"test:{kind}",
                recipients=[world.keyworker_sm],
                kind=kind,
                subject="Something happened",
            )
        assert not Notification.objects.exists()


class InformationalTests:
    def test_an_informational_alert_is_read_not_acknowledged(self, world, login):
        row = alert(world, world.service_user, kind="careplan.agreed")
        client = login(world.keyworker_sm)
        url = reverse("alerts:detail", kwargs={"pk": row.pk})
        page = main(client.get(url))
        assert "What did you do?" not in page and "needs no action" in page
        client.post(url, {"note": "Read it"})
        row.refresh_from_db()
        assert row.read_at is not None and row.acknowledged_at is None
        assert "For information" not in main(client.get(LIST))  # read: no longer to deal with
        assert "For information" in main(client.get(LIST + "?state=acknowledged"))

    def test_an_alert_needing_action_asks_what_was_done(self, world, login):
        row = alert(world, world.service_user)
        page = main(login(world.keyworker_sm).get(reverse("alerts:detail", kwargs={"pk": row.pk})))
        assert "What did you do?" in page


class FilterTests:
    def test_filter_by_person_kind_and_team_with_the_count(self, world, login):
        alert(world, world.service_user)
        alert(world, world.sm_only)
        alert(world, world.sm_only, kind="careplan.changes")
        alert(world, world.sm_only, team=world.pharmacy_team, key="test:pharmacy")
        client = login(world.keyworker_sm)
        page = main(client.get(LIST))
        assert "4 alerts" in page
        by_person = main(client.get(LIST, {"person": world.sm_only.pk}))
        assert "3 alerts" in by_person and "match the filters" in by_person
        by_kind = main(client.get(LIST, {"kind": "careplan.changes"}))
        assert "1 alert " in by_kind or "1 alert<" in by_kind
        by_team = main(client.get(LIST, {"team": world.pharmacy_team.pk}))
        assert "1 alert" in by_team and "for Dispensary" in by_team
        both = main(client.get(LIST, {"person": world.sm_only.pk, "team": world.sm_team.pk}))
        assert "2 alerts" in both

    def test_a_person_not_in_the_list_is_a_field_error_not_a_leak(self, world, login):
        alert(world, world.service_user)
        alert(world, world.mh_only)  # not visible to keyworker.sm: not a choice
        client = login(world.keyworker_sm)
        page = main(client.get(LIST))
        assert "Sampleton" not in page
        response = client.get(LIST, {"person": world.mh_only.pk})
        assert response.status_code == 200
        assert "Choose a person from the list." in main(response) and "Sampleton" not in main(response)
        assert "Choose a person from the list." in main(client.get(LIST, {"person": "not-a-uuid"}))

    def test_the_query_count_does_not_grow_with_the_alerts(self, world, login, django_assert_num_queries):
        client = login(world.keyworker_sm)
        for number in range(3):
            alert(world, world.service_user, key=f"test:few:{number}")
        client.get(LIST)
        with django_assert_num_queries(QUERIES):
            client.get(LIST)
        for number in range(20):
            alert(world, world.sm_only if number % 2 else world.service_user, key=f"test:many:{number}")
        with django_assert_num_queries(QUERIES):
            assert "23 alerts" in main(client.get(LIST))


# Session and user; filter choices (people, kinds, teams); the count and the page; the acting
# organisations and the one audit insert; the unread counts (page and header); the user's roles
# (header); the session saved (savepoint, update, release).
QUERIES = 15


class MarkSelectedTests:
    def test_mark_selected_as_read_in_one_call(self, world, login):
        first = alert(world, world.service_user, key="a")
        second = alert(world, world.sm_only, key="b")
        third = alert(world, world.sm_only, key="c")
        others = alert(world, world.service_user, to=world.keyworker_mh, team=world.cmht_north, key="d")
        client = login(world.keyworker_sm)
        refused = client.post(LIST, {"alerts": [first.pk, others.pk]})
        assert refused.status_code == 200 and "Select only alerts from this list." in main(refused)
        assert not Notification.objects.filter(read_at__isnull=False).exists()
        response = client.post(LIST + "?state=open", {"alerts": [first.pk, second.pk]})
        assert response.status_code == 302 and response["Location"] == LIST + "?state=open"
        assert "2 alerts marked as read." in main(client.get(response["Location"]))
        states = {row.pk: row.read_at for row in Notification.objects.all()}
        assert states[first.pk] and states[second.pk]
        assert states[third.pk] is None and states[others.pk] is None

    def test_nothing_selected_is_a_field_error(self, world, login):
        alert(world, world.service_user)
        response = login(world.keyworker_sm).post(LIST, {})
        assert response.status_code == 200
        page = main(response)
        assert "Select at least one alert to mark as read." in page and 'href="#alerts_0"' in page
        assert not Notification.objects.filter(read_at__isnull=False).exists()
