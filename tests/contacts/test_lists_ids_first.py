"""Issue 15: the appointments and not-seen-lately lists and the contacts API, paged ids first
(dualcare.paging.IdsFirst) and driven from the people the user may see: searchable by name, NHS
number or date of birth, in the same order as before, with pinned queries, for allowed and denied
roles."""

import datetime as dt

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from dualcare import access
from dualcare.contacts import selectors
from dualcare.contacts.models import Contact
from dualcare.paging import IdsFirst
from dualcare.people.models import Involvement, User
from tests.factories import as_user, person

from .helpers import appointment, collection, schedule

pytestmark = pytest.mark.django_db

APPOINTMENTS = "/contacts/"
DISENGAGED = "/contacts/disengaged/"
API = "/api/v1/contacts/"


def names(response) -> list[str]:
    return [row.service_user.full_name for row in response.context["page"].object_list]


class IdsFirstTests:
    def test_it_pages_in_the_querysets_order_with_the_same_count(self, world):
        for hours in (-30, -5, -3, -1, 2, 26):
            appointment(world, hours=hours)
            appointment(world, hours=hours, person=world.mh_only)
        rows = selectors.contacts_for(world.keyworker_mh).order_by("starts_at", "pk")
        expected = list(rows.values_list("pk", flat=True))
        assert len(expected) == 12
        pages = Paginator(IdsFirst(rows), 5)
        assert pages.count == 12 and pages.num_pages == 3
        paged = [row.pk for number in pages.page_range for row in pages.page(number).object_list]
        assert paged == expected
        # A page's rows come with the list's joins: naming the person costs no query.
        first = pages.page(1).object_list[0]
        assert first.service_user.full_name and first.team.organisation.name

    def test_an_empty_list_takes_one_query(self, world, django_assert_num_queries):
        with django_assert_num_queries(1):
            page = Paginator(IdsFirst(selectors.contacts_for(world.keyworker_mh)), 5).get_page(1)
            assert list(page.object_list) == [] and page.paginator.count == 0


class PeopleFirstTests:
    def test_contacts_visible_to_people_first_shows_the_same_rows_for_every_role(self, world):
        sched = schedule(world)
        collection(world, sched, timezone.localdate())
        appointment(world)
        appointment(world, by=world.keyworker_sm, team=world.sm_team)
        appointment(world, person=world.mh_only)
        appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
        compared = 0
        for user in User.objects.all():
            plain = set(access.contacts_visible_to(user).values_list("pk", flat=True))
            first = set(access.contacts_visible_to(user, people_first=True).values_list("pk", flat=True))
            assert first == plain, user.username
            compared += len(plain)
        assert compared and Contact.objects.count() == 5


class AppointmentsListTests:
    def test_it_searches_by_name_nhs_number_and_date_of_birth(self, client, world):
        appointment(world)
        appointment(world, person=world.mh_only)
        client.force_login(world.keyworker_mh)
        assert sorted(names(client.get(APPOINTMENTS))) == ["Alex Sampleton", "Sam Testwell"]
        assert names(client.get(APPOINTMENTS, {"q": "sampl"})) == ["Alex Sampleton"]
        alex = world.mh_only
        assert names(client.get(APPOINTMENTS, {"q": alex.nhs_number})) == ["Alex Sampleton"]
        born = names(client.get(APPOINTMENTS, {"q": alex.date_of_birth.strftime("%d/%m/%Y")}))
        assert "Alex Sampleton" in born
        assert names(client.get(APPOINTMENTS, {"q": "01/01/1900"})) == []
        page = client.get(APPOINTMENTS, {"q": "nobody"}).content.decode()
        assert "No appointment this week matches your search." in page

    def test_a_too_long_search_is_a_field_error_not_a_500(self, client, world):
        appointment(world)
        client.force_login(world.keyworker_mh)
        response = client.get(APPOINTMENTS, {"q": "x" * 101})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()

    def test_page_links_keep_the_search_and_the_week(self, client, world):
        for n in range(26):
            appointment(world, hours=-1 - n % 20)
        client.force_login(world.keyworker_mh)
        start = timezone.localdate().isoformat()
        page = client.get(APPOINTMENTS, {"q": "sam", "from": start}).content.decode()
        assert f"?page=2&amp;from={start}&amp;q=sam" in page

    def test_its_queries_do_not_grow_with_rows(self, client, world, django_assert_num_queries):
        appointment(world)
        client.force_login(world.keyworker_mh)
        client.get(APPOINTMENTS)  # the session's first request writes it
        # session and user, role check, the ids, the page's rows, the audit's roles, its insert
        # (in a transaction: 2), the nav's roles and alerts count, the session (2).
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            assert client.get(APPOINTMENTS).status_code == 200
        for n in range(6):
            someone = person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"P{n}")
            appointment(world, person=someone, hours=-1 - n)
        with django_assert_num_queries(len(one.captured_queries)):
            assert len(names(client.get(APPOINTMENTS))) == 7

    def test_roles_without_clinical_teams_get_404(self, client, world):
        for someone in (world.pharmacist, world.orgadmin_mh, world.service_user_login, world.carer):
            client.force_login(someone)
            assert client.get(APPOINTMENTS, {"q": "sam"}).status_code == 404


