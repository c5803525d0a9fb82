"""A pharmacy system with a token: signs in, lists one day's collections, records one, reads
and acknowledges the alert it raised for a key worker (who also uses a token)."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from .helpers import collection, schedule

pytestmark = pytest.mark.django_db


def token_client(world, username):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": world.password})
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_a_pharmacy_system_works_through_the_api_with_a_token(world, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    plan = schedule(world)
    due_today = collection(world, plan, today)
    yesterday = collection(world, plan, today - dt.timedelta(days=1))
    pharmacy = token_client(world, world.pharmacist.username)

    listed = pharmacy.get("/api/v1/contacts/", {"date": today.isoformat(), "kind": "collection"})
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [str(due_today.pk)]
    earlier = pharmacy.get("/api/v1/contacts/", {"date": (today - dt.timedelta(days=1)).isoformat()})
    assert [row["id"] for row in earlier.json()["results"]] == [str(yesterday.pk)]
    bad = pharmacy.get("/api/v1/contacts/", {"date": "not-a-date"})
    assert bad.status_code == 400 and "date" in bad.json()

    with django_capture_on_commit_callbacks(execute=True):
        recorded = pharmacy.post(
            f"/api/v1/contacts/{due_today.pk}/record/", {"outcome": "missed"}, format="json"
        )
    assert recorded.status_code == 200, recorded.content

    key_worker = token_client(world, world.keyworker_sm.username)
    alerts = key_worker.get("/api/v1/alerts/").json()["results"]
    assert alerts, "the key worker of an agency with contacts consent is told"
    acknowledged = key_worker.post(
        f"/api/v1/alerts/{alerts[0]['id']}/acknowledge/", {"note": "Phoned the pharmacy."}, format="json"
    )
    assert acknowledged.status_code == 200, acknowledged.content
    assert APIClient().get("/api/v1/alerts/").status_code == 401  # nothing without the token
