"""The not-recorded scan in batches: the set-based recipients agree with the per-collection rule,
and a batch costs the same queries however many collections it holds."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Involvement, Scope, StaffRole
from tests.factories import person

from .helpers import collection, schedule

KIND = "contacts.collection_not_recorded"


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def morning_after(day):
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(10)))


def prescribe(world, service_user, prescribing_team, by):
    return services.supervised_consumption_start(
        by=by,
        service_user=service_user,
        pharmacy_team=world.pharmacy_team,
        prescribing_team=prescribing_team,
        medicine="Buprenorphine sublingual tablets",
        dose="8",
        start=timezone.localdate() - dt.timedelta(days=5),
    )


def varied_world(world):
    """Collections due yesterday for people whose care teams hear of them or not: consent given,
    never given (refused), withdrawn; an ended involvement; an inactive key worker; a link worker
    in two teams. Returns the collections, loaded as the scan loads them."""
    people_services.staff_role_add(
        user=world.linkworker_mh, team=world.sm_team, role=StaffRole.Role.LINK_WORKER
    )
    contacts = [collection(world, schedule(world), yesterday())]  # sm consents, mh not; sm prescribes

    # Every team involved and consented, except sm withdrawn; the South key worker has left.
    both = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Both", family_name="Teams")
    people_services.involvement_start(
        service_user=both, team=world.cmht_south, key_worker=world.keyworker_mh_south
    )
    people_services.involvement_start(service_user=both, team=world.sm_team, key_worker=world.keyworker_sm)
    people_services.involvement_start(service_user=both, team=world.pharmacy_team)
    for organisation in (world.mh, world.sm):
        people_services.consent_record(
            service_user=both, organisation=organisation, scope=Scope.CONTACTS, by=world.keyworker_mh
        )
    people_services.consent_withdraw(
        consent=Consent.objects.get(service_user=both, organisation=world.sm, withdrawn_at__isnull=True),
        by=world.keyworker_mh,
    )
    world.keyworker_mh_south.is_active = False
    world.keyworker_mh_south.save(update_fields=["is_active"])
    contacts.append(
        collection(world, prescribe(world, both, world.cmht_north, world.keyworker_mh), yesterday())
    )

    # The CMHT's involvement ended (its consent stays): only the prescriber hears.
    ended = person(world.sm_team, key_worker=world.keyworker_sm, given_name="Ended", family_name="Care")
    involvement = people_services.involvement_start(
        service_user=ended, team=world.cmht_north, key_worker=world.keyworker_mh
    )
    people_services.involvement_start(service_user=ended, team=world.pharmacy_team)
    people_services.consent_record(
        service_user=ended, organisation=world.mh, scope=Scope.CONTACTS, by=world.keyworker_sm
    )
    people_services.involvement_end(involvement=involvement, reason="Discharged", by=world.keyworker_mh)
    contacts.append(
        collection(world, prescribe(world, ended, world.sm_team, world.keyworker_sm), yesterday())
    )

    # No consent at all: the prescribing CMHT only, not the sm team involved.
    refused = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="No", family_name="Consent")
    people_services.involvement_start(service_user=refused, team=world.sm_team, key_worker=world.keyworker_sm)
    people_services.involvement_start(service_user=refused, team=world.pharmacy_team)
    contacts.append(
        collection(world, prescribe(world, refused, world.cmht_north, world.keyworker_mh), yesterday())
    )
    assert Involvement.objects.filter(end__isnull=False).exists()
    loaded = Contact.objects.select_related("team", "schedule__prescribing_team").in_bulk(
        [contact.pk for contact in contacts]
    )
    return [loaded[contact.pk] for contact in contacts]


@pytest.mark.django_db
class BatchRecipientsTests:
    def test_the_set_based_answer_is_the_per_collection_answer(self, world):
        contacts = varied_world(world)
        batch = services.collections_recipients_by_team(contacts)
        answers = [services.collection_recipients_by_team(contact) for contact in contacts]
        for contact, one in zip(contacts, answers, strict=True):
            assert batch[contact.pk] == one
            assert list(batch[contact.pk]) == list(one)  # the same teams first: who is told on whose behalf
        # The world is varied enough to mean something: some teams are told, some are not.
        told_teams = [set(one) for one in answers]
        assert {world.sm_team.pk, world.cmht_north.pk} <= set().union(*told_teams)
        assert world.cmht_north.pk not in told_teams[0]  # mh holds no contacts consent for Sam
        assert world.sm_team.pk not in told_teams[1]  # sm's consent was withdrawn
        assert world.cmht_north.pk not in told_teams[2]  # the CMHT's involvement ended
        assert world.sm_team.pk not in told_teams[3]  # no consent given

    def test_it_costs_four_queries_however_many_collections(self, world, django_assert_num_queries):
        contacts = varied_world(world)
        # Consents, involvements, the prescribers' roles, the link workers' roles.
        with django_assert_num_queries(4):
            services.collections_recipients_by_team(contacts[:1])
        with django_assert_num_queries(4):
            services.collections_recipients_by_team(contacts)

    def test_the_scan_tells_each_collection_what_one_at_a_time_would(self, world):
        contacts = varied_world(world)
        expected = set()
        for contact in contacts:
            by_team = {contact.team_id: {world.pharmacist.pk}}
            for team_id, user_ids in services.collection_recipients_by_team(contact).items():
                by_team.setdefault(team_id, set()).update(user_ids)
            users = services._active_users([by_team])
            for event in services._team_events(by_team, users, event_key=str(contact.pk)):
                expected |= {(str(contact.pk), user.pk, event["team"].pk) for user in event["recipients"]}
        assert services.collections_not_recorded_scan(now=morning_after(yesterday()), batch=3) == 4
        rows = Notification.objects.filter(kind=KIND, channel="in_app")
        assert set(rows.values_list("related_id", "recipient_id", "team_id")) == expected
        assert world.keyworker_mh_south.pk not in {user_id for _, user_id, _ in expected}  # inactive
        assert rows.filter(recipient=world.pharmacist).count() == 4


@pytest.mark.django_db
class BatchScanTests:
    def test_a_scan_in_batches_alerts_each_collection_once(self, world):
        sched = schedule(world)
        days = [timezone.localdate() - dt.timedelta(days=n) for n in range(1, 6)]
        for day in days:
            collection(world, sched, day)
        now = morning_after(days[0])
        assert services.collections_not_recorded_scan(now=now, batch=2) == 5
        assert services.collections_not_recorded_scan(now=now, batch=2) == 0
        rows = Notification.objects.filter(kind=KIND, channel="in_app", recipient=world.keyworker_sm)
        assert rows.count() == 5 and len(set(rows.values_list("related_id", flat=True))) == 5
        assert not Contact.objects.filter(schedule=sched, not_recorded_checked_at__isnull=True).exists()

    def test_a_collection_recorded_meanwhile_is_not_claimed(self, world):
        sched = schedule(world)
        first, second = (collection(world, sched, yesterday() - dt.timedelta(days=n)) for n in (0, 1))
        due = list(Contact.objects.filter(pk__in=[first.pk, second.pk]).select_related("team", "schedule"))
        services.contact_record(contact=second, by=world.pharmacist, outcome="attended")
        assert services._alert_not_recorded_batch(due, now=morning_after(yesterday())) == 1
        assert set(Notification.objects.filter(kind=KIND).values_list("related_id", flat=True)) == {
            str(first.pk)
        }

    def test_a_batch_costs_the_same_queries_however_many_collections(self, world, django_assert_num_queries):
        sched = schedule(world)
        collection(world, sched, yesterday())
        now = morning_after(yesterday())
        with django_assert_num_queries(15) as one:
            # The set-aside UPDATE, the due collections, the organisations' rules; then per batch:
            # its savepoint and release (2), the locking read and the claim, the pharmacists, four
            # for the recipients, the active users, the outbox INSERT and its read back.
            assert services.collections_not_recorded_scan(now=now) == 1
        for n in range(2, 7):
            collection(world, sched, yesterday() - dt.timedelta(days=n))
        with django_assert_num_queries(len(one.captured_queries)):
            assert services.collections_not_recorded_scan(now=now) == 5


@pytest.mark.django_db
class BeatRunTests:
    def test_one_beat_run_goes_on_until_every_due_collection_is_told(self, world, monkeypatch):
        # Scans of 2 at a time: five collections due (each a day or more before yesterday, so due
        # whatever the hour) are all told in one run, not one scan's worth per beat interval.
        from dualcare.contacts import tasks

        monkeypatch.setattr(tasks, "NOT_RECORDED_RUN_LIMIT", 2)
        sched = schedule(world)
        for n in range(2, 7):
            collection(world, sched, timezone.localdate() - dt.timedelta(days=n))
        assert tasks.collections_not_recorded_scan() == 5
        assert not Contact.objects.filter(schedule=sched, not_recorded_checked_at__isnull=True).exists()
        assert tasks.collections_not_recorded_scan() == 0

    def test_a_run_stops_when_its_time_is_up(self, world, monkeypatch):
        from dualcare.contacts import tasks

        monkeypatch.setattr(tasks, "NOT_RECORDED_RUN_LIMIT", 2)
        monkeypatch.setattr(tasks, "NOT_RECORDED_RUN_SECONDS", 0)
        sched = schedule(world)
        for n in range(2, 7):
            collection(world, sched, timezone.localdate() - dt.timedelta(days=n))
        assert tasks.collections_not_recorded_scan() == 2  # one scan, then out of time
        assert Contact.objects.filter(schedule=sched, not_recorded_checked_at__isnull=True).count() == 3
