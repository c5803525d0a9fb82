"""Alerts: acknowledgement, escalation of urgent ones (once), GOV.UK Notify at the HTTP boundary."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.utils import timezone

from dualcare.exceptions import ApplicationError
from dualcare.notifications import services
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOTIFY_KEY = (
    "dualcare_test-" + "11111111-1111-1111-1111-111111111111" + "-" + "22222222-2222-2222-2222-222222222222"
)


def urgent(world, after=dt.timedelta(hours=4)):
    rows = services.notify(
        event_key="test:urgent:1",
        recipients=[world.keyworker_sm],
        kind="test.urgent",
        subject="Review before the next dose",
        priority=Notification.Priority.URGENT,
        team=world.sm_team,
        escalate_after=after,
    )
    return next(row for row in rows if row.channel == "in_app")


class AcknowledgeTests:
    def test_it_keeps_who_what_and_how_long(self, world):
        alert = urgent(world)
        services.alert_acknowledge(alert=alert, by=world.keyworker_sm, note="Spoke to the prescriber.")
        alert.refresh_from_db()
        assert (
            alert.acknowledged_by == world.keyworker_sm
            and alert.acknowledgement_note == "Spoke to the prescriber."
        )
        assert alert.time_to_acknowledge >= dt.timedelta(0)

    def test_it_refuses_a_blank_note_a_second_time_and_anyone_else(self, world):
        alert = urgent(world)
        with pytest.raises(ApplicationError) as refused:
            services.alert_acknowledge(alert=alert, by=world.keyworker_sm, note="  ")
        assert refused.value.field == "note"
        with pytest.raises(ApplicationError):
            services.alert_acknowledge(alert=alert, by=world.manager_sm, note="Not mine")
        services.alert_acknowledge(alert=alert, by=world.keyworker_sm, note="Done")
        with pytest.raises(ApplicationError):
            services.alert_acknowledge(alert=alert, by=world.keyworker_sm, note="Again")


class EscalationTests:
    def test_an_unacknowledged_urgent_alert_goes_to_the_team_manager_once(self, world):
        urgent(world)
        later = timezone.now() + dt.timedelta(hours=5)
        assert services.notifications_escalate(now=timezone.now()) == 0
        assert services.notifications_escalate(now=later) == 1
        assert services.notifications_escalate(now=later) == 0
        escalated = Notification.objects.filter(kind="alert.escalated", channel="in_app")
        assert list(escalated.values_list("recipient__username", flat=True)) == ["manager.sm"]
        assert escalated.get().subject.startswith("Not yet acknowledged")

    def test_an_acknowledged_alert_is_not_escalated(self, world):
        alert = urgent(world)
        services.alert_acknowledge(alert=alert, by=world.keyworker_sm, note="Dealt with")
        assert services.notifications_escalate(now=timezone.now() + dt.timedelta(hours=5)) == 0

    def test_two_scans_at_once_escalate_once(self, world):
        urgent(world)
        later = timezone.now() + dt.timedelta(hours=5)
        results = [services.notifications_escalate(now=later) for _ in range(2)]
        assert sorted(results) == [0, 1]
        assert Notification.objects.filter(kind="alert.escalated", channel="in_app").count() == 1


class FakeResponse:
    status_code = 201

    def __init__(self, payload):
        self._payload = payload
        self.headers = {"Content-Type": "application/json"}

    def raise_for_status(self):
        return None

    def json(self):
        return self._payload


@pytest.fixture
def notify_http(monkeypatch, settings):
    """GOV.UK Notify configured, with its HTTP calls captured instead of sent."""
    import requests

    settings.NOTIFY_API_KEY = NOTIFY_KEY
    settings.NOTIFY_SMS_TEMPLATE_ID = "33333333-3333-3333-3333-333333333333"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "44444444-4444-4444-4444-444444444444"
    calls = []

    def fake_request(self, method, url, **kwargs):
        calls.append({"method": method, "url": url, "json": json.loads(kwargs.get("data") or "{}"), **kwargs})
        return FakeResponse({"id": "55555555-5555-5555-5555-555555555555"})

    monkeypatch.setattr(requests.Session, "request", fake_request)
    return calls


class NotifyChannelTests:
    def test_a_text_message_goes_through_notify_once(self, world, notify_http):
        row = services.notify_address(
            event_key="test:sms:1",
            channel="sms",
            to_address="07700900123",
            kind="t",
            subject="Your appointment",
            body="Tomorrow at 10:00",
        )
        again = services.notify_address(
            event_key="test:sms:1",
            channel="sms",
            to_address="07700900123",
            kind="t",
            subject="Your appointment",
        )
        assert again.pk == row.pk
        assert services.notification_deliver(notification_id=row.pk) is True
        assert services.notification_deliver(notification_id=row.pk) is False
        assert len(notify_http) == 1
        call = notify_http[0]
        assert call["url"].endswith("/v2/notifications/sms")
        assert call["json"]["phone_number"] == "07700900123"
        assert call["json"]["template_id"] == "33333333-3333-3333-3333-333333333333"
        row.refresh_from_db()
        assert call["json"]["reference"] == row.message_id
        assert call["headers"]["Authorization"].startswith("Bearer ")
        row.refresh_from_db()
        assert row.state == "sent"

    def test_email_goes_through_notify_when_configured(self, world, notify_http):
        rows = services.notify(
            event_key="test:e:1", recipients=[world.keyworker_sm], kind="t", subject="Hello"
        )
        email = next(row for row in rows if row.channel == "email")
        services.notification_deliver(notification_id=email.pk)
        assert notify_http[0]["url"].endswith("/v2/notifications/email")
        assert notify_http[0]["json"]["email_address"] == world.keyworker_sm.email
        assert len(mail.outbox) == 0

    def test_a_notify_server_error_leaves_the_outcome_unknown_not_retried(
        self, world, notify_http, monkeypatch
    ):
        import requests

        def refused(self, method, url, **kwargs):
            response = requests.Response()
            response.status_code = 500
            response._content = b'{"errors": [{"error": "Exception", "message": "Internal server error"}]}'
            raise requests.HTTPError(response=response)

        monkeypatch.setattr(requests.Session, "request", refused)
        row = services.notify_address(
            event_key="test:sms:2", channel="sms", to_address="07700900123", kind="t", subject="x"
        )
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        # A 5xx after the request went out: Notify may have it. Resent once, later, not now.
        assert row.state == "unknown" and row.attempts == 1 and row.retry_at is None
        assert services.notifications_sweep(now=timezone.now() + dt.timedelta(minutes=2)) == 0

    def test_email_uses_django_when_notify_is_not_configured(self, world):
        rows = services.notify(
            event_key="test:e:2", recipients=[world.keyworker_sm], kind="t", subject="Hello"
        )
        services.notification_deliver(notification_id=next(r for r in rows if r.channel == "email").pk)
        assert len(mail.outbox) == 1

    def test_a_text_without_notify_fails_rather_than_retrying_for_ever(self, world):
        row = services.notify_address(
            event_key="test:sms:3", channel="sms", to_address="07700900123", kind="t", subject="x"
        )
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed"


class NotifyFaultTests:
    """GOV.UK Notify failing in each way at the HTTP boundary: what the row says, and what is resent."""

    @pytest.fixture
    def notify(self, notify_http, monkeypatch):
        import requests

        state = {"post": "ok", "known": False, "posts": [], "lookups": []}

        def fake_request(self, method, url, **kwargs):
            if method == "GET":
                state["lookups"].append(kwargs["params"]["reference"])
                found = [{"reference": kwargs["params"]["reference"]}] if state["known"] else []
                return FakeResponse({"notifications": found, "links": {}})
            state["posts"].append(json.loads(kwargs["data"])["reference"])
            if state["post"] == "read_timeout":
                raise requests.exceptions.ReadTimeout("read timed out")
            if state["post"] == "refused_connection":
                from urllib3.exceptions import MaxRetryError, NewConnectionError

                reason = NewConnectionError(None, "Connection refused")
                raise requests.exceptions.ConnectionError(MaxRetryError(None, url, reason))
            if state["post"] == "bad_request":
                response = requests.Response()
                response.status_code = 400
                response._content = b'{"errors": [{"error": "BadRequestError", "message": "Not a mobile"}]}'
                raise requests.HTTPError(response=response)
            return FakeResponse({"id": "55555555-5555-5555-5555-555555555555"})

        monkeypatch.setattr(requests.Session, "request", fake_request)
        return state

    def text(self, key="test:sms:fault"):
        return services.notify_address(
            event_key=key, channel="sms", to_address="07700900123", kind="t", subject="Your appointment"
        )

    def test_a_timeout_after_the_request_went_out_is_unknown_and_not_resent_if_notify_has_it(
        self, world, notify
    ):
        notify["post"] = "read_timeout"
        row = self.text()
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "unknown" and notify["posts"] == [row.message_id]
        assert services.notifications_sweep(now=timezone.now() + dt.timedelta(minutes=5)) == 0
        assert notify["lookups"] == []  # not before NOTIFY_RESEND_AFTER
        notify["known"] = True
        assert services.notifications_sweep(now=timezone.now() + dt.timedelta(minutes=16)) == 1
        row.refresh_from_db()
        assert row.state == "sent" and notify["lookups"] == [row.message_id]
        assert notify["posts"] == [row.message_id]  # asked, not resent

    def test_an_unknown_text_notify_does_not_have_is_resent_once_with_the_same_reference(self, world, notify):
        notify["post"] = "read_timeout"
        row = self.text()
        services.notification_deliver(notification_id=row.pk)
        assert services.notifications_sweep(now=timezone.now() + dt.timedelta(minutes=16)) == 0
        row.refresh_from_db()
        assert row.state == "unknown" and row.resent_at is not None  # the resend timed out too
        for _ in range(3):
            services.notifications_sweep(now=timezone.now() + dt.timedelta(days=1))
        assert notify["posts"] == [row.message_id, row.message_id]  # once more, never again
        assert Notification.objects.get(pk=row.pk).state == "unknown"

    @pytest.mark.parametrize("failure", ["bad_request", "refused_connection"])
    def test_a_refusal_or_no_connection_is_failed_and_retried_later(self, world, notify, failure):
        notify["post"] = failure
        row = self.text()
        assert services.notification_deliver(notification_id=row.pk) is False
        row.refresh_from_db()
        assert row.state == "failed" and row.retry_at is not None
        notify["post"] = "ok"
        assert services.notifications_sweep(now=row.retry_at + dt.timedelta(seconds=1)) == 1
        row.refresh_from_db()
        assert row.state == "sent" and notify["posts"] == [row.message_id, row.message_id]
        assert notify["lookups"] == []  # nothing was sent before, so nothing to ask about
