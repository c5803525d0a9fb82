"""The alert rules: missed collections, runs of them, missed appointments, disengagement, reminders."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact, ContactOutcomeEvent, ContactRules, Outcome
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Scope

from .helpers import appointment, collection, schedule

pytestmark = pytest.mark.django_db


def told(kind):
    return set(
        Notification.objects.filter(kind=kind, channel="in_app").values_list("recipient__username", flat=True)
    )


class CollectionGenerationTests:
    def test_it_writes_each_due_day_once_however_often_it_runs(self, world):
        sched = schedule(world, days="024")  # Monday, Wednesday, Friday
        monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
        for _ in range(2):
            for offset in range(7):
                services.collections_generate(day=monday + dt.timedelta(days=offset))
        days = sorted(Contact.objects.filter(schedule=sched).values_list("due_on", flat=True))
        assert [d.weekday() for d in days] == [0, 2, 4]

    def test_it_writes_nothing_before_the_start_or_after_the_end(self, world):
        sched = schedule(world)
        services.collections_generate(day=sched.start - dt.timedelta(days=1))
        assert not Contact.objects.filter(schedule=sched).exists()

    def test_it_refuses_a_dose_out_of_range(self, world):
        from dualcare.exceptions import ApplicationError

        for dose, field in (("0", "dose"), ("301", "dose"), ("abc", "dose")):
            with pytest.raises(ApplicationError) as refused:
                schedule(world, dose=dose)
            assert refused.value.field == field
        with pytest.raises(ApplicationError) as refused:
            schedule(world, days="")
        assert refused.value.field == "days_of_week"


class RecordTests:
    def test_it_changes_nothing_when_the_same_outcome_is_recorded_twice(self, world):
        sched = schedule(world)
        contact = collection(world, sched, timezone.localdate())
        _, first = services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        _, second = services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        assert (first, second) == (True, False)
        assert ContactOutcomeEvent.objects.filter(contact=contact).count() == 1
        assert Notification.objects.filter(kind="contacts.missed_collection", channel="in_app").count() == 2

    def test_it_keeps_a_correction_as_history(self, world):
        sched = schedule(world)
        contact = collection(world, sched, timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        services.contact_record(contact=contact, by=world.pharmacist, outcome="attended", note="Came late")
        contact.refresh_from_db()
        assert contact.outcome == "attended"
        events = list(contact.outcome_events.all())
        assert [(e.previous_outcome, e.outcome) for e in events] == [("", "missed"), ("missed", "attended")]
        assert events[1].is_correction

    def test_it_refuses_someone_outside_the_contacts_team(self, world):
        from django.core.exceptions import PermissionDenied

        contact = collection(world, schedule(world), timezone.localdate())
        for someone in (world.keyworker_sm, world.keyworker_mh, world.outsider):
            with pytest.raises(PermissionDenied):
                services.contact_record(contact=contact, by=someone, outcome="missed")
        assert Contact.objects.get(pk=contact.pk).outcome == ""


class MissedCollectionTests:
    def test_it_tells_each_consenting_agency_and_the_prescriber_once(self, world):
        contact = collection(world, schedule(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        # sm holds contacts consent and prescribes; mh does not hold contacts consent.
        assert told("contacts.missed_collection") == {"keyworker.sm", "manager.sm"}

    def test_an_agency_without_contacts_consent_is_not_told_until_it_has_it(self, world):
        sched = schedule(world)
        today = timezone.localdate()
        services.contact_record(
            contact=collection(world, sched, today), by=world.pharmacist, outcome="missed"
        )
        assert "keyworker.mh" not in told("contacts.missed_collection")
        people_services.consent_record(
            service_user=world.service_user,
            organisation=world.mh,
            scope=Scope.CONTACTS,
            by=world.keyworker_mh,
        )
        yesterday = today - dt.timedelta(days=1)
        services.contact_record(
            contact=collection(world, sched, yesterday), by=world.pharmacist, outcome="missed"
        )
        second = Notification.objects.filter(
            kind="contacts.missed_collection",
            channel="in_app",
            related_id=str(Contact.objects.get(schedule=sched, due_on=yesterday).pk),
        )
        # Key worker and the link worker of the CMHT now hear too.
        assert set(second.values_list("recipient__username", flat=True)) == {
            "keyworker.sm",
            "manager.sm",
            "keyworker.mh",
            "linkworker.mh",
        }

    def test_the_pharmacist_who_recorded_it_is_not_told(self, world):
        contact = collection(world, schedule(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        assert "pharmacist" not in told("contacts.missed_collection")

    def test_the_message_names_nobody(self, world):
        contact = collection(world, schedule(world), timezone.localdate())
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        for row in Notification.objects.all():
            assert "Testwell" not in row.subject + row.body and "Sam" not in row.subject + row.body
            assert row.url == f"/people/{world.service_user.pk}/"


class MissedRunTests:
    def miss_days(self, world, sched, offsets):
        today = timezone.localdate()
        for offset in offsets:
            day = today - dt.timedelta(days=offset)
            services.contact_record(
                contact=collection(world, sched, day), by=world.pharmacist, outcome="missed"
            )

    def test_three_in_a_row_alert_the_prescribing_team_urgently_once(self, world):
        sched = schedule(world)
        self.miss_days(world, sched, [2, 1])
        assert not told("contacts.missed_collections_run")
        self.miss_days(world, sched, [0])
        rows = Notification.objects.filter(kind="contacts.missed_collections_run", channel="in_app")
        assert set(rows.values_list("recipient__username", flat=True)) == {"keyworker.sm", "manager.sm"}
        assert all(row.priority == "urgent" and row.escalate_at is not None for row in rows)
        assert "before the next dose" in rows[0].body
        # A fourth miss is the same run: no second urgent alert.
        services.contact_record(
            contact=collection(world, sched, timezone.localdate() + dt.timedelta(days=0)),
            by=world.pharmacist,
            outcome="missed",
        )
        assert rows.count() == 2

    def test_the_urgent_alert_is_the_teams_one_acknowledgement_or_one_escalation(self, world):
        from dualcare.notifications import services as alerts
        from dualcare.people.models import StaffRole
        from tests.factories import staff

        staff("keyworker.sm2", world.sm_team, StaffRole.Role.KEY_WORKER)
        sched = schedule(world)
        self.miss_days(world, sched, [2, 1, 0])
        rows = Notification.objects.filter(kind="contacts.missed_collections_run", channel="in_app")
        assert rows.count() == 3
        later = timezone.now() + dt.timedelta(days=2)
        # Nobody acknowledged: the manager hears once, not once per colleague told.
        assert alerts.notifications_escalate(now=later) == 1
        escalated = Notification.objects.filter(kind="alert.escalated", channel="in_app")
        assert list(escalated.values_list("recipient__username", flat=True)) == ["manager.sm"]
        # One acknowledgement answers it for everyone told.
        alerts.alert_acknowledge(
            alert=rows.get(recipient=world.keyworker_sm), by=world.keyworker_sm, note="Rang"
        )
        assert set(rows.values_list("acknowledged_by__username", flat=True)) == {"keyworker.sm"}

    def test_an_acknowledged_run_alert_is_not_escalated(self, world):
        from dualcare.notifications import services as alerts
        from dualcare.people.models import StaffRole
        from tests.factories import staff

        staff("keyworker.sm2", world.sm_team, StaffRole.Role.KEY_WORKER)
        sched = schedule(world)
        self.miss_days(world, sched, [2, 1, 0])
        rows = Notification.objects.filter(kind="contacts.missed_collections_run", channel="in_app")
        alerts.alert_acknowledge(alert=rows.get(recipient=world.manager_sm), by=world.manager_sm, note="Rang")
        assert alerts.notifications_escalate(now=timezone.now() + dt.timedelta(days=2)) == 0
        assert not Notification.objects.filter(kind="alert.escalated").exists()

    def test_an_attended_collection_breaks_the_run(self, world):
        sched = schedule(world)
        self.miss_days(world, sched, [3, 2])
        today = timezone.localdate()
        services.contact_record(
            contact=collection(world, sched, today - dt.timedelta(days=1)),
            by=world.pharmacist,
            outcome="attended",
        )
        self.miss_days(world, sched, [0])
        assert not told("contacts.missed_collections_run")

    def test_the_organisation_sets_its_own_threshold(self, world):
        ContactRules.objects.create(organisation=world.sm, urgent_after_missed_collections=2)
        sched = schedule(world)
        self.miss_days(world, sched, [1, 0])
        assert told("contacts.missed_collections_run") == {"keyworker.sm", "manager.sm"}


class MissedAppointmentTests:
    def test_a_missed_appointment_tells_the_key_worker(self, world):
        contact = appointment(world, by=world.linkworker_mh)
        services.contact_record(contact=contact, by=world.linkworker_mh, outcome="missed")
        assert told("contacts.missed_appointment") == {"keyworker.mh"}
        assert not told("contacts.missed_appointments_twice")

    def test_two_in_a_row_also_tell_the_team_manager(self, world):
        first = appointment(world, hours=-50)
        services.contact_record(contact=first, by=world.keyworker_mh, outcome="missed")
        second = appointment(world, hours=-2)
        services.contact_record(contact=second, by=world.keyworker_mh, outcome="missed")
        # North CMHT has no manager of its own: the trust's team manager hears.
        assert "manager.mh" in told("contacts.missed_appointments_twice")

    def test_an_attended_one_between_resets_the_count(self, world):
        for hours, outcome in ((-80, "missed"), (-50, "attended"), (-2, "missed")):
            services.contact_record(
                contact=appointment(world, hours=hours), by=world.keyworker_mh, outcome=outcome
            )
        assert not told("contacts.missed_appointments_twice")

    def test_a_future_appointment_can_only_be_cancelled(self, world):
        from dualcare.exceptions import ApplicationError

        contact = appointment(world, hours=48)
        with pytest.raises(ApplicationError):
            services.contact_record(contact=contact, by=world.keyworker_mh, outcome="missed")
        services.contact_record(contact=contact, by=world.keyworker_mh, outcome="cancelled_by_person")
        assert Contact.objects.get(pk=contact.pk).outcome == Outcome.CANCELLED_BY_PERSON


class DisengagementTests:
    def test_it_alerts_every_involved_key_worker_once_per_spell(self, world):
        later = timezone.now() + dt.timedelta(days=29)
        services.disengagement_scan(now=later)
        services.disengagement_scan(now=later + dt.timedelta(hours=1))
        rows = Notification.objects.filter(kind="contacts.disengaged", related_id="")
        people = set(
            rows.filter(url=f"/people/{world.service_user.pk}/").values_list("recipient__username", flat=True)
        )
        assert people == {"keyworker.mh", "keyworker.sm"}
        assert rows.filter(url=f"/people/{world.service_user.pk}/").count() == 2

    def test_an_attended_contact_keeps_the_person_engaged(self, world):
        contact = appointment(world, hours=-1)
        services.contact_record(contact=contact, by=world.keyworker_mh, outcome="attended")
        services.disengagement_scan(now=timezone.now() + dt.timedelta(days=20))
        assert not Notification.objects.filter(
            kind="contacts.disengaged", url=f"/people/{world.service_user.pk}/"
        ).exists()

    def test_it_uses_the_organisations_own_number_of_days(self, world):
        ContactRules.objects.create(organisation=world.sm, disengaged_after_days=60)
        services.disengagement_scan(now=timezone.now() + dt.timedelta(days=30))
        recipients = set(
            Notification.objects.filter(
                kind="contacts.disengaged", url=f"/people/{world.service_user.pk}/"
            ).values_list("recipient__username", flat=True)
        )
        assert recipients == {"keyworker.mh"}

    def test_a_long_spell_is_said_in_years_with_the_day_it_began_in_the_body(self, world):
        later = timezone.now() + dt.timedelta(days=1218)
        services.disengagement_scan(now=later)
        row = Notification.objects.filter(
            kind="contacts.disengaged", url=f"/people/{world.service_user.pk}/", channel="in_app"
        ).first()
        assert row.subject == "No attended contact with any service for over 3 years"
        assert f"since {timezone.localdate():%-d %B %Y}." in row.body

    @pytest.mark.parametrize(
        ("days", "words"),
        [
            (28, "for 28 days"),
            (55, "for 55 days"),
            (56, "for 8 weeks"),
            (70, "for 10 weeks"),
            (75, "for over 10 weeks"),
            (200, "for over 6 months"),
            (365, "for 12 months"),
            (730, "for over 23 months"),
            (731, "for 2 years"),
            (1218, "for over 3 years"),
        ],
    )
    def test_it_says_how_long_in_plain_words(self, days, words):
        since = dt.date(2023, 1, 1)
        assert services.time_without_contact(since, since + dt.timedelta(days=days)) == words


class ReminderTests:
    def test_it_reminds_the_person_in_dualcare_once(self, world):
        contact = appointment(world, hours=20)
        assert services.reminders_send() == 1
        assert services.reminders_send() == 0
        rows = Notification.objects.filter(kind="contacts.reminder")
        assert [(r.recipient, r.channel) for r in rows] == [(world.service_user_login, "in_app")]
        assert "You have a key worker appointment with North CMHT" in rows[0].body
        contact.refresh_from_db()
        assert contact.reminder_claimed_at is not None

    def test_it_waits_until_the_appointment_is_near(self, world):
        appointment(world, hours=40)
        assert services.reminders_send() == 0

    def test_it_texts_when_the_person_prefers_it_and_notify_is_configured(self, world, settings):
        settings.NOTIFY_API_KEY = "test-" + "a" * 36 + "-" + "b" * 36
        settings.NOTIFY_SMS_TEMPLATE_ID = "c" * 36
        person = world.service_user
        person.preferred_contact_method = "sms"
        person.phone = "07700900123"
        person.save()
        appointment(world, hours=3)
        services.reminders_send()
        sms = Notification.objects.get(kind="contacts.reminder", channel="sms")
        assert sms.to_address == "07700900123" and sms.recipient is None

    def test_it_does_not_text_when_notify_is_not_configured(self, world):
        person = world.service_user
        person.preferred_contact_method = "sms"
        person.phone = "07700900123"
        person.save()
        appointment(world, hours=3)
        services.reminders_send()
        assert not Notification.objects.filter(channel="sms").exists()
