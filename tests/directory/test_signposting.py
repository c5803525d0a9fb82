"""Signposting that is followed up (issue 18 items 4, 5, 8): a decline picks directory services, the
referrer and the person see where and how, the team records whether the person got there, is
reminded once when it is due, and the "discharged to nowhere" measure counts who was connected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import measures, signposting
from directory.models import Service, Signpost, SignpostFollowUp
from dualcare import clock
from dualcare.audit.models import AuditEvent
from dualcare.dashboards.measures import week_of
from dualcare.notifications.models import Notification
from dualcare.people.models import Involvement
from referrals.models import State
from tests.factories import as_user
from tests.referrals.helpers import make_referral

from .helpers import ident, import_services, oruk_service

pytestmark = pytest.mark.django_db

HOUSING = ident("service", "housing")


@pytest.fixture
def housing(world):
    import_services(world.charity, oruk_service("housing"), oruk_service("closed", status="defunct"))
    return Service.objects.get(pk=HOUSING)


def decline_page(client, referral, **data):
    return client.post(
        f"/referrals/{referral.pk}/decline/",
        {"reason": "Not a mental health need our team meets.", **data},
    )


def signpost_for_sam(world, service, **extra) -> Signpost:
    """North CMHT ends its care of Sam and points them to the service."""
    involvement = Involvement.objects.get(service_user=world.service_user, team=world.cmht_north)
    return signposting.signpost_record(
        service_user=world.service_user,
        team=world.cmht_north,
        by=world.keyworker_mh,
        occasion=Signpost.Occasion.INVOLVEMENT_ENDED,
        services=[service],
        involvement=involvement,
        **extra,
    )


class DeclineSignpostingTests:
    def test_a_decline_picks_directory_services_and_the_follow_up_falls_due(self, world, login, housing):
        referral = make_referral(world)
        client = login(world.keyworker_mh)
        found = client.get(f"/referrals/{referral.pk}/decline/?q=housing")
        assert "Housing Housing Advice" in found.content.decode()
        assert "Closed Housing Advice" not in found.content.decode()
        response = decline_page(client, referral, directory_services=[HOUSING], q="housing")
        assert response.status_code == 302
        signpost = Signpost.objects.get()
        assert list(signpost.services.all()) == [housing]
        assert signpost.team == world.cmht_north and signpost.referral == referral
        assert signpost.follow_up_due == clock.today() + dt.timedelta(days=14)
        referral.refresh_from_db()
        assert referral.state == State.DECLINED
        assert referral.signposting_service == "Housing Housing Advice"
        assert AuditEvent.objects.filter(
            action="directory.signpost.create", service_user=world.sm_only
        ).exists()

    def test_the_referrer_sees_where_and_how_to_get_there(self, world, login, housing):
        referral = make_referral(world)
        decline_page(login(world.keyworker_mh), referral, directory_services=[HOUSING])
        page = login(world.keyworker_sm).get(f"/referrals/{referral.pk}/").content.decode()
        assert "Housing Housing Advice" in page
        assert "0113 496 0000" in page and "1 Market Square" in page
        assert "Follow-up due" in page

    def test_free_text_remains_for_what_the_directory_lacks(self, world, login, housing):
        referral = make_referral(world)
        decline_page(login(world.keyworker_mh), referral, signposting_service="The GP's social prescriber")
        signpost = Signpost.objects.get()
        assert signpost.other == "The GP's social prescriber" and not signpost.services.exists()

    @pytest.mark.parametrize(
        "data, field",
        [
            ({}, "directory_services"),
            ({"directory_services": [ident("service", "closed")]}, "directory_services"),
            ({"directory_services": ["not-a-uuid"]}, "directory_services"),
            ({"directory_services": [HOUSING] * 1, "signposting_service": "x" * 201}, "signposting_service"),
        ],
    )
    def test_bad_signposting_is_a_field_error_and_writes_nothing(self, world, login, housing, data, field):
        referral = make_referral(world)
        response = decline_page(login(world.keyworker_mh), referral, **data)
        assert response.status_code == 200
        assert field in response.context["form"].errors
        referral.refresh_from_db()
        assert referral.state == State.SENT
        assert not Signpost.objects.exists()

    def test_the_api_decline_takes_directory_services(self, world, api, housing):
        referral = make_referral(world)
        response = as_user(api, world.keyworker_mh).post(
            f"/api/v1/referrals/{referral.pk}/decline/",
            {"reason": "Not for us.", "signposting": "Housing advice", "directory_services": [HOUSING]},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert list(Signpost.objects.get().services.all()) == [housing]


class FollowUpTests:
    def test_the_declining_team_records_whether_the_person_got_there(self, world, login, housing):
        referral = make_referral(world)
        decline_page(login(world.keyworker_mh), referral, directory_services=[HOUSING])
        signpost = Signpost.objects.get()
        client = login(world.keyworker_mh)
        due = client.get("/directory/signposts/?show=all")
        assert "Jo Mockridge" in due.content.decode()
        response = client.post(f"/directory/signposts/{signpost.pk}/", {"outcome": "not_yet"})
        assert response.status_code == 302
        client.post(
            f"/directory/signposts/{signpost.pk}/", {"outcome": "connected", "note": "Seen on Monday."}
        )
        signpost.refresh_from_db()
        assert signpost.connected_at is not None and signpost.followed_up_at is not None
        assert list(signpost.follow_ups.values_list("outcome", flat=True)) == ["connected", "not_yet"]

    def test_a_bad_outcome_is_a_field_error(self, world, login, housing):
        signpost = signpost_for_sam(world, housing)
        response = login(world.keyworker_mh).post(
            f"/directory/signposts/{signpost.pk}/", {"outcome": "maybe"}
        )
        assert response.status_code == 400
        assert "outcome" in response.context["form"].errors
        assert not SignpostFollowUp.objects.exists()

    def test_the_referrer_reads_it_but_only_the_signposting_team_records(self, world, login, housing):
        referral = make_referral(world)
        decline_page(login(world.keyworker_mh), referral, directory_services=[HOUSING])
        signpost = Signpost.objects.get()
        client = login(world.keyworker_sm)
        assert client.get(f"/directory/signposts/{signpost.pk}/").status_code == 200
        assert (
            client.post(f"/directory/signposts/{signpost.pk}/", {"outcome": "connected"}).status_code == 403
        )
        assert not SignpostFollowUp.objects.exists()
        assert AuditEvent.objects.filter(action="signpost.follow_up", outcome="denied").exists()

    def test_an_outsider_sees_nothing_and_is_audited(self, world, login, housing):
        signpost = signpost_for_sam(world, housing)
        assert login(world.outsider).get(f"/directory/signposts/{signpost.pk}/").status_code == 404
        denied = AuditEvent.objects.filter(action="signpost.view", outcome="denied", actor=world.outsider)
        assert denied.exists()

    def test_another_organisation_sees_it_only_with_care_plan_consent(self, world, login, housing):
        signpost = signpost_for_sam(world, housing)
        # Sam consented to share the care plan with the drug and alcohol service.
        response = login(world.keyworker_sm).get(f"/directory/signposts/person/{world.service_user.pk}/")
        assert "Housing Housing Advice" in response.content.decode()
        assert login(world.keyworker_sm).get(f"/directory/signposts/{signpost.pk}/").status_code == 200
        # The pharmacy has only the contacts consent.
        assert login(world.pharmacist).get(f"/directory/signposts/{signpost.pk}/").status_code == 404


class ReminderTests:
    def test_it_reminds_the_signposting_team_once_when_due_and_not_recorded(self, world, housing):
        signpost = signpost_for_sam(world, housing)
        assert signposting.signposts_remind_due() == 0  # not due yet
        later = clock.now() + dt.timedelta(days=15)
        with clock.frozen(later):
            assert signposting.signposts_remind_due() == 1
            assert signposting.signposts_remind_due() == 0  # a second beat, or a retry
        told = Notification.objects.filter(kind=signposting.REMINDER_KIND, channel="in_app")
        assert {row.recipient for row in told} == {world.keyworker_mh, world.linkworker_mh}
        assert "Sam" not in told.first().body and "Testwell" not in told.first().subject
        assert str(signpost.pk) in told.first().url

    def test_a_recorded_follow_up_is_not_reminded(self, world, housing):
        signpost = signpost_for_sam(world, housing)
        signposting.signpost_follow_up_record(signpost=signpost, by=world.keyworker_mh, outcome="connected")
        with clock.frozen(clock.now() + dt.timedelta(days=15)):
            assert signposting.signposts_remind_due() == 0

    def test_the_beat_runs_it(self):
        from dualcare.celery import app

        schedule = app.conf.beat_schedule["directory-signposts-remind-due"]
        assert schedule["task"] == "directory.tasks.signposts_remind_due"


class PortalTests:
    def test_the_person_sees_where_they_were_pointed_with_the_contact_details(self, world, login, housing):
        signpost_for_sam(world, housing, next_steps="Ring them on a weekday morning.")
        response = login(world.service_user_login).get("/directory/near-you/pointed/")
        page = response.content.decode()
        assert "Where you were pointed" in page and "Housing Housing Advice" in page
        assert "0113 496 0000" in page and "Ring them on a weekday morning." in page
        assert "you can contact them yourself" in page
        assert AuditEvent.objects.filter(action="signposts.mine", service_user=world.service_user).exists()

    def test_staff_cannot_open_the_persons_page(self, world, login):
        assert login(world.keyworker_mh).get("/directory/near-you/pointed/").status_code in (403, 404)


class MeasureTests:
    def _signposted(self, world, service, *, days_ago: int, connected_after: int | None):
        signpost = signpost_for_sam(world, service)
        created = clock.now() - dt.timedelta(days=days_ago)
        connected = created + dt.timedelta(days=connected_after) if connected_after is not None else None
        Signpost.objects.filter(pk=signpost.pk).update(created_at=created, connected_at=connected)
        return created

    def test_the_share_connected_within_28_days(self, world, housing):
        created = self._signposted(world, housing, days_ago=42, connected_after=3)
        self._signposted(world, housing, days_ago=42, connected_after=None)  # discharged to nowhere
        self._signposted(world, housing, days_ago=42, connected_after=30)  # too late to count
        week = week_of(timezone.localtime(created).date())
        values = measures.weekly_measures([world.cmht_north.pk], week - dt.timedelta(weeks=1), week)
        cell = values["directory.signposted_connected"][(None, week)]
        assert cell.n == 3 and cell.value == pytest.approx(100 / 3, abs=0.1)

    def test_a_week_still_in_its_window_counts_only_those_connected(self, world, housing):
        created = self._signposted(world, housing, days_ago=2, connected_after=1)
        self._signposted(world, housing, days_ago=2, connected_after=None)
        week = week_of(timezone.localtime(created).date())
        values = measures.weekly_measures([world.cmht_north.pk], week, week, group="team")
        cell = values["directory.signposted_connected"][(world.cmht_north.pk, week)]
        assert (cell.n, cell.value) == (1, 100.0)

    def test_the_dashboards_know_it(self):
        from dualcare.dashboards.measures import definitions

        assert definitions()["directory.signposted_connected"].unit == "%"


class ApiTests:
    def test_it_lists_and_records_a_follow_up(self, world, api, housing):
        signpost = signpost_for_sam(world, housing)
        client = as_user(api, world.keyworker_mh)
        listed = client.get("/api/v1/signposts/", {"service_user": str(world.service_user.pk)})
        assert listed.status_code == 200
        assert listed.json()["results"][0]["services"][0]["phone"] == "0113 496 0000"
        response = client.post(
            f"/api/v1/signposts/{signpost.pk}/follow-up/", {"outcome": "connected"}, format="json"
        )
        assert response.status_code == 201 and response.json()["connected_at"]
        bad = client.post(f"/api/v1/signposts/{signpost.pk}/follow-up/", {"outcome": "maybe"}, format="json")
        assert bad.status_code == 400 and "outcome" in bad.json()

    def test_the_declining_team_adds_signposting_to_a_decline(self, world, api, housing):
        referral = make_referral(world)
        client = as_user(api, world.keyworker_mh)
        client.post(
            f"/api/v1/referrals/{referral.pk}/decline/",
            {"reason": "Not for us.", "signposting": "Ask the GP"},
            format="json",
        )
        response = client.post(
            "/api/v1/signposts/", {"referral": str(referral.pk), "services": [HOUSING]}, format="json"
        )
        assert response.status_code == 201, response.content
        refused = as_user(api, world.keyworker_sm).post(
            "/api/v1/signposts/", {"referral": str(referral.pk), "services": [HOUSING]}, format="json"
        )
        assert refused.status_code == 400 and "referral" in refused.json()
        assert Signpost.objects.filter(referral=referral).count() == 2

    def test_an_outsider_lists_nothing(self, world, api, housing):
        signpost_for_sam(world, housing)
        assert as_user(api, world.outsider).get("/api/v1/signposts/").json()["count"] == 0


class QueryCountTests:
    def test_the_lists_run_constant_queries(self, world, login, api, housing, django_assert_num_queries):
        signpost_for_sam(world, housing)
        client = login(world.keyworker_mh)
        pages = ["/directory/signposts/?show=all", f"/directory/signposts/person/{world.service_user.pk}/"]
        counts = {}
        for url in pages:
            client.get(url)
            with CaptureQueriesContext(connection) as first:
                assert client.get(url).status_code == 200
            counts[url] = len(first.captured_queries)
        as_user(api, world.keyworker_mh)
        api.get("/api/v1/signposts/")
        with CaptureQueriesContext(connection) as first_api:
            api.get("/api/v1/signposts/")
        for _ in range(4):
            signpost_for_sam(world, housing)
        for url in pages:
            with django_assert_num_queries(counts[url]):
                client.get(url)
        with django_assert_num_queries(len(first_api.captured_queries)):
            assert api.get("/api/v1/signposts/").json()["count"] == 5

    def test_the_portal_page_runs_constant_queries(self, world, login, housing, django_assert_num_queries):
        signpost_for_sam(world, housing)
        client = login(world.service_user_login)
        client.get("/directory/near-you/pointed/")
        with CaptureQueriesContext(connection) as first:
            client.get("/directory/near-you/pointed/")
        signpost_for_sam(world, housing)
        with django_assert_num_queries(len(first.captured_queries)):
            client.get("/directory/near-you/pointed/")
