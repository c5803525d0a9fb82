"""Issue 15: referrals in and sent, and the referrals API, paged ids first and driven through the
team indexes (access.InArray): the same referrals as the rule's plain IN filter for every role,
searchable by the person's name, NHS number or date of birth."""

import pytest
from django.db.models import Q

from dualcare import access
from dualcare.people.models import User
from referrals.models import Referral, State
from tests.factories import as_user, person

from .helpers import make_referral

pytestmark = pytest.mark.django_db

API = "/api/v1/referrals/"


def plain_rule(user):
    """access.referrals_visible_to as it was written before issue 15 (IN subqueries)."""
    if not access.is_active_staff(user):
        return Referral.objects.none()
    team_ids = access.referral_teams_of(user).values("pk")
    return Referral.objects.filter(
        Q(from_team_id__in=team_ids) | (Q(to_team_id__in=team_ids) & ~Q(state=State.DRAFT))
    )


def names(response) -> list[str]:
    return [row.service_user.full_name for row in response.context["page"].object_list]


class ReferralsRuleShapeTests:
    def test_it_shows_the_same_referrals_as_the_plain_rule_for_every_user(self, world):
        make_referral(world)
        make_referral(world, to_team=world.charity_team, send=False)
        make_referral(world, by=world.keyworker_mh, service_user=world.mh_only, to_team=world.sm_team)
        make_referral(world, by=world.keyworker_sm, service_user=world.service_user, to_team=world.cmht_south)
        compared = 0
        for user in User.objects.all():
            now = set(access.referrals_visible_to(user, Referral.objects.all()).values_list("pk", flat=True))
            assert now == set(plain_rule(user).values_list("pk", flat=True)), user.username
            compared += len(now)
        assert compared


class ReferralListSearchTests:
    def test_the_inbox_searches_by_name_nhs_number_and_date_of_birth(self, world, client):
        make_referral(world)
        other = person(world.sm_team, key_worker=world.keyworker_sm, given_name="Robin", family_name="Other")
        make_referral(world, service_user=other)
        client.force_login(world.keyworker_mh)
        assert sorted(names(client.get("/referrals/"))) == ["Jo Mockridge", "Robin Other"]
        assert names(client.get("/referrals/", {"q": "mock"})) == ["Jo Mockridge"]
        assert names(client.get("/referrals/", {"q": other.nhs_number})) == ["Robin Other"]
        day = world.sm_only.date_of_birth.strftime("%d/%m/%Y")
        assert "Jo Mockridge" in names(client.get("/referrals/", {"q": day}))
        response = client.get("/referrals/", {"q": "x" * 101})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()

    def test_the_sent_list_searches_and_its_page_links_keep_the_search(self, world, client):
        for n in range(26):
            someone = person(
                world.sm_team, key_worker=world.keyworker_sm, given_name=f"P{n}", family_name="Many"
            )
            make_referral(world, service_user=someone)
        make_referral(world)
        client.force_login(world.keyworker_sm)
        response = client.get("/referrals/sent/", {"q": "many"})
        assert response.context["page"].paginator.count == 26
        assert "q=many" in response.content.decode().split('nhsuk-pagination__link--next" href="')[1][:80]
        assert names(client.get("/referrals/sent/", {"q": "Mockridge"})) == ["Jo Mockridge"]

    def test_a_search_shows_nothing_to_staff_outside_both_teams(self, world, client):
        make_referral(world)
        for who in (world.pharmacist, world.orgadmin_mh, world.outsider):
            client.force_login(who)
            assert names(client.get("/referrals/", {"q": "Mockridge"})) == []
        for who in (world.service_user_login, world.carer):
            client.force_login(who)
            assert client.get("/referrals/", {"q": "Mockridge"}).status_code == 404

    def test_the_sent_lists_queries_do_not_grow_with_referrals(
        self, world, client, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        make_referral(world)
        client.force_login(world.keyworker_sm)
        client.get("/referrals/sent/")
        with CaptureQueriesContext(connection) as one:
            client.get("/referrals/sent/")
        for n in range(6):
            someone = person(
                world.sm_team, key_worker=world.keyworker_sm, given_name=f"P{n}", family_name="Many"
            )
            make_referral(world, service_user=someone)
        with django_assert_num_queries(len(one.captured_queries)):
            assert len(names(client.get("/referrals/sent/"))) == 7


class ReferralListFilterTests:
    def test_a_bad_state_is_a_message_at_the_field_and_the_list_shows_the_default(self, world, client):
        make_referral(world)
        client.force_login(world.keyworker_mh)
        response = client.get("/referrals/", {"state": "bogus"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "<title>Error: Referrals to your team" in html
        assert '<a href="#state">Choose which referrals to show from the list.</a>' in html
        assert 'id="state-error"' in html
        assert names(response) == ["Jo Mockridge"]  # waiting for a decision, the inbox's default
        assert "Error:" not in client.get("/referrals/", {"state": "accepted"}).content.decode()

    def test_the_sent_list_refuses_a_bad_state_and_a_team_that_is_not_mine(self, world, client):
        make_referral(world)
        client.force_login(world.keyworker_sm)
        response = client.get("/referrals/sent/", {"state": "bogus", "team": str(world.cmht_north.pk)})
        html = response.content.decode()
        assert "<title>Error: Referrals your team has sent" in html
        assert "Choose which referrals to show from the list." in html
        assert "Choose one of your teams from the list." in html
        assert names(response) == ["Jo Mockridge"]  # all referrals, from all my teams
        assert response.context["state"] == "all" and response.context["team"] is None


class ReferralApiSearchTests:
    def test_it_searches_and_refuses_a_too_long_search(self, api, world):
        make_referral(world)
        make_referral(world, by=world.keyworker_mh, service_user=world.mh_only, to_team=world.sm_team)
        client = as_user(api, world.keyworker_sm)
        assert client.get(API).json()["count"] == 2
        body = client.get(API, {"search": "Sampleton"}).json()
        assert [row["service_user"]["family_name"] for row in body["results"]] == ["Sampleton"]
        for bad in ("x" * 101, "Jo\x00"):
            response = client.get(API, {"search": bad})
            assert response.status_code == 400 and list(response.json()) == ["search"]
        assert as_user(api, world.pharmacist).get(API, {"search": "Sampleton"}).json()["count"] == 0
