"""/api/v1/conversations/: the same access as the pages, strict input, pinned query counts."""

import pytest

from conversations.models import Conversation
from tests.factories import as_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations/"


def start(api, world, **overrides):
    body = {
        "service_user": str(world.service_user.pk),
        "kind": "care_plan",
        "subject": "Depot",
        "text": "Is it due on Friday?\nThanks",
        "staff": [str(world.keyworker_mh.pk)],
        **overrides,
    }
    return api.post(URL, body, format="json")


class ConversationApiTests:
    def test_it_creates_replies_resolves_and_lists(self, api, world):
        as_user(api, world.keyworker_sm)
        created = start(api, world)
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assert created.json()["messages"][0]["text"] == "Is it due on Friday?\nThanks"
        as_user(api, world.keyworker_mh)
        addressed = api.get(URL, {"addressed": "me"}).json()
        assert [row["id"] for row in addressed["results"]] == [pk]
        replied = api.post(f"{URL}{pk}/reply/", {"text": "Yes."}, format="json")
        assert replied.status_code == 201 and len(replied.json()["messages"]) == 2
        resolved = api.post(f"{URL}{pk}/resolve/")
        assert resolved.status_code == 200 and resolved.json()["resolved"] is True
        assert api.post(f"{URL}{pk}/resolve/").status_code == 409
        listed = api.get(URL, {"service_user": str(world.service_user.pk)}).json()
        assert listed["count"] == 1

    def test_it_answers_bad_input_with_a_field_error_and_writes_nothing(self, api, world):
        as_user(api, world.keyworker_sm)
        assert start(api, world, subject="").json().keys() == {"subject"}
        refused = start(api, world, staff=[str(world.outsider.pk)])
        assert refused.status_code == 400 and "staff" in refused.json()
        assert start(api, world, kind="gossip").status_code == 400
        assert api.get(URL, {"addressed": "them"}).status_code == 400
        assert not Conversation.objects.exists()

    def test_it_hides_a_conversation_from_those_who_may_not_read_it(self, api, world):
        as_user(api, world.keyworker_sm)
        pk = start(api, world).json()["id"]
        for user in (world.outsider, world.pharmacist):
            as_user(api, user)
            assert api.get(f"{URL}{pk}/").status_code == 404
            assert api.post(f"{URL}{pk}/reply/", {"text": "Hi"}, format="json").status_code == 404
            assert api.get(URL, {"service_user": str(world.service_user.pk)}).json()["count"] == 0
        as_user(api, world.service_user_login)
        assert api.get(URL).status_code in (403, 404)

    def test_it_pins_the_list_query_count(self, api, world, django_assert_num_queries):
        as_user(api, world.keyworker_sm)
        for i in range(2):
            start(api, world, subject=f"Q{i}")
        as_user(api, world.keyworker_mh)
        api.get(URL)
        with django_assert_num_queries(LIST_QUERIES):
            api.get(URL)
        as_user(api, world.keyworker_sm)
        for i in range(5):
            start(api, world, subject=f"More {i}")
        as_user(api, world.keyworker_mh)
        with django_assert_num_queries(LIST_QUERIES):
            assert api.get(URL).json()["count"] == 7
        # Addressed to me: also the ids of the user's conversations and which they may read now.
        with django_assert_num_queries(LIST_QUERIES + 2):
            assert api.get(URL, {"addressed": "me"}).json()["count"] == 7


# The ids in order, the page of rows (organisations and starters joined), the viewer's acting
# organisations for the audit, and the audit rows of the people on it (one insert).
LIST_QUERIES = 4
