"""/api/v1/me/messages/ is the person's "Reminders and updates" (issue 16's review): what DualCare
sent them, never the care team's conversation messages again as notifications."""

import pytest

from dualcare.notifications.services import notify
from tests.factories import as_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/messages/"


def test_it_lists_updates_and_not_conversation_messages(api, world):
    person = world.service_user_login
    notify(
        event_key="t:reminder",
        recipients=[person],
        kind="appointment.reminder",
        subject="Your appointment",
        service_user=world.service_user,
    )
    notify(
        event_key="t:message",
        recipients=[person],
        kind="conversation.message",
        subject="A new message",
        service_user=world.service_user,
    )
    rows = as_user(api, person).get(URL).json()["results"]
    assert [row["subject"] for row in rows] == ["Your appointment"]
