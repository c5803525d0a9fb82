import pytest

from conversations import demo as conversations_demo
from conversations import services
from conversations.models import Conversation, Message
from dualcare.management import demo_data
from dualcare.notifications.models import Notification

pytestmark = pytest.mark.django_db


class DemoTests:
    def test_it_builds_the_threads_once(self):
        demo = demo_data.build(password="demo-password-for-tests-only")
        subjects = set(Conversation.objects.values_list("subject", flat=True))
        assert {
            conversations_demo.OVERDUE,
            conversations_demo.PLAN_ACTION,
            conversations_demo.WITH_SAM,
        } <= subjects
        assert Message.objects.filter(plan_entry__isnull=False).count() == 1
        assert Conversation.objects.get(subject=conversations_demo.WITH_SAM).includes_service_user
        # The overdue one is for the beat to tell the CMHT's manager about, once.
        assert services.conversations_alert_overdue() == 1
        assert Notification.objects.filter(kind=services.OVERDUE_KIND, channel="in_app").count() >= 1
        counts = (Conversation.objects.count(), Message.objects.count())
        conversations_demo.build(demo)
        assert counts == (Conversation.objects.count(), Message.objects.count())
