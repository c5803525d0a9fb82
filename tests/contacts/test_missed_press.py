"""The pharmacy's Missed press: its alerts are written in one INSERT per event, handed over once."""

import pytest
from django.utils import timezone

from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Scope

from .helpers import collection, schedule


@pytest.mark.django_db
class MissedPressTests:
    def test_the_press_takes_a_pinned_number_of_queries(
        self, client, world, django_assert_num_queries, django_capture_on_commit_callbacks
    ):
        # Two teams told: the prescribing sm team, and the CMHT once mh holds contacts consent.
        people_services.consent_record(
            service_user=world.service_user,
            organisation=world.mh,
            scope=Scope.CONTACTS,
            by=world.keyworker_mh,
        )
        contact = collection(world, schedule(world), timezone.localdate())
        client.force_login(world.pharmacist)
        # 29 before: an INSERT and its read back per team told.
        with (
            django_capture_on_commit_callbacks(execute=False) as handed_over,
            django_assert_num_queries(27),
        ):
            response = client.post(
                f"/contacts/{contact.pk}/record/", {"outcome": "missed", "return_to": "pharmacy"}
            )
        assert response.status_code == 302
        rows = Notification.objects.filter(kind="contacts.missed_collection", related_id=str(contact.pk))
        assert set(rows.values_list("recipient__username", flat=True)) == {
            "keyworker.sm",
            "manager.sm",
            "keyworker.mh",
            "linkworker.mh",
        }
        assert len(handed_over) == 1  # every team's rows, one hand-over
