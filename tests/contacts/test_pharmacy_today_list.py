"""The pharmacy's collections today, a page at a time: the count, the search by name, the choice of
state, the filters kept across pages and after recording one, and a query count that does not grow."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.contacts import services
from dualcare.people import services as people_services
from tests.factories import person

from .helpers import collection, schedule

pytestmark = pytest.mark.django_db
URL = "/contacts/pharmacy/"


def _customers(world, count: int, *, start: int = 0) -> list:
    """`count` people collecting at the test pharmacy today, named Customer00, Customer01, ..."""
    today = timezone.localdate()
    made = []
    for n in range(start, start + count):
        someone = person(
            world.sm_team,
            key_worker=world.keyworker_sm,
            given_name=f"Pat{n:02d}",
            family_name=f"Customer{n:02d}",
        )
        people_services.involvement_start(service_user=someone, team=world.pharmacy_team)
        people_services.consent_record(
            service_user=someone, organisation=world.pharmacy_org, scope="contacts", by=world.keyworker_sm
        )
        sched = services.supervised_consumption_start(
            by=world.keyworker_sm,
            service_user=someone,
            pharmacy_team=world.pharmacy_team,
            prescribing_team=world.sm_team,
            medicine="Buprenorphine",
            dose="8",
            start=today,
        )
        services.collections_generate(day=today, schedule_ids=[sched.pk])
        made.append(someone)
    return made


def _cards(html: str) -> list[str]:
    return re.findall(r'<h4 class="nhsuk-card__heading nhsuk-heading-s">([^<]+)</h4>', html)


class PharmacyTodayListTests:
    def test_it_shows_25_a_page_with_the_count_still_to_record_first(self, client, world):
        _customers(world, 30)
        client.force_login(world.pharmacist)
        html = client.get(URL).content.decode()
        assert len(_cards(html)) == 25
        assert "Showing 1 to 25 of 30 collections" in html
        assert "30 due today: 30 not yet recorded, 0 recorded." in html
        assert 'href="?page=2"' in html
        second = client.get(URL, {"page": "2"}).content.decode()
        assert _cards(second) == [f"Pat{n:02d} Customer{n:02d}" for n in range(25, 30)]

    def test_it_searches_by_name_and_narrows_to_one_state(self, client, world):
        people = _customers(world, 4)
        client.force_login(world.pharmacist)
        contact = people[1].contacts.get()
        services.contact_record(contact=contact, by=world.pharmacist, outcome="missed")
        services.contact_record(contact=people[2].contacts.get(), by=world.pharmacist, outcome="attended")

        def shown(**params):
            return _cards(client.get(URL, params).content.decode())

        assert shown(q="customer01") == ["Pat01 Customer01"]
        assert shown(q="Pat03 Customer") == ["Pat03 Customer03"]
        assert shown(q=people[0].nhs_number_display) == ["Pat00 Customer00"]
        assert shown(state="missed") == ["Pat01 Customer01"]
        assert shown(state="recorded") == ["Pat01 Customer01", "Pat02 Customer02"]
        assert shown(state="to_record") == ["Pat00 Customer00", "Pat03 Customer03"]
        assert shown(state="to_record", q="Customer01") == []
        html = client.get(URL, {"q": "Nobody"}).content.decode()
        assert "No collection today matches your search." in html
        assert "4 due today: 2 not yet recorded, 2 recorded (1 missed)." in html

    def test_a_bad_choice_is_named_and_everything_shows(self, client, world):
        _customers(world, 2)
        client.force_login(world.pharmacist)
        response = client.get(URL, {"state": "lost"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in html and "Choose what to show from the list." in html
        assert len(_cards(html)) == 2

    def test_the_search_and_page_are_kept_across_pages_and_after_recording(self, client, world):
        _customers(world, 30)
        client.force_login(world.pharmacist)
        html = client.get(URL, {"q": "Customer", "state": "to_record"}).content.decode()
        assert 'href="?q=Customer&amp;state=to_record&amp;page=2"' in html
        page_two = client.get(URL, {"q": "Customer", "state": "to_record", "page": "2"}).content.decode()
        assert 'name="return_query" value="q=Customer&amp;state=to_record&amp;page=2"' in page_two
        contact = world.pharmacy_team.contacts.filter(outcome="").order_by("service_user__family_name").last()
        response = client.post(
            f"/contacts/{contact.pk}/record/",
            {
                "outcome": "attended",
                "return_to": "pharmacy",
                "return_query": "q=Customer&state=to_record&page=2",
            },
        )
        assert response.url == "/contacts/pharmacy/?q=Customer&state=to_record&page=2"
        # Anything else in return_query is dropped, not carried into the address.
        response = client.post(
            f"/contacts/{contact.pk}/record/",
            {
                "outcome": "missed",
                "return_to": "pharmacy",
                "return_query": "next=https://example.com&state=x",
            },
        )
        assert response.url == "/contacts/pharmacy/"

    def test_it_audits_the_people_on_the_page_only(self, client, world):
        _customers(world, 30)
        client.force_login(world.pharmacist)
        client.get(URL)
        listed = AuditEvent.objects.filter(action="contacts.pharmacy.list", actor=world.pharmacist)
        assert listed.count() == 25

    def test_it_issues_the_same_queries_for_3_and_30_collections(
        self, client, world, django_assert_num_queries
    ):
        collection(world, schedule(world), timezone.localdate())
        _customers(world, 2)
        client.force_login(world.pharmacist)
        # session, user, role check (the page); my pharmacies' collections: the ids, days and
        # outcomes of the day's and of those not recorded from earlier days (the consent rule inside
        # it), then the rows shown by id; roles and unread alerts for the header; the session save
        # (savepoint, update, release); the audit of the page (acting organisations, insert); the safety
        # flags the pharmacy may see of the page's people (its roles, the flags: issue 19).
        with django_assert_num_queries(14) as three:
            response = client.get(URL, {"state": "to_record"})
        assert len(_cards(response.content.decode())) == 3
        _customers(world, 27, start=2)
        with django_assert_num_queries(len(three.captured_queries)):
            response = client.get(URL, {"state": "to_record", "page": "2"})
        assert len(_cards(response.content.decode())) == 5

    def test_a_search_costs_no_more_queries(self, client, world, django_assert_num_queries):
        _customers(world, 3)
        client.force_login(world.pharmacist)
        with django_assert_num_queries(14):
            response = client.get(URL, {"q": "Customer01"})
        assert _cards(response.content.decode()) == ["Pat01 Customer01"]
        assert "3 due today: 3 not yet recorded, 0 recorded." in response.content.decode()

    def test_earlier_days_not_recorded_show_oldest_first_within_the_week(self, client, world):
        today = timezone.localdate()
        sched = schedule(world, start=today - dt.timedelta(days=20))
        for days_ago in (1, 3, 7, 8):
            collection(world, sched, today - dt.timedelta(days=days_ago))
        recorded = collection(world, sched, today - dt.timedelta(days=2))
        services.contact_record(contact=recorded, by=world.pharmacist, outcome="attended")
        collection(world, sched, today)
        client.force_login(world.pharmacist)
        html = client.get(URL).content.decode()
        assert "Not recorded from earlier days (3)" in html
        earlier = html.split('id="not-recorded"')[1].split('id="today"')[0]
        shown = re.findall(r'id="contact-([0-9a-f-]{36})"', earlier)
        expected = [str(sched.collections.get(due_on=today - dt.timedelta(days=n)).pk) for n in (7, 3, 1)]
        assert shown == expected
        assert "1 due today: 1 not yet recorded, 0 recorded." in html
