"""The conversation pages: start, read, reply, resolve, withdraw, the inbox and the person's list
(paginated, searchable, query counts pinned whatever the number of rows), the plan action and
the person's portal."""

import datetime as dt

import pytest
from django.urls import reverse

from conversations import services
from conversations.models import Conversation, Message
from referrals.sla import next_working_day

pytestmark = pytest.mark.django_db


def many(world, ask, n):
    for i in range(n):
        conversation = ask(subject=f"Question {i}")
        services.message_reply(conversation=conversation, by=world.keyworker_mh, text=f"Answer {i}")


class StartPageTests:
    def test_it_starts_a_conversation_from_the_form(self, world, login):
        client = login(world.keyworker_sm)
        url = reverse("conversations:start", args=[world.service_user.pk])
        assert client.get(url).status_code == 200
        reply_by = next_working_day(world.today)
        response = client.post(
            url,
            {
                "kind": "care_plan",
                "subject": "Depot",
                "staff": [str(world.keyworker_mh.pk)],
                "text": "Line one\r\nLine two",
                "reply_by_day": reply_by.day,
                "reply_by_month": reply_by.month,
                "reply_by_year": reply_by.year,
            },
        )
        conversation = Conversation.objects.get()
        assert response.status_code == 302
        assert conversation.reply_by == reply_by
        assert conversation.messages.get().text == "Line one\nLine two"

    def test_it_shows_a_field_error_and_writes_nothing_for_bad_input(self, world, login):
        client = login(world.keyworker_sm)
        url = reverse("conversations:start", args=[world.service_user.pk])
        response = client.post(url, {"kind": "care_plan", "subject": "", "text": "Hello"})
        assert response.status_code == 400
        page = response.content.decode()
        assert "Enter a subject." in page and "Choose at least one team or person to address." in page
        response = client.post(
            url,
            {"kind": "risk", "subject": "Risk", "text": "Hello", "teams": [str(world.cmht_north.pk)]},
        )
        # The CMHT holds no risk consent: the form offers no team, and the chosen one is refused.
        assert response.status_code == 400
        assert not Conversation.objects.exists()

    def test_it_refuses_the_start_form_to_an_outsider_with_a_404(self, world, login):
        url = reverse("conversations:start", args=[world.service_user.pk])
        assert login(world.outsider).get(url).status_code == 404


