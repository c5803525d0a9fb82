"""The due list can be narrowed to one key worker of the viewer's teams."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_manager_narrows_the_due_list_to_one_key_worker(world, client):
    client.force_login(world.manager_mh)
    everyone = client.get(reverse("outcomes:due")).context["items"]
    assert everyone, "someone in the world has a measure due"
    theirs = everyone[0].involvement.key_worker
    response = client.get(reverse("outcomes:due"), {"key_worker": str(theirs.pk)})
    assert response.status_code == 200
    assert theirs in response.context["key_workers"]
    narrowed = response.context["items"]
    assert narrowed and all(item.involvement.key_worker_id == theirs.pk for item in narrowed)
    assert f'<option value="{theirs.pk}" selected>' in response.content.decode()
    other = next(u for u in response.context["key_workers"] if u != theirs)
    others = client.get(reverse("outcomes:due"), {"key_worker": str(other.pk)}).context["items"]
    assert all(item.involvement.key_worker_id == other.pk for item in others)
    assert len(others) + len(narrowed) <= len(everyone)


def test_a_key_worker_outside_the_viewers_teams_is_ignored(world, client):
    client.force_login(world.manager_mh)
    everyone = client.get(reverse("outcomes:due")).context["items"]
    response = client.get(reverse("outcomes:due"), {"key_worker": str(world.keyworker_sm.pk)})
    assert world.keyworker_sm not in response.context["key_workers"]
    assert response.context["key_worker"] is None
    assert len(response.context["items"]) == len(everyone)
