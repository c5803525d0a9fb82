"""Reminders the day before (issue 20 item 5): collections as well as appointments, once each; not
by text (or email) when that is unsafe for the person; and the "I can't come" link, single use,
that tells the team and marks the contact."""

import datetime as dt

import pytest
from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact, ReminderReply
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from tests.factories import person

from .helpers import appointment, schedule

NOTIFY_KEY = "test-" + "a" * 36 + "-" + "b" * 36


@pytest.fixture
def texts(settings):
    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = "c" * 36


def texter(world):
    someone = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Tex", family_name="Ting")
    someone.preferred_contact_method = "sms"
    someone.phone = "07700900456"
    someone.save()
    return someone


def sam_by_text(world):
    sam = world.service_user
    sam.preferred_contact_method = "sms"
    sam.phone = "07700900123"
    sam.save()
    return sam


@pytest.mark.django_db
class CollectionReminderTests:
    def test_tomorrows_collection_is_reminded_once_with_the_day_and_pharmacy_only(self, world, texts):
        sam_by_text(world)
        schedule(world)
        # 24 hours before 09:00 tomorrow is 09:00 today.
        now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 30)))
        assert services.collection_reminders_send(now=now) == 1
        assert services.collection_reminders_send(now=now) == 0
        text = Notification.objects.get(kind="contacts.reminder", channel="sms")
        assert text.to_address == "07700900123"
        assert world.pharmacy_team.name in text.body
        for private in ("Sam", "Testwell", "methadone", "Methadone", world.sm_team.name):
            assert private not in text.subject + text.body
        reply = ReminderReply.objects.get()
        assert text.url == f"/contacts/reply/{reply.token}/"
        assert reply.contact is None and reply.due_on == timezone.localdate() + dt.timedelta(days=1)
        # In DualCare too, for Sam who has a login.
        assert Notification.objects.filter(kind="contacts.reminder", channel="in_app").count() == 1

    def test_a_collection_is_not_reminded_before_the_rule_says(self, world, texts):
        sam_by_text(world)
        schedule(world)
        early = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 0)))
        assert services.collection_reminders_send(now=early) == 0

    def test_each_pharmacy_organisations_rule_is_read_in_the_query(self, world, texts, settings):
        from dualcare.contacts.models import ContactRules

        sam_by_text(world)
        schedule(world)
        now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10, 0)))
        settings.CONTACTS_REMINDER_HOURS_BEFORE = 2  # by default: not yet, at 10:00 the day before
        assert services.collection_reminders_send(now=now) == 0
        # The pharmacy's organisation reminds a day ahead (its admin's rule; a row here for brevity).
        ContactRules.objects.create(organisation=world.pharmacy_team.organisation, reminder_hours_before=24)
        assert services.collection_reminders_send(now=now) == 1

    def test_a_day_off_the_schedule_is_not_reminded(self, world, texts):
        sam_by_text(world)
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        days = "".join(str(d) for d in range(7) if d != tomorrow.weekday())
        schedule(world, days=days)
        now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10, 0)))
        assert services.collection_reminders_send(now=now) == 0


@pytest.mark.django_db
class DoNotContactTests:
    def test_no_text_is_sent_when_texting_is_unsafe(self, world, texts):
        tex = texter(world)
        services.do_not_contact_set(
            service_user=tex, channel="sms", by=world.keyworker_mh, reason="Partner reads it"
        )
        appointment(world, hours=3, person=tex)
        assert services.reminders_send() == 1
        assert not Notification.objects.filter(kind="contacts.reminder", channel="sms").exists()

    def test_texts_resume_once_it_is_ended(self, world, texts):
        tex = texter(world)
        services.do_not_contact_set(service_user=tex, channel="sms", by=world.keyworker_mh)
        services.do_not_contact_end(service_user=tex, channel="sms", by=world.keyworker_mh)
        appointment(world, hours=3, person=tex)
        services.reminders_send()
        assert Notification.objects.filter(kind="contacts.reminder", channel="sms").count() == 1

    def test_staff_not_involved_cannot_set_it(self, world):
        with pytest.raises(ApplicationError):
            services.do_not_contact_set(service_user=world.service_user, channel="sms", by=world.outsider)

    def test_an_unknown_channel_is_refused_on_its_field(self, world):
        with pytest.raises(ApplicationError) as refused:
            services.do_not_contact_set(service_user=world.service_user, channel="fax", by=world.keyworker_mh)
        assert refused.value.field == "channel"