class ThreadPageTests:
    def test_it_shows_text_escaped_with_its_line_breaks(self, world, ask, login):
        conversation = ask(text="<script>alert(1)</script>\nSecond line")
        page = login(world.keyworker_mh).get(reverse("conversations:detail", args=[conversation.pk]))
        body = page.content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in body
        assert "<script>alert(1)" not in body

    def test_it_replies_resolves_and_reopens_on_a_reply(self, world, ask, login):
        conversation = ask()
        client = login(world.keyworker_mh)
        client.post(reverse("conversations:resolve", args=[conversation.pk]))
        conversation.refresh_from_db()
        assert conversation.is_resolved
        response = client.post(
            reverse("conversations:reply", args=[conversation.pk]), {"text": "One more thing"}
        )
        assert response.status_code == 302
        conversation.refresh_from_db()
        assert not conversation.is_resolved and conversation.first_reply_at is not None

    def test_it_refuses_an_empty_reply_with_a_field_error(self, world, ask, login):
        conversation = ask()
        response = login(world.keyworker_mh).post(
            reverse("conversations:reply", args=[conversation.pk]), {"text": "  "}
        )
        assert response.status_code == 400
        assert "Write your reply." in response.content.decode()
        assert conversation.messages.count() == 1

    def test_it_lets_only_the_author_withdraw_and_keeps_the_text(self, world, ask, login):
        conversation = ask()
        message = conversation.messages.get()
        url = reverse("conversations:withdraw", args=[conversation.pk, message.pk])
        assert login(world.keyworker_mh).post(url).status_code == 403
        login(world.keyworker_sm).post(url)
        message.refresh_from_db()
        assert message.is_withdrawn and message.text.startswith("Is the depot")
        page = login(world.keyworker_mh).get(reverse("conversations:detail", args=[conversation.pk]))
        assert "This message was withdrawn" in page.content.decode()
        assert "Is the depot" not in page.content.decode()

    def test_it_makes_a_care_plan_action_linking_back(self, world, ask, login):
        self._make_plan_action(world, ask, login)

    def _make_plan_action(self, world, ask, login):
        from careplans.models import PlanEntry

        conversation = ask()
        message = conversation.messages.get()
        due = world.today + dt.timedelta(days=14)
        response = login(world.keyworker_mh).post(
            reverse("conversations:plan_action", args=[conversation.pk, message.pk]),
            {
                "text": "Check the depot date",
                "due_date_day": due.day,
                "due_date_month": due.month,
                "due_date_year": due.year,
            },
        )
        assert response.status_code == 302
        entry = PlanEntry.objects.get(section="action")
        assert entry.organisation == world.mh and entry.due_date == due
        # The action's words are the writer's only: the person reads them in their plan.
        assert entry.text == "Check the depot date"
        message.refresh_from_db()
        assert message.plan_entry == entry
        return message

    def test_the_staff_plan_links_back_to_the_message_and_the_persons_plan_and_pdf_do_not(
        self, world, ask, login, monkeypatch
    ):
        import weasyprint

        from careplans import services as plan_services
        from careplans.pdf import version_pdf

        message = self._make_plan_action(world, ask, login)
        link = services.message_url(message)
        staff_plan = login(world.keyworker_mh).get(reverse("careplans:plan", args=[world.service_user.pk]))
        assert link in staff_plan.content.decode()
        version = plan_services.careplan_publish(service_user=world.service_user, by=world.keyworker_mh)
        own_plan = login(world.service_user_login).get(reverse("my_care_plan:plan")).content.decode()
        assert "Check the depot date" in own_plan
        traces = ("made from a message", str(message.conversation_id), str(message.pk))
        for trace in ("from a conversation", *traces):
            assert trace not in own_plan.lower()
        printed = []

        class Printed:  # the PDF's HTML, as weasyprint is given it
            def __init__(self, *, string, url_fetcher):
                printed.append(string)

            def write_pdf(self, **options):
                return b"%PDF"

        monkeypatch.setattr(weasyprint, "HTML", Printed)
        version_pdf(version)
        assert "Check the depot date" in printed[0]
        for trace in ("conversation", *traces):
            assert trace not in printed[0].lower()

    def test_it_pins_the_thread_query_count_whatever_its_length(
        self, world, ask, login, django_assert_num_queries
    ):
        conversation = ask()
        client = login(world.keyworker_mh)
        url = reverse("conversations:detail", args=[conversation.pk])
        client.get(url)
        with django_assert_num_queries(THREAD_QUERIES):
            client.get(url)
        for i in range(5):
            services.message_reply(conversation=conversation, by=world.keyworker_sm, text=f"More {i}")
        with django_assert_num_queries(THREAD_QUERIES):
            assert client.get(url).status_code == 200


# The thread: session and user, the header's roles and counts (2), the conversation and its audit
# row, marking its notifications read, its messages (one query, with authors and teams), who is in
# it, who has left (involvements, consents), the acting team; the rest is the base template's.
THREAD_QUERIES = 19
# A list: session and user, the header (2), the ids of the inbox's conversations (a union of
# the three ways in) and which of them the viewer may read now, the count and the page of
# conversations (people, organisations and starters joined), the audit of the people named, the
# base template's.
LIST_QUERIES = 13
# A person's list: as the inbox less its two reads of ids and the audit of a list, plus the
# person (read and audited, with the viewer's permissions on them) and whether the viewer may
# start one (their acting team).
PERSON_LIST_QUERIES = 15


class ListPageTests:
    def test_it_lists_the_inbox_searchable_and_paginated(self, world, ask, login):
        many(world, ask, 27)
        client = login(world.keyworker_mh)
        page = client.get(reverse("conversations:inbox")).content.decode()
        assert "Showing 1 to 25 of 27 conversations" in page
        page = client.get(reverse("conversations:inbox"), {"q": "question 26"}).content.decode()
        assert "Question 26" in page and "Question 25" not in page

    def test_it_pins_the_inbox_and_the_person_list_query_counts(
        self, world, ask, login, django_assert_num_queries
    ):
        many(world, ask, 2)
        client = login(world.keyworker_mh)
        pages = {
            reverse("conversations:inbox"): LIST_QUERIES,
            reverse("conversations:for_person", args=[world.service_user.pk]): PERSON_LIST_QUERIES,
        }
        for url, queries in pages.items():
            client.get(url)
            with django_assert_num_queries(queries):
                client.get(url)
        many(world, ask, 6)
        for url, queries in pages.items():
            with django_assert_num_queries(queries):
                client.get(url)

    def test_it_links_the_record_to_its_conversations(self, world, login):
        page = login(world.keyworker_mh).get(reverse("service_user_detail", args=[world.service_user.pk]))
        assert reverse("conversations:for_person", args=[world.service_user.pk]) in page.content.decode()


