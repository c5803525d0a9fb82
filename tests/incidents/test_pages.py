"""Incident pages: report (about a person, about a team), the list (search, filters, pages,
pinned queries), the incident and its review forms; bad input is a field error, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse

from dualcare.audit.models import AuditEvent
from dualcare.safety.incidents.models import Incident, State

pytestmark = pytest.mark.django_db


def many(report, n, **overrides):
    for i in range(n):
        report(title=f"Near miss {i}", **overrides)


def date_parts(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


class ReportPageTests:
    def test_a_key_worker_reports_one_about_a_person(self, world, login):
        client = login(world.keyworker_mh)
        url = reverse("incidents:report", args=[world.service_user.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "kind": "incident",
                "harm": "moderate",
                "title": "Missed depot",
                **date_parts("occurred_on", world.today),
                "what_happened": "The depot was not given.",
                "immediate_actions": "Rebooked.",
            },
        )
        incident = Incident.objects.get()
        assert response.status_code == 302 and response.url == reverse("incidents:detail", args=[incident.pk])
        assert incident.service_user == world.service_user and incident.serious_alerted_at is not None

    def test_bad_input_is_shown_at_its_field(self, world, login):
        client = login(world.keyworker_mh)
        url = reverse("incidents:report", args=[world.service_user.pk])
        response = client.post(
            url, {"kind": "near_miss", "harm": "severe", "title": "x", "what_happened": "y"}
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "<title>Error: " in page and 'id="occurred_on-error"' in page
        assert not Incident.objects.exists()
        response = client.post(
            url,
            {
                "kind": "near_miss",
                "harm": "severe",
                "title": "x",
                "what_happened": "y",
                **date_parts("occurred_on", world.today),
            },
        )
        assert response.status_code == 400
        assert "A near miss caused no harm" in response.content.decode()

    def test_a_team_only_report_offers_the_reporters_own_teams(self, world, login):
        client = login(world.keyworker_mh)
        page = client.get(reverse("incidents:report_team")).content.decode()
        assert "North CMHT" in page and "Recovery Team" not in page

    def test_the_outsider_cannot_report_about_sam(self, world, login):
        url = reverse("incidents:report", args=[world.service_user.pk])
        assert login(world.outsider).get(url).status_code == 404


class ListPageTests:
    def test_it_searches_filters_and_pages(self, world, report, login):
        many(report, 27)
        report(kind="complaint", title="Letters to the wrong address")
        client = login(world.keyworker_mh)
        url = reverse("incidents:list")
        page = client.get(url).content.decode()
        assert "Showing 1 to 25 of 28 incidents" in page
        page = client.get(url, {"q": "wrong address"}).content.decode()
        assert "Letters to the wrong address" in page and "Near miss 3" not in page
        page = client.get(url, {"kind": "complaint"}).content.decode()
        assert "Showing 1 incident" in page
        response = client.get(url, {"harm": "terrible"})
        assert response.status_code == 400 and "<title>Error: " in response.content.decode()

    def test_it_audits_each_person_shown(self, world, report, login):
        report()
        login(world.keyworker_mh).get(reverse("incidents:list"))
        assert AuditEvent.objects.filter(action="incident.list", service_user=world.service_user).exists()

    def test_it_pins_the_list_query_count_whatever_the_rows(
        self, world, report, login, django_assert_num_queries
    ):
        many(report, 2)
        client = login(world.keyworker_mh)
        url = reverse("incidents:list")
        client.get(url)
        with django_assert_num_queries(LIST_QUERIES):
            client.get(url)
        many(report, 8)
        with django_assert_num_queries(LIST_QUERIES):
            assert client.get(url).status_code == 200


class DetailPageTests:
    def test_the_review_on_the_page(self, world, report, login):
        incident = report()
        client = login(world.manager_mh)
        url = reverse("incidents:detail", args=[incident.pk])
        due = world.today + dt.timedelta(days=5)
        response = client.post(
            reverse("incidents:action_add", args=[incident.pk]),
            {
                "text": "Agree one prescriber",
                "owner_organisation": str(world.mh.pk),
                **date_parts("due_date", due),
            },
        )
        assert response.status_code == 302
        action = incident.actions.get()
        assert client.post(reverse("incidents:action_done", args=[incident.pk, action.pk])).status_code == 302
        client.post(
            reverse("incidents:lessons", args=[incident.pk]), {"lessons_learned": "One prescriber only."}
        )
        response = client.post(reverse("incidents:close", args=[incident.pk]), {"closure_summary": ""})
        assert response.status_code == 400 and "Enter a closing summary" in response.content.decode()
        client.post(
            reverse("incidents:close", args=[incident.pk]), {"closure_summary": "Agreed with the GP."}
        )
        incident.refresh_from_db()
        assert incident.state == State.CLOSED
        page = client.get(url).content.decode()
        assert "One prescriber only." in page and "Agreed with the GP." in page

    def test_a_bad_action_is_a_field_error(self, world, report, login):
        incident = report()
        response = login(world.keyworker_mh).post(
            reverse("incidents:action_add", args=[incident.pk]),
            {
                "text": "",
                "owner_organisation": "nonsense",
                "due_date_day": "31",
                "due_date_month": "2",
                "due_date_year": "2027",
            },
        )
        assert response.status_code == 400
        assert not incident.actions.exists()

    def test_it_pins_the_detail_query_count_whatever_the_actions(
        self, world, report, login, django_assert_num_queries
    ):
        from dualcare.safety.incidents import services

        incident = report()
        client = login(world.keyworker_mh)
        url = reverse("incidents:detail", args=[incident.pk])
        client.get(url)
        with django_assert_num_queries(DETAIL_QUERIES):
            client.get(url)
        for i in range(4):
            services.incident_action_add(
                incident=incident,
                by=world.keyworker_mh,
                text=f"Action {i}",
                owner_organisation=world.mh,
                due_date=world.today + dt.timedelta(days=i),
            )
        with django_assert_num_queries(DETAIL_QUERIES):
            client.get(url)

    def test_the_timeline_shows_it_to_readers_only(self, world, report, login):
        report(title="Two scripts nearly issued")
        url = reverse("timeline:person", args=[world.service_user.pk])
        assert "Two scripts nearly issued" in login(world.keyworker_mh).get(url).content.decode()
        assert "Two scripts nearly issued" not in login(world.keyworker_sm).get(url).content.decode()


# A list: session and user, the ids in order (the access rule, one statement), the page's rows
# (people, organisations, teams joined), the acting organisation of each person named and the
# audit of them (one INSERT), the header's roles and alert counts, the session's save (3).
LIST_QUERIES = 11
# The incident: session and user, the incident (its access rule and joins), the viewer's roles
# and the audit row, its actions (one query, owners joined), the organisations in it (involvements,
# consents, names), may review and may close (2), the header's roles and alert counts, the
# session's save (3).
DETAIL_QUERIES = 16


class RecordLinkTests:
    def test_the_record_links_to_the_report_form_for_those_who_act_for_the_person(self, world, login):
        url = reverse("service_user_detail", args=[world.service_user.pk])
        report = reverse("incidents:report", args=[world.service_user.pk])
        assert report in login(world.keyworker_mh).get(url).content.decode()
        assert report not in login(world.manager_mh).get(url).content.decode()