@pytest.mark.django_db
class CannotComeTests:
    def reminded(self, world):
        tex = texter(world)
        contact = appointment(world, hours=3, person=tex)
        services.reminders_send()
        return contact, ReminderReply.objects.get(contact=contact)

    def test_the_link_tells_the_team_once_and_marks_the_contact(self, world, texts, client):
        contact, reply = self.reminded(world)
        url = f"/contacts/reply/{reply.token}/"
        page = client.get(url)
        assert page.status_code == 200 and b"I cannot come" in page.content
        assert b"Tex" not in page.content
        assert Contact.objects.get(pk=contact.pk).person_cannot_come_at is None  # a GET changes nothing
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 200  # already answered: nothing more
        assert Contact.objects.get(pk=contact.pk).person_cannot_come_at is not None
        alerts = Notification.objects.filter(kind="contacts.cannot_come", channel="in_app")
        assert {alert.recipient for alert in alerts} >= {world.keyworker_mh}
        assert alerts.count() == len({alert.recipient_id for alert in alerts})
        assert all("Tex" not in alert.subject + alert.body for alert in alerts)
        assert alerts.first().service_user_id == contact.service_user_id
        assert b"we have told your team" in client.get(url).content

    def test_an_unknown_token_is_a_404(self, client, db):
        assert client.get("/contacts/reply/not-a-real-token/").status_code == 404

    def test_a_link_after_the_time_says_so_and_tells_nobody(self, world, texts):
        contact, reply = self.reminded(world)
        with pytest.raises(ApplicationError):
            services.reminder_reply_cannot_come(
                token=reply.token, now=contact.starts_at + dt.timedelta(minutes=1)
            )
        assert not Notification.objects.filter(kind="contacts.cannot_come").exists()

    def test_a_collection_link_marks_the_days_collection_and_tells_the_pharmacy(self, world, texts):
        sam_by_text(world)
        schedule(world)
        now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10, 0)))
        services.collection_reminders_send(now=now)
        reply = ReminderReply.objects.get()
        _, told = services.reminder_reply_cannot_come(token=reply.token, now=now)
        assert told
        contact = Contact.objects.get(schedule=reply.schedule, due_on=reply.due_on)
        assert contact.person_cannot_come_at is not None
        told_users = set(
            Notification.objects.filter(kind="contacts.cannot_come").values_list("recipient_id", flat=True)
        )
        assert world.pharmacist.pk in told_users and world.keyworker_sm.pk in told_users


@pytest.mark.django_db
class DoNotContactPageTests:
    def test_a_key_worker_sets_and_ends_it_on_the_page(self, world, client):
        client.force_login(world.keyworker_mh)
        url = f"/contacts/people/{world.service_user.pk}/do-not-contact/"
        assert client.get(url).status_code == 200
        assert client.post(url, {"channels": ["sms"], "reason": "Shares a phone"}).status_code == 302
        from dualcare.contacts.selectors import do_not_contact_channels

        assert do_not_contact_channels(world.service_user) == ["sms"]
        assert client.post(url, {}).status_code == 302
        assert do_not_contact_channels(world.service_user) == []

    def test_a_bad_channel_is_a_field_error(self, world, client):
        client.force_login(world.keyworker_mh)
        url = f"/contacts/people/{world.service_user.pk}/do-not-contact/"
        page = client.post(url, {"channels": ["fax"]})
        assert page.status_code == 200 and b"nhsuk-error-summary" in page.content

    def test_the_pharmacist_and_an_outsider_get_a_404(self, world, client):
        url = f"/contacts/people/{world.service_user.pk}/do-not-contact/"
        for who in (world.outsider, world.pharmacist):
            client.force_login(who)
            assert client.get(url).status_code == 404


@pytest.mark.django_db
class ReminderEmailTests:
    def test_a_reminder_email_offers_the_link_to_say_you_cannot_come(self, world, mailoutbox):
        from dualcare.notifications import services as outbox

        emma = person(world.cmht_north, key_worker=world.keyworker_mh, given_name="Emma", family_name="Mail")
        emma.preferred_contact_method = "email"
        emma.email = "emma@example.org"
        emma.save()
        appointment(world, hours=3, person=emma)
        services.reminders_send()
        row = Notification.objects.get(kind="contacts.reminder", channel="email")
        outbox.notification_deliver(notification_id=row.pk)
        sent = mailoutbox[-1]
        assert "If you cannot come, tell us here: " in sent.body and "/contacts/reply/" in sent.body
        assert "Emma" not in sent.subject + sent.body and "North CMHT" not in sent.body.replace(
            "North CMHT base", ""
        )