class PortalTests:
    def test_the_person_reads_and_replies_in_plain_words(self, world, ask, login):
        conversation = ask(includes_service_user=True)
        client = login(world.service_user_login)
        assert "Messages with your care team" in client.get(reverse("conversations:mine")).content.decode()
        url = reverse("conversations:mine_detail", args=[conversation.pk])
        assert client.get(url).status_code == 200
        client.post(url, {"text": "Friday is fine"})
        assert Message.objects.filter(author=world.service_user_login, organisation__isnull=True).exists()
        # Not included: a 404.
        other = ask(subject="Between us")
        assert client.get(reverse("conversations:mine_detail", args=[other.pk])).status_code == 404

    def test_the_menu_tells_messages_from_the_care_team_from_reminders_and_updates(self, world, ask, login):
        conversation = ask(includes_service_user=True)
        client = login(world.service_user_login)
        page = client.get(reverse("messages:list")).content.decode()
        # The care team's message is counted and listed under their messages, not the reminders.
        assert "Messages with your care team (1 new)" in page
        assert "<h1>Reminders and updates</h1>" in page and "Reminders and updates (" not in page
        assert "Your care team has sent you a message" not in page
        client.get(reverse("conversations:mine_detail", args=[conversation.pk]))  # read: no longer new
        page = client.get(reverse("conversations:mine")).content.decode()
        assert "Messages with your care team" in page and "(1 new)" not in page

    def test_the_person_starts_a_message_to_their_key_workers_teams(self, world, login):
        client = login(world.service_user_login)
        response = client.post(
            reverse("conversations:mine_new"), {"subject": "My script", "text": "Can we talk?"}
        )
        assert response.status_code == 302
        conversation = Conversation.objects.get()
        assert set(conversation.participants.values_list("team__name", flat=True)) == {
            "North CMHT",
            "Recovery Team",
        }
        assert conversation.includes_service_user

    def test_staff_ask_the_person_in(self, world, ask, login):
        conversation = ask()
        login(world.keyworker_mh).post(reverse("conversations:include_person", args=[conversation.pk]))
        conversation.refresh_from_db()
        assert conversation.includes_service_user

    def test_the_carer_opens_nothing(self, world, ask, login):
        conversation = ask(includes_service_user=True)
        client = login(world.carer)
        assert client.get(reverse("conversations:mine_detail", args=[conversation.pk])).status_code == 404
        assert client.get(reverse("conversations:detail", args=[conversation.pk])).status_code == 404


class LinkMeetingTests:
    def test_it_notifies_the_case_to_the_next_meeting_linking_back(self, world, ask, login):
        from django.utils import timezone

        from linkworkers import services as link_services
        from linkworkers.models import CaseNotification
        from tests.linkworkers.conftest import CASE

        meeting = link_services.meeting_create(
            title="Locality link meeting",
            starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=10),
            duration_minutes=90,
            location="Room 2",
            chair=world.linkworker_mh,
        )
        conversation = ask()
        message = conversation.messages.get()
        url = reverse("conversations:link_meeting", args=[conversation.pk, message.pk])
        client = login(world.keyworker_mh)
        assert client.get(url).status_code == 200
        response = client.post(url, {**CASE, "meeting": str(meeting.pk)})
        assert response.status_code == 302
        case = CaseNotification.objects.get(meeting=meeting)
        assert case.question == CASE["question"]  # the writer's words only
        message.refresh_from_db()
        assert message.case_notification == case
        # The meeting's page links back to the message (the staff's side).
        meeting_page = login(world.linkworker_mh).get(reverse("linkworkers:meeting", args=[meeting.pk]))
        assert services.message_url(message) in meeting_page.content.decode()
        # Twice: refused, nothing more written.
        assert client.post(url, {**CASE, "meeting": str(meeting.pk)}).status_code == 400
        assert CaseNotification.objects.count() == 1
