"""The demo's local directory (issue 18, item 7): 42 services imported through the importer from
the files in directory/demo_files/, each kept by its demo organisation, some out of date."""

import datetime as dt

import pytest
from django.utils import timezone

from directory import demo as directory_demo
from directory import services
from directory.models import ImportRun, Service, Signpost
from dualcare.notifications.models import Notification
from dualcare.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(demo_live):
    """The shared live demo (tests/demo_db.py; each test rolls back what it writes)."""
    return demo_live.demo


@pytest.mark.usefixtures("demo")
class DemoDirectoryTests:
    def test_it_imports_the_directory_through_the_importer_whole(self):
        assert Service.objects.count() == 42
        assert ImportRun.objects.count() == 3 and all(run.refused == [] for run in ImportRun.objects.all())
        north = Service.objects.get(name="Northgate North CMHT")
        assert north.team.name == "Northgate North CMHT" and north.keeper.name.startswith("Northgate")
        assert Service.objects.filter(provider__name="Northgate Borough Council Housing Options").count() == 2

    def test_some_entries_are_out_of_date_and_their_keepers_are_told_once(self, demo):
        stale = Service.objects.filter(last_checked__lt=services.stale_before()).exclude(status="defunct")
        assert stale.count() >= 5
        assert services.directory_flag_unchecked() == stale.count()
        admin = User.objects.get(username="orgadmin.mh")
        told = Notification.objects.filter(kind=services.STALE_KIND, recipient=admin, channel="in_app")
        assert told.count() == stale.filter(keeper__name__startswith="Northgate").count()
        assert services.directory_flag_unchecked() == 0

    def test_a_declined_referral_is_signposted_to_a_directory_entry_with_its_follow_up_due(self):
        signpost = Signpost.objects.get(services__name="Bridgeway Peer Mentoring")
        referral = signpost.referral
        assert referral.state == "declined" and referral.service_user.full_name == "Hannah Placeley"
        declined_on = timezone.localtime(referral.declined_at).date()
        assert signpost.created_at == referral.declined_at
        assert signpost.follow_up_due == declined_on + dt.timedelta(days=14)
        assert signpost.followed_up_at is None and signpost.team == referral.to_team

    def test_running_it_again_adds_nothing(self, demo):
        directory_demo.build(demo)
        assert Service.objects.count() == 42 and ImportRun.objects.count() == 3
        assert Signpost.objects.filter(services__name="Bridgeway Peer Mentoring").count() == 1
