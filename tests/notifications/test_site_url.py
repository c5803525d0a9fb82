"""Links in email and GOV.UK Notify messages are absolute: SITE_URL and the row's path."""

import pytest
from django.core import mail

from dualcare.notifications import services
from tests.notifications.test_alerts import notify_http  # noqa: F401  (the fixture)
from tests.test_settings import failure_of, settings_of, strong_key


def email_row(world, url="/people/1b6e2c1e-0000-4000-8000-000000000001/"):
    rows = services.notify(
        event_key="test:site_url:1", recipients=[world.keyworker_sm], kind="t", subject="Hello", url=url
    )
    return next(row for row in rows if row.channel == "email")


@pytest.mark.django_db
class AbsoluteLinkTests:
    def test_an_email_carries_the_absolute_link(self, world, settings):
        settings.SITE_URL = "https://dualcare.example.org"
        services.notification_deliver(notification_id=email_row(world).pk)
        assert (
            "Open DualCare to see it: https://dualcare.example.org/people/1b6e2c1e-0000-4000-8000-000000000001/"
            in mail.outbox[0].body
        )

    def test_the_default_under_tests_is_the_local_demo_address(self, world):
        services.notification_deliver(notification_id=email_row(world).pk)
        assert "http://127.0.0.1:8000/people/" in mail.outbox[0].body

    def test_notify_gets_the_absolute_link(self, world, settings, notify_http):  # noqa: F811
        settings.SITE_URL = "https://dualcare.example.org"
        services.notification_deliver(notification_id=email_row(world).pk)
        link = notify_http[0]["json"]["personalisation"]["link"]
        assert link == "https://dualcare.example.org/people/1b6e2c1e-0000-4000-8000-000000000001/"

    def test_a_message_without_a_link_gets_none(self, world, settings):
        settings.SITE_URL = "https://dualcare.example.org"
        services.notification_deliver(notification_id=email_row(world, url="").pk)
        assert "Open DualCare" not in mail.outbox[0].body


class SiteUrlSettingTests:
    def test_the_demo_uses_the_local_address(self, tmp_path):
        assert settings_of(tmp_path, {"DEBUG": "1"}, "SITE_URL") == {"SITE_URL": "http://127.0.0.1:8000"}

    def test_production_reads_it_without_a_trailing_slash(self, tmp_path):
        env = {"DEBUG": "0", "SECRET_KEY": strong_key(), "SITE_URL": "https://care.example.org/"}
        assert settings_of(tmp_path, env, "SITE_URL") == {"SITE_URL": "https://care.example.org"}

    def test_production_falls_back_to_https_and_the_first_allowed_host(self, tmp_path):
        env = {"DEBUG": "0", "SECRET_KEY": strong_key(), "ALLOWED_HOSTS": ".example.org,dualcare.example.org"}
        assert settings_of(tmp_path, env, "SITE_URL") == {"SITE_URL": "https://dualcare.example.org"}

    @pytest.mark.parametrize("value", ["dualcare.example.org", "https://", "https://host/dualcare"])
    def test_it_refuses_anything_but_a_scheme_and_host(self, tmp_path, value):
        error = failure_of(tmp_path, {"DEBUG": "1", "SITE_URL": value})
        assert "SITE_URL must be the site's address" in error