class DisengagedListTests:
    def test_it_searches_the_people_not_seen_lately(self, client, world):
        Involvement.objects.update(start=timezone.localdate() - dt.timedelta(days=40))
        client.force_login(world.keyworker_mh)
        everyone = names_of_people(client.get(DISENGAGED))
        assert "Alex Sampleton" in everyone and "Sam Testwell" in everyone
        assert names_of_people(client.get(DISENGAGED, {"q": "Alex Sampl"})) == ["Alex Sampleton"]
        assert "No one matches your search." in client.get(DISENGAGED, {"q": "zz"}).content.decode()

    def test_its_queries_do_not_grow_with_people(self, client, world, django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        Involvement.objects.update(start=timezone.localdate() - dt.timedelta(days=40))
        client.force_login(world.keyworker_mh)
        client.get(DISENGAGED)
        with CaptureQueriesContext(connection) as one:
            before = len(names_of_people(client.get(DISENGAGED)))
        for n in range(5):
            person(world.cmht_north, key_worker=world.keyworker_mh, given_name=f"P{n}")
        Involvement.objects.update(start=timezone.localdate() - dt.timedelta(days=40))
        with django_assert_num_queries(len(one.captured_queries)):
            assert len(names_of_people(client.get(DISENGAGED))) == before + 5

    def test_other_roles_get_404(self, client, world):
        for someone in (world.pharmacist, world.orgadmin_mh, world.service_user_login, world.carer):
            client.force_login(someone)
            assert client.get(DISENGAGED, {"q": "sam"}).status_code == 404


def names_of_people(response) -> list[str]:
    return [row.full_name for row in response.context["page"].object_list]


class ContactsApiSearchTests:
    def test_it_searches_and_refuses_a_too_long_search(self, api, world):
        appointment(world)
        appointment(world, person=world.mh_only)
        client = as_user(api, world.keyworker_mh)
        body = client.get(API, {"search": "Sampleton"}).json()
        assert [row["service_user_name"] for row in body["results"]] == ["Alex Sampleton"]
        assert client.get(API, {"search": world.service_user.nhs_number}).json()["count"] == 1
        for bad in ("x" * 101, "Sam\x00"):
            response = client.get(API, {"search": bad})
            assert response.status_code == 400 and list(response.json()) == ["search"]

    def test_a_search_finds_nothing_the_caller_may_not_see(self, api, world):
        appointment(world, by=world.keyworker_sm, team=world.sm_team, person=world.sm_only)
        assert as_user(api, world.keyworker_mh).get(API, {"search": "Mockridge"}).json()["count"] == 0
        assert as_user(api, world.keyworker_sm).get(API, {"search": "Mockridge"}).json()["count"] == 1


class NotSeenLatelyRuleTests:
    def test_it_lists_those_last_seen_before_the_cutoff_or_never_seen_since_long_involved(self, world):
        from dualcare.contacts import services

        long_ago = timezone.localdate() - dt.timedelta(days=60)
        people = {
            name: person(world.cmht_north, key_worker=world.keyworker_mh, given_name=name, family_name="Case")
            for name in ("Seenlong", "Seenlately", "Neverold", "Nevernew", "Seenonce")
        }
        Involvement.objects.filter(
            service_user__in=[people[name] for name in ("Seenlong", "Seenlately", "Neverold", "Seenonce")]
        ).update(start=long_ago)

        def attended(name, days_ago):
            contact = appointment(world, person=people[name], hours=-24 * days_ago)
            services.contact_record(contact=contact, by=world.keyworker_mh, outcome="attended")

        attended("Seenlong", 40)
        attended("Seenlately", 40)
        attended("Seenlately", 3)
        attended("Seenonce", 27)  # within the 28 days
        missed = appointment(world, person=people["Neverold"], hours=-24 * 2)
        services.contact_record(contact=missed, by=world.keyworker_mh, outcome="missed")  # not attended
        listed = [
            row.given_name
            for row in selectors.disengaged_people(world.keyworker_mh, days=28)
            if row.family_name == "Case"
        ]
        # Oldest contact (or involvement, when never seen) first.
        assert listed == ["Neverold", "Seenlong"]
