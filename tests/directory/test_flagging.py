"""Entries nobody has checked for DIRECTORY_CHECK_MONTHS are flagged to the organisation admins who
keep them, once, through the outbox (issue 18, item 2)."""

import pytest
from django.test import override_settings

from directory import services
from directory.models import Service
from dualcare import clock
from dualcare.notifications.models import Notification

from .helpers import ident, import_services, oruk_service

pytestmark = pytest.mark.django_db


class UncheckedEntryTests:
    def test_it_tells_the_keepers_admins_once_per_entry(self, world):
        import_services(
            world.mh,
            oruk_service("old", assured_date="2026-05-01"),
            oruk_service("fresh", assured_date="2026-11-01"),
        )
        with clock.frozen(clock.now().replace(year=2026, month=12, day=4)):
            assert services.directory_flag_unchecked() == 1
            assert services.directory_flag_unchecked() == 0  # a second run, or a second beat
        told = Notification.objects.filter(kind=services.STALE_KIND)
        assert {row.recipient for row in told} == {world.orgadmin_mh}
        assert told.filter(channel="in_app").count() == 1
        assert "Nobody has checked it for 6 months" in told.first().body
        assert ident("service", "old") in told.first().url

    def test_checked_again_it_is_flagged_again_when_it_next_goes_unchecked(self, world):
        import_services(world.mh, oruk_service("old", assured_date="2026-01-01"))
        services.directory_flag_unchecked()
        service = Service.objects.get()
        services.directory_entry_mark_checked(by=world.orgadmin_mh, service=service)
        assert services.directory_flag_unchecked() == 0
        Service.objects.update(last_checked="2025-12-01")
        assert services.directory_flag_unchecked() == 1
        assert Notification.objects.filter(kind=services.STALE_KIND, channel="in_app").count() == 2

    @override_settings(DIRECTORY_CHECK_MONTHS=12)
    def test_the_time_is_a_setting(self, world):
        import_services(
            world.mh,
            oruk_service("old", assured_date=str(clock.today().replace(year=clock.today().year - 1, day=1))),
        )
        assert services.stale_before() == clock.today().replace(year=clock.today().year - 1)
        assert services.directory_flag_unchecked() in (0, 1)

    def test_nobody_is_told_of_another_organisations_entries(self, world):
        import_services(world.charity, oruk_service("old", assured_date="2025-01-01"))
        assert services.directory_flag_unchecked() == 1
        assert not Notification.objects.filter(kind=services.STALE_KIND, recipient=world.orgadmin_mh).exists()
