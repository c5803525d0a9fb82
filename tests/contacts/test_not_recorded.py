"""A collection left unrecorded after its day: one "not recorded" alert per collection, once.

Also the prescribing team's rule: it hears of a missed (or unrecorded) dose of its own
prescription even without the person's contacts consent; other agencies only with it."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from dualcare.contacts import services, tasks
from dualcare.contacts.models import Contact, ContactRules
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope

from .helpers import collection, schedule
from .test_exactly_once import in_threads

KIND = "contacts.collection_not_recorded"


def told(kind=KIND, **filters):
    return set(
        Notification.objects.filter(kind=kind, channel="in_app", **filters).values_list(
            "recipient__username", flat=True
        )
    )


def morning_after(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(hour, minute)))


@pytest.fixture
def yesterdays(world):
    return collection(world, schedule(world), timezone.localdate() - dt.timedelta(days=1))


@pytest.mark.django_db
class NotRecordedTests:
    def test_nothing_before_the_morning_after(self, world, yesterdays):
        assert services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on, 8, 59)) == 0
        assert not told()

    def test_the_morning_after_it_tells_the_pharmacy_and_the_care_team_once(self, world, yesterdays):
        now = morning_after(yesterdays.due_on)
        assert services.collections_not_recorded_scan(now=now) == 1
        assert services.collections_not_recorded_scan(now=now + dt.timedelta(hours=3)) == 0
        # sm holds contacts consent and prescribes; mh has no contacts consent: not told.
        assert told() == {"pharmacist", "keyworker.sm", "manager.sm"}
        assert Notification.objects.filter(kind=KIND, channel="in_app").count() == 3
        pharmacist_row = Notification.objects.get(kind=KIND, recipient=world.pharmacist, channel="in_app")
        assert pharmacist_row.url == "/contacts/pharmacy/#not-recorded"
        assert pharmacist_row.team_id == world.pharmacy_team.pk
        assert Notification.objects.get(
            kind=KIND, recipient=world.keyworker_sm, channel="in_app"
        ).team_id == (world.sm_team.pk)

    def test_the_wording_says_not_recorded_not_missed_and_names_nobody(self, world, yesterdays):
        services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on))
        for row in Notification.objects.filter(kind=KIND):
            text = row.subject + " " + row.body
            assert row.subject.startswith("Not recorded")
            assert "does not mean it was missed" in row.body
            assert "Missed" not in row.subject
            assert "Sam" not in text and "Testwell" not in text

    def test_a_recorded_collection_raises_nothing(self, world, yesterdays):
        services.contact_record(contact=yesterdays, by=world.pharmacist, outcome="attended")
        assert services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on)) == 0
        assert not told()

    def test_the_pharmacy_organisation_sets_the_hour(self, world, yesterdays):
        ContactRules.objects.create(organisation=world.pharmacy_org, not_recorded_alert_hour=12)
        assert services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on, 11, 59)) == 0
        assert services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on, 12)) == 1

    def test_collections_older_than_a_week_are_set_aside_without_an_alert(self, world):
        old = collection(
            world,
            schedule(world, start=timezone.localdate() - dt.timedelta(days=30)),
            (timezone.localdate() - dt.timedelta(days=9)),
        )
        assert services.collections_not_recorded_scan() == 0
        old.refresh_from_db()
        assert old.not_recorded_checked_at is not None
        assert not told()

    def test_recording_it_later_acknowledges_the_alert_for_everyone_told(self, world, yesterdays):
        services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on))
        services.contact_record(contact=yesterdays, by=world.pharmacist, outcome="attended")
        rows = Notification.objects.filter(kind=KIND, channel="in_app")
        assert rows.count() == 3
        assert all(row.acknowledged_at is not None for row in rows)
        assert {row.acknowledgement_note for row in rows} == {"Recorded later as collected."}
        assert {row.acknowledged_by_id for row in rows} == {world.pharmacist.pk}

    def test_recorded_later_as_missed_the_missed_alert_follows(self, world, yesterdays):
        services.collections_not_recorded_scan(now=morning_after(yesterdays.due_on))
        services.contact_record(contact=yesterdays, by=world.pharmacist, outcome="missed")
        assert told("contacts.missed_collection") == {"keyworker.sm", "manager.sm"}
        assert not Notification.objects.filter(
            kind=KIND, acknowledged_at__isnull=True, channel="in_app"
        ).exists()

    def test_the_task_run_twice_alerts_once(self, world):
        # The task uses the real clock: a collection two days ago is past any morning-after hour.
        two_days_ago = timezone.localdate() - dt.timedelta(days=2)
        collection(world, schedule(world), two_days_ago)
        assert tasks.collections_not_recorded_scan.apply().get() == 1
        assert tasks.collections_not_recorded_scan.apply().get() == 0
        assert (
            Notification.objects.filter(kind=KIND, recipient=world.keyworker_sm, channel="in_app").count()
            == 1
        )

    def test_the_pharmacy_page_lists_it_to_record(self, client, world, yesterdays):
        client.force_login(world.pharmacist)
        page = client.get("/contacts/pharmacy/").content.decode()
        assert 'id="not-recorded"' in page and "Not recorded from earlier days (1)" in page
        assert f'action="/contacts/{yesterdays.pk}/record/"' in page
        response = client.post(
            f"/contacts/{yesterdays.pk}/record/",
            {"outcome": "attended", "return_to": "pharmacy"},
            follow=True,
        )
        assert "Not recorded from earlier days" not in response.content.decode()


@pytest.mark.django_db
class PrescriberToldWithoutConsentTests:
    """DESIGN.md rule 2 is about information crossing to *other* organisations. The prescribing
    team owns the prescription being supervised, so it always hears of a missed dose; the other
    involved agencies hear only with the person's contacts consent."""

    def mh_prescribed(self, world):
        return services.supervised_consumption_start(
            by=world.keyworker_mh,
            service_user=world.service_user,
            pharmacy_team=world.pharmacy_team,
            prescribing_team=world.cmht_north,
            medicine="Buprenorphine sublingual tablets",
            dose="8",
            start=timezone.localdate() - dt.timedelta(days=3),
        )

    def test_the_prescriber_without_consent_is_told_of_a_miss(self, world):
        assert not Consent.objects.filter(organisation=world.mh, scope=Scope.CONTACTS).exists()
        contact = collection(world, self.mh_prescribed(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        # The CMHT prescribes (no consent): its clinical staff. sm has consent: its key worker.
        # manager.sm is neither prescriber nor key worker nor link worker: not told.
        assert told("contacts.missed_collection") == {"keyworker.mh", "linkworker.mh", "keyworker.sm"}

    def test_an_agency_whose_consent_is_withdrawn_stops_hearing(self, world):
        consent = Consent.objects.get(organisation=world.sm, scope=Scope.CONTACTS, withdrawn_at__isnull=True)
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        contact = collection(world, self.mh_prescribed(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        assert told("contacts.missed_collection") == {"keyworker.mh", "linkworker.mh"}

    def test_the_same_gating_applies_to_not_recorded(self, world):
        consent = Consent.objects.get(organisation=world.sm, scope=Scope.CONTACTS, withdrawn_at__isnull=True)
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        day = timezone.localdate() - dt.timedelta(days=1)
        collection(world, self.mh_prescribed(world), day)
        services.collections_not_recorded_scan(now=morning_after(day))
        assert told() == {"pharmacist", "keyworker.mh", "linkworker.mh"}


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="A real race needs row locks: run with DATABASE_URL pointing at PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
class NotRecordedRaceTests:
    def test_two_scans_at_once_alert_once(self, world):
        day = timezone.localdate() - dt.timedelta(days=1)
        collection(world, schedule(world), day)
        results = in_threads(2, lambda: services.collections_not_recorded_scan(now=morning_after(day)))
        assert sorted(results) == [0, 1]
        assert (
            Notification.objects.filter(kind=KIND, recipient=world.keyworker_sm, channel="in_app").count()
            == 1
        )

    def test_a_scan_and_a_late_recording_at_once_leave_nothing_open(self, world):
        day = timezone.localdate() - dt.timedelta(days=1)
        contact = collection(world, schedule(world), day)
        # One thread scans while the other records: whichever wins, no alert is left open.
        from threading import Lock

        lock = Lock()
        turn = iter(["scan", "record"])

        def work():
            with lock:
                mine = next(turn)
            if mine == "scan":
                return services.collections_not_recorded_scan(now=morning_after(day))
            return services.contact_record(
                contact=Contact.objects.get(pk=contact.pk), by=world.pharmacist, outcome="attended"
            )[1]

        in_threads(2, work)
        assert not Notification.objects.filter(
            kind=KIND, channel="in_app", acknowledged_at__isnull=True
        ).exists()


@pytest.mark.django_db
class PharmacyPageQueryTests:
    def test_queries_do_not_grow_with_collections_not_recorded(
        self, client, world, django_assert_max_num_queries
    ):
        client.force_login(world.pharmacist)
        sched = schedule(world)
        collection(world, sched, timezone.localdate() - dt.timedelta(days=1))
        with django_assert_max_num_queries(40) as first:
            client.get("/contacts/pharmacy/")
        for offset in range(2, 7):
            collection(world, sched, timezone.localdate() - dt.timedelta(days=offset))
        with django_assert_max_num_queries(len(first.captured_queries)):
            page = client.get("/contacts/pharmacy/").content.decode()
        assert "Not recorded from earlier days (6)" in page
