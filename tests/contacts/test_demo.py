"""The demo: the pharmacist has collections due today for people both demo key workers share."""

import pytest
from django.utils import timezone

from dualcare.contacts import services
from dualcare.contacts.models import Contact, SupervisedConsumption
from dualcare.management import demo_data
from dualcare.notifications.models import Notification
from dualcare.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(demo_live):
    """The shared live demo (tests/demo_db.py; each test rolls back what it writes)."""
    return demo_live.demo


@pytest.mark.usefixtures("demo")
class DemoContactsTests:
    def test_it_gives_the_pharmacist_todays_collections_and_a_miss_alerts_both_key_workers(self):
        today = timezone.localdate()
        due = Contact.objects.filter(kind="collection", due_on=today, outcome="")
        assert due.count() >= 4
        assert SupervisedConsumption.objects.count() == 5
        sam = Contact.objects.get(kind="collection", due_on=today, service_user__given_name="Sam")
        pharmacist = User.objects.get(username="pharmacist")
        services.contact_record(contact=sam, by=pharmacist, outcome="missed")
        told = set(
            Notification.objects.filter(
                kind="contacts.missed_collection", related_id=str(sam.pk)
            ).values_list("recipient__username", flat=True)
        )
        assert {"keyworker.mh", "keyworker.sm"} <= told
        assert Contact.objects.filter(
            kind="key_worker", service_user=sam.service_user, starts_at__gt=timezone.now()
        ).exists()

    def test_a_second_run_adds_nothing(self, demo):
        counts = (
            Contact.objects.count(),
            SupervisedConsumption.objects.count(),
            Notification.objects.count(),
        )
        demo = demo_data.build(password=demo.password)
        assert (
            Contact.objects.count(),
            SupervisedConsumption.objects.count(),
            Notification.objects.count(),
        ) == counts
        assert not [
            key for key in demo.created if "appointment" in key or "collection" in key or "schedule" in key
        ]

    def test_only_the_people_meant_to_be_out_of_touch_are_flagged_as_disengaged(self):
        from dualcare.contacts.demo import OUT_OF_TOUCH
        from dualcare.people.models import ServiceUser

        services.disengagement_scan()
        keys = Notification.objects.filter(kind="contacts.disengaged", channel="in_app").values_list(
            "event_key", flat=True
        )
        flagged = {key.split(":")[2] for key in keys}  # contacts:disengaged:<person>:<since>
        names = {str(person) for person in ServiceUser.objects.filter(pk__in=flagged)}
        assert names == set(OUT_OF_TOUCH)

    def test_the_people_out_of_touch_were_seen_weeks_ago_not_never(self):
        from dualcare.contacts.demo import OUT_OF_TOUCH

        services.disengagement_scan()
        subjects = set(
            Notification.objects.filter(kind="contacts.disengaged", channel="in_app").values_list(
                "subject", flat=True
            )
        )
        assert subjects == {
            "No attended contact with any service for 40 days",
            "No attended contact with any service for over 10 weeks",
        }
        for name in OUT_OF_TOUCH:
            given, family = name.split()
            assert Contact.objects.filter(
                service_user__given_name=given, service_user__family_name=family, outcome="attended"
            ).exists()
