"""Every link in every message that leaves DualCare is absolute, on the address and port in use.

Links reach a message two ways: the outbox row's `url` (a path; delivery puts SITE_URL in front)
and links written into a body or sent directly (link-meeting emails, the password reset, a staff
invitation). The test makes one of each, delivers them, and reads every message for links.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dualcare.notifications import services as notifications
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import StaffRole
from linkworkers.models import Dispatch
from linkworkers.services import appointment_create, dispatch_send, meeting_create
from tests.referrals.helpers import make_referral

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8101"
# An absolute URL, or a path ("/people/...") standing on its own in text.
LINKISH = re.compile(r"https?://\S+|(?<![\w.:/@-])/[\w-]+(?:/[\w.~%?=&-]*)*")


def links_in(text: str) -> list[str]:
    return LINKISH.findall(text)


class LinkFinderTests:
    def test_it_finds_relative_and_absolute_links_but_not_slashes_in_words(self):
        text = "Open it: /link-workers/meetings/1/ or http://x.example/a and/or 1/2 name@host/x"
        assert links_in(text) == ["/link-workers/meetings/1/", "http://x.example/a"]


class AbsoluteLinksInEveryMessageTests:
    def test_every_message_links_to_the_site_in_use(self, client, settings, world):
        settings.SITE_URL = SITE
        settings.REQUIRE_STAFF_2FA = False
        # Outbox messages: a referral received (and its alerts), a staff invitation.
        make_referral(world)
        people_services.staff_user_create(
            username="new.starter",
            first_name="New",
            last_name="Starter",
            email="new.starter@example.invalid",
            team=world.mh_admin_team,
            role=StaffRole.Role.KEY_WORKER,
            by=world.orgadmin_mh,
        )
        # Sent directly: a password reset and a link-meeting invitation (the same body as the
        # agendas' and notes', which carried a bare path).
        client.post(reverse("password_reset"), {"email": world.keyworker_mh.email})
        appointment_create(team=world.cmht_north, user=world.linkworker_mh, start=timezone.localdate())
        meeting_create(
            title="Locality link meeting",
            starts_at=timezone.now() + dt.timedelta(days=10),
            duration_minutes=60,
            location="Room 2",
            chair=world.linkworker_mh,
        )
        for dispatch in Dispatch.objects.filter(state=Dispatch.State.PENDING):
            dispatch_send(dispatch.pk)

        rows = list(Notification.objects.all())
        assert {"staff.invitation", "referral.received", "linkmeeting.invitation"} <= {r.kind for r in rows}
        for row in rows:
            assert not row.url or row.url.startswith("/"), (row.kind, row.url)  # delivery adds SITE_URL
            for link in links_in(f"{row.subject}\n{row.body}"):
                assert link.startswith(f"{SITE}/"), (row.kind, link)
            if row.channel == Notification.Channel.EMAIL and row.state == Notification.State.PENDING:
                notifications.notification_deliver(notification_id=row.pk)

        subjects = [message.subject for message in mail.outbox]
        assert any(s.startswith("Invitation: Locality link meeting") for s in subjects), subjects
        assert any(s.startswith("Reset your DualCare password") for s in subjects), subjects
        assert "DualCare: Choose your password to sign in" in subjects, subjects
        for message in mail.outbox:
            found = links_in(message.body)
            assert found, message.subject
            for link in found:
                assert link.startswith(f"{SITE}/"), (message.subject, link)
