"""In a real browser: the pharmacist records a missed collection with one tap; keyworker.mh
sees the alert in the header and the alert centre and acknowledges it with a note. Each page
is checked with axe-core, including on a phone-sized screen."""

import pytest
from django.utils import timezone

from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Scope
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM, assert_accessible

from .helpers import appointment, collection, schedule

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name='username']", username)
    page.fill("input[name='password']", password)
    with page.expect_navigation():
        page.locator("form button[type='submit']").first.click()
    assert "/accounts/login/" not in page.url, page.inner_text("main")


class MissedCollectionJourneyTests:
    def test_a_missed_collection_reaches_the_key_worker_who_acknowledges_it(self, page, world):
        people_services.consent_record(
            service_user=world.service_user,
            organisation=world.mh,
            scope=Scope.CONTACTS,
            by=world.keyworker_mh,
        )
        due = collection(world, schedule(world), timezone.localdate())
        appointment(world, hours=26)

        page.set_viewport_size({"width": 375, "height": 740})
        sign_in(page, "pharmacist", world.password)
        page.goto("/contacts/pharmacy/")
        assert "Sam Testwell" in page.inner_text("main"), page.inner_text("main")
        assert_accessible(page, "the pharmacy's collections today, on a phone")
        with page.expect_navigation():
            page.locator(f"#contact-{due.pk} button[value='missed']").click()
        assert "recorded as missed" in page.inner_text("main")
        assert_accessible(page, "the collections after recording a miss")
        page.select_option("select[name='state']", "missed")
        page.fill("input[name='q']", "Testwell")
        with page.expect_navigation():
            page.locator("main form[role='search'] button[type='submit']").click()
        assert "Sam Testwell" in page.inner_text("main")
        assert_accessible(page, "the collections, missed only and searched, on a phone")
        page.goto("/pharmacy/people/?q=Testwell")
        assert "Testwell" in page.inner_text("main")
        assert_accessible(page, "the people the pharmacy supports, searched")

        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, "keyworker.mh", world.password)
        page.goto("/alerts/")
        assert "You have 1 unread alert" in page.inner_text("main")
        assert_accessible(page, "the alert centre")
        with page.expect_navigation():
            page.get_by_role("link", name="Missed supervised-consumption collection").first.click()
        assert_accessible(page, "one alert with its acknowledgement form")
        with page.expect_navigation():
            page.get_by_role("button", name="Acknowledge").click()
        assert "Say what you did about this alert." in page.inner_text("main")
        page.fill("#note", "Phoned Sam, who overslept; will collect tomorrow. Told the prescriber.")
        with page.expect_navigation():
            page.get_by_role("button", name="Acknowledge").click()
        assert "Alert acknowledged" in page.inner_text("main")
        alert = Notification.objects.get(
            recipient=world.keyworker_mh, kind="contacts.missed_collection", channel="in_app"
        )
        assert alert.acknowledged_at is not None and "overslept" in alert.acknowledgement_note

        page.goto("/contacts/")
        assert_accessible(page, "the key worker's appointments")
        page.goto("/contacts/?from=notadate")
        assert page.title().startswith("Error: ")
        assert "Enter the day the week starts as year-month-day" in page.inner_text("main")
        assert_accessible(page, "the appointments with a day that is not a date")

        sign_in(page, "serviceuser", world.password)
        page.goto("/contacts/mine/")
        assert "A meeting with your key worker at North CMHT" in page.inner_text("main")
        assert_accessible(page, "the person's own appointments")


class NotRecordedAndMessagesJourneyTests:
    def test_not_recorded_messages_and_alert_rules(self, page, world):
        import datetime as dt

        from dualcare.contacts import services as contact_services

        yesterday = timezone.localdate() - dt.timedelta(days=1)
        # No collection tomorrow: from 09:00 today reminders_send would remind of tomorrow's too
        # (collection_reminders_send), and the person's one new reminder is the appointment's.
        tomorrow = str((timezone.localdate() + dt.timedelta(days=1)).weekday())
        left = collection(world, schedule(world, days="0123456".replace(tomorrow, "")), yesterday)
        # Past the pharmacy's hour (09:00) this morning, whatever time the test runs.
        morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10, 0)))
        assert contact_services.collections_not_recorded_scan(now=morning) == 1
        raised = Notification.objects.filter(kind="contacts.collection_not_recorded", channel="in_app")
        assert raised.exists() and raised.filter(acknowledged_at__isnull=True).count() == raised.count()
        appointment(world, hours=20)
        contact_services.reminders_send()

        # The pharmacist sees yesterday's unrecorded collection and records it.
        page.set_viewport_size({"width": 375, "height": 740})
        sign_in(page, "pharmacist", world.password)
        page.goto("/contacts/pharmacy/")
        assert "Not recorded from earlier days (1)" in page.inner_text("main")
        assert_accessible(page, "collections not recorded from earlier days, on a phone")
        with page.expect_navigation():
            page.locator(f"#contact-{left.pk} button[value='attended']").click()
        assert "Not recorded from earlier days" not in page.inner_text("main")
        # Recording it closes the alert (the in-app rows; email copies are deliveries, not alerts).
        assert not raised.filter(acknowledged_at__isnull=True).exists()

        # The person reads their reminder on their reminders and updates page and marks it as read.
        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, "serviceuser", world.password)
        page.goto("/contacts/mine/")
        # In the menu (the header may fold the last items under "More" on narrow screens).
        assert page.locator("a[href='/messages/']", has_text="Reminders and updates (1 new)").count() >= 1
        page.goto("/messages/")
        main = page.inner_text("main")
        assert "Reminder: your appointment" in main and "1 new reminder or update" in main
        for word in ("alert", "contact", "acknowledge"):
            assert word not in main.lower()
        assert_accessible(page, "the person's messages")
        with page.expect_navigation():
            page.get_by_role("button", name="Mark as read").click()
        assert "Marked as read." in page.inner_text("main")
        assert "You have nothing new." in page.inner_text("main")

        # The organisation admin changes an alert rule: an error first, then saved with its history.
        sign_in(page, "orgadmin.mh", world.password)
        page.goto("/contacts/rules/")
        assert_accessible(page, "the alert rules page")
        page.fill("#disengaged_after_days", "3")
        with page.expect_navigation():
            page.get_by_role("button", name="Save alert rules").click()
        assert "There is a problem" in page.inner_text("main")
        assert_accessible(page, "the alert rules page with an error")
        page.fill("#disengaged_after_days", "21")
        with page.expect_navigation():
            page.get_by_role("button", name="Save alert rules").click()
        assert "Alert rules saved." in page.inner_text("main")
        assert "Days before a person counts as disengaged: 28 to 21" in page.inner_text("main")
        assert_accessible(page, "the alert rules page with its history")
