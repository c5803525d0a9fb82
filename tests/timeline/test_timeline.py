"""The person's timeline (issue 16, items 5, 7 and 10): every source for the viewer who may see it
and not for another organisation without consent (gone as consent is withdrawn), filters, search,
pages, the same queries for 10 entries as for 2,000, refusals and audit rows, page and API."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from careplans import services as careplan_services
from cohorts import services as cohort_services
from conversations import services as conversation_services
from dualcare.audit.models import AuditEvent
from dualcare.contacts import services as contact_services
from dualcare.contacts.models import Contact
from dualcare.notifications import kinds
from dualcare.notifications.models import Notification
from dualcare.notifications.selectors import alerts_for
from dualcare.people import services as people_services
from dualcare.people.models import Consent, Scope
from dualcare.timeline import sources
from dualcare.timeline.selectors import Wanted, timeline_for
from linkworkers import services as link_services
from outcomes import services as outcome_services
from referrals import services as referral_services
from tests.factories import as_user

HONOS = {"stage": "assessment", "items": [2, 1, 0, 3, 1, 2, 0, 1, 2, 2, 1, 0], "item8_type": "A"}


def titles(viewer, person, **wanted) -> list[str]:
    return [entry.title for entry in timeline_for(viewer, person, Wanted(**wanted))[0:100]]


def sources_seen(viewer, person) -> set[str]:
    return {entry.source for entry in timeline_for(viewer, person)[0:500]}


def missed_appointment(w, *, days_ago=2):
    contact = contact_services.appointment_create(
        by=w.keyworker_mh,
        service_user=w.service_user,
        kind="key_worker",
        team=w.cmht_north,
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    contact_services.contact_record(contact=contact, by=w.keyworker_mh, outcome="missed")
    return contact


def history(w):
    """One of everything about Sam, written by the CMHT (keyworker.mh) through the services."""
    su, mh = w.service_user, w.keyworker_mh
    missed_appointment(w)
    outcome_services.honos_record(service_user=su, by=mh, rated_on=w.today, **HONOS)
    cohort_services.quadrant_assess(
        service_user=su,
        mental_health_severity="high",
        substance_use_severity="high",
        rationale="Both high",
        by=mh,
    )
    careplan_services.entry_add(service_user=su, section="what_matters", by=mh, text="Seeing my daughter.")
    version = careplan_services.careplan_publish(service_user=su, by=mh)
    careplan_services.agreement_record(
        version=version, by=w.service_user_login, kind="agreed", comment="Looks right"
    )
    referral = referral_services.referral_create(
        by=mh,
        service_user=su,
        to_team=w.charity_team,
        reason="Peer support for low mood",
        urgency="routine",
        consent_confirmed=True,
        send=True,
        note="Sam asked for a peer mentor",
    )
    return referral


@pytest.mark.django_db
class TimelineSourceTests:
    def test_it_shows_every_kind_to_the_key_worker_who_wrote_it(self, world):
        history(world)
        seen = sources_seen(world.keyworker_mh, world.service_user)
        assert {
            "contacts.contact",
            "outcomes.honos",
            "cohorts.quadrant",
            "careplans.version",
            "careplans.agreement",
            "referrals.move",
            "people.involvement_start",
            "notifications.alert",
        } <= seen

    def test_it_is_newest_first(self, world):
        history(world)
        entries = timeline_for(world.keyworker_mh, world.service_user)[0:100]
        assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)

    def test_another_organisation_sees_outcomes_only_with_consent_and_not_after_withdrawal(self, world):
        history(world)
        sm, su = world.keyworker_sm, world.service_user
        assert not {"outcomes.honos", "cohorts.quadrant"} & sources_seen(sm, su)
        consent = people_services.consent_record(
            service_user=su,
            organisation=world.sm,
            scope=Scope.OUTCOMES,
            by=world.keyworker_mh,
            method=Consent.Method.WRITTEN,
        )
        assert {"outcomes.honos", "cohorts.quadrant"} <= sources_seen(sm, su)
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Changed their mind")
        assert not {"outcomes.honos", "cohorts.quadrant"} & sources_seen(sm, su)

    def test_contacts_cross_with_the_contacts_consent_and_stop_when_it_is_withdrawn(self, world):
        missed_appointment(world)
        sm, su = world.keyworker_sm, world.service_user
        assert "Key worker appointment: missed" in titles(sm, su)
        consent = Consent.objects.get(service_user=su, organisation=world.sm, scope=Scope.CONTACTS)
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        assert "Key worker appointment: missed" not in titles(sm, su)
        # The CMHT still sees its own.
        assert "Key worker appointment: missed" in titles(world.keyworker_mh, su)

    def test_a_referral_shows_its_moves_to_the_record_but_its_notes_and_link_to_its_teams_only(self, world):
        referral = history(world)
        mine = [
            e
            for e in timeline_for(world.keyworker_mh, world.service_user)[0:50]
            if e.source == "referrals.move"
        ]
        assert [(e.title, e.detail) for e in mine] == [
            ("Referral from North CMHT to Peer Support: sent", "Sam asked for a peer mentor")
        ]
        assert mine[0].url == f"/referrals/{referral.pk}/"
        # keyworker.sm sees the record, not the referral: the move, without its note or link.
        theirs = [
            e
            for e in timeline_for(world.keyworker_sm, world.service_user)[0:50]
            if e.source == "referrals.move"
        ]
        assert [(e.title, e.detail, e.url) for e in theirs] == [
            ("Referral from North CMHT to Peer Support: sent", "", "")
        ]

    def test_alerts_are_the_viewers_own_with_how_they_were_dealt_with(self, world):
        missed_appointment(world)
        alerts = [e for e in timeline_for(world.keyworker_mh, world.service_user)[0:50] if e.kind == "alert"]
        assert alerts and all(e.detail == "Not dealt with yet" for e in alerts)
        # Nobody else's alerts: the pharmacist was told nothing about this appointment.
        assert "notifications.alert" not in sources_seen(world.pharmacist, world.service_user)

    def test_alerts_are_those_the_viewers_alerts_page_lists(self, world):
        # A team member's alerts page lists the alerts sent to them (alerts_for), not their team's:
        # the timeline shows the same rows, for every member of the team.
        missed_appointment(world)
        conversation_services.conversation_start(
            service_user=world.service_user,
            by=world.keyworker_sm,
            kind="care_plan",
            subject="Depot",
            text="Is the depot still due?",
            staff=[world.keyworker_mh],
        )
        for viewer in (world.keyworker_mh, world.linkworker_mh, world.keyworker_sm):
            shown = {
                uuid.UUID(e.id) for e in timeline_for(viewer, world.service_user)[0:100] if e.kind == "alert"
            }
            listed = set(alerts_for(viewer, service_user=world.service_user.pk).values_list("pk", flat=True))
            assert shown == listed
        # The conversation's message is told in the conversations inbox, not as an alert.
        message_rows = Notification.objects.filter(recipient=world.keyworker_mh, kind__in=kinds.MESSAGE_KINDS)
        assert message_rows.exists()
        shown = {uuid.UUID(e.id) for e in timeline_for(world.keyworker_mh, world.service_user)[0:100]}
        assert not shown & set(message_rows.values_list("pk", flat=True))
        assert "conversations.message" in sources_seen(world.keyworker_mh, world.service_user)

    def test_involvements_started_and_ended(self, world):
        involvement = world.service_user.involvements.get(team=world.pharmacy_team)
        people_services.involvement_end(
            involvement=involvement, by=world.keyworker_mh, reason="Moved pharmacy"
        )
        got = titles(world.keyworker_mh, world.service_user, kinds=frozenset({"involvement"}))
        assert "Dispensary stopped working with them" in got
        assert "Dispensary started working with them" in got

    def test_a_link_meeting_case_shows_to_staff_who_present_cases(self, world):
        meeting = link_services.meeting_create(
            title="Locality link meeting",
            starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=3),
            duration_minutes=90,
            location="Room 2",
            chair=world.linkworker_mh,
            standing_items=[],
        )
        link_services.case_notify(
            meeting=meeting,
            service_user=world.service_user,
            by=world.keyworker_mh,
            brief_history="Known for six years.",
            mental_health="Low mood.",
            substance_use="Daily alcohol.",
            current_concerns="Missed appointments.",
            question="Who leads the joint assessment?",
        )
        assert "To be discussed at Locality link meeting" in titles(world.keyworker_mh, world.service_user)
        assert "linkworkers.case" not in sources_seen(world.pharmacist, world.service_user)

    def test_a_conversations_messages_show_to_its_readers_withdrawn_ones_without_their_words(self, world):
        from conversations import services as conversation_services
        from conversations.models import Kind

        conversation = conversation_services.conversation_start(
            service_user=world.service_user,
            by=world.keyworker_sm,
            kind=Kind.CARE_PLAN,
            subject="Depot and the new script",
            text="Is the depot still due on Friday?",
            staff=[world.keyworker_mh],
        )
        reply = conversation_services.message_reply(
            conversation=conversation, by=world.keyworker_mh, text="Yes, at 10:00."
        )
        conversation_services.message_withdraw(message=reply, by=world.keyworker_mh)
        seen = [
            (entry.title, entry.detail)
            for entry in timeline_for(
                world.keyworker_mh, world.service_user, Wanted(kinds=frozenset({"conversation"}))
            )[0:10]
        ]
        assert seen == [
            ("Message: Depot and the new script", "Withdrawn by the person who sent it"),
            ("Message: Depot and the new script", "Is the depot still due on Friday?"),
        ]
        # The pharmacy is involved but not addressed (and holds no care-plan consent): nothing.
        assert "conversations.message" not in sources_seen(world.pharmacist, world.service_user)
        assert "conversations.message" not in sources_seen(world.outsider, world.service_user)

    def test_every_registered_source_is_of_a_declared_kind_and_the_registry_refuses_a_second(self):
        keys = [source.key for source in sources.registered()]
        assert len(keys) == len(set(keys))
        with pytest.raises(Exception, match="registered twice"):
            sources.register("contacts.contact", kind="contact", rows=lambda viewer, person: None)


@pytest.mark.django_db
class TimelineFilterTests:
    def test_it_filters_by_kind(self, world):
        history(world)
        got = timeline_for(
            world.keyworker_mh, world.service_user, Wanted(kinds=frozenset({"outcome", "quadrant"}))
        )
        assert {e.kind for e in got[0:50]} == {"outcome", "quadrant"}

    def test_it_filters_by_organisation(self, world):
        history(world)
        got = timeline_for(world.keyworker_mh, world.service_user, Wanted(organisation=world.sm.pk))[0:50]
        assert got and {e.organisation for e in got} == {world.sm.name}

    def test_it_searches_by_a_word(self, world):
        history(world)
        found = titles(world.keyworker_mh, world.service_user, search="MISSED")
        # The missed appointment and its alert to the key worker, whatever the case.
        assert len(found) == 2 and "Key worker appointment: missed" in found
        assert found[0].startswith("Missed appointment: key worker appointment on ")
        assert titles(world.keyworker_mh, world.service_user, search="mentor") == [
            "Referral from North CMHT to Peer Support: sent"
        ]
        assert titles(world.keyworker_mh, world.service_user, search="nothing-like-this") == []

    def test_the_page_keeps_the_filters_in_its_links_and_shows_a_bad_one_as_an_error(self, world, login):
        history(world)
        client = login(world.keyworker_mh)
        url = f"/people/{world.service_user.pk}/timeline/"
        page = client.get(url, {"kind": ["outcome"], "q": "HoNOS"})
        assert page.status_code == 200
        assert "HoNOS rated (assessment)" in page.content.decode()
        assert "Key worker appointment" not in page.content.decode()
        bad = client.get(url, {"kind": "nonsense", "organisation": "not-an-id"})
        assert bad.status_code == 200
        body = bad.content.decode()
        assert "Choose what to show from the list." in body
        assert "Choose an organisation from the list." in body


def bulk_contacts(w, count: int) -> None:
    """`count` attended collections-worth of appointments for Sam, years of them (bulk: volume only)."""
    now = timezone.now()
    Contact.objects.bulk_create(
        [
            Contact(
                service_user=w.service_user,
                kind="key_worker",
                team=w.cmht_north,
                starts_at=now - dt.timedelta(days=3 + n),
                due_on=(now - dt.timedelta(days=3 + n)).date(),
                outcome="attended",
                outcome_recorded_at=now,
                outcome_recorded_by=w.keyworker_mh,
            )
            for n in range(count)
        ]
    )


# The page: the session and the user; the person; the viewer's permissions on them (once, for every
# source); their roles; the audit row; the organisations the filter offers; is the viewer active
# staff; the count (one statement over every source); the page (one UNION ALL); the header's roles
# and unread alerts; the session's save (savepoint, update, release).
PAGE_QUERIES = 15
# The API: the token and user; the person; the permissions; the roles; the audit row; the count;
# the page.
API_QUERIES = 7


@pytest.mark.django_db
class TimelinePagingTests:
    def test_it_pages_25_at_a_time(self, world, login):
        bulk_contacts(world, 40)
        client = login(world.keyworker_mh)
        url = f"/people/{world.service_user.pk}/timeline/"
        first, second = client.get(url), client.get(url, {"page": 2})
        assert len(first.context["entries"]) == 25
        total = first.context["page"].paginator.count
        assert len(second.context["entries"]) == total - 25
        ids = {e.id for e in first.context["entries"]} | {e.id for e in second.context["entries"]}
        assert len(ids) == total

    def test_the_page_takes_the_same_queries_for_10_entries_as_for_2000(
        self, world, login, django_assert_num_queries
    ):
        history(world)
        client = login(world.keyworker_mh)
        url = f"/people/{world.service_user.pk}/timeline/"
        with django_assert_num_queries(PAGE_QUERIES, info="see PAGE_QUERIES"):
            assert client.get(url).status_code == 200
        bulk_contacts(world, 2000)
        with django_assert_num_queries(PAGE_QUERIES, info="see PAGE_QUERIES"):
            page = client.get(url)
        assert page.context["page"].paginator.count > 2000

    def test_the_api_takes_the_same_queries_for_10_entries_as_for_2000(
        self, world, api, django_assert_num_queries
    ):
        history(world)
        as_user(api, world.keyworker_mh)
        url = f"/api/v1/service-users/{world.service_user.pk}/timeline/"
        with django_assert_num_queries(API_QUERIES, info="see API_QUERIES"):
            assert api.get(url).status_code == 200
        bulk_contacts(world, 2000)
        with django_assert_num_queries(API_QUERIES, info="see API_QUERIES"):
            response = api.get(url)
        assert response.json()["count"] > 2000
        assert len(response.json()["results"]) == 50


@pytest.mark.django_db
class TimelineRefusalTests:
    def test_an_outsider_gets_a_404_audited_as_denied(self, world, login):
        client = login(world.outsider)
        response = client.get(f"/people/{world.service_user.pk}/timeline/")
        assert response.status_code == 404
        assert AuditEvent.objects.filter(
            actor=world.outsider, service_user=world.service_user, action="timeline.view", outcome="denied"
        ).exists()

    def test_one_audit_row_per_page_view(self, world, login):
        history(world)
        client = login(world.keyworker_mh)
        before = AuditEvent.objects.filter(action="timeline.view").count()
        client.get(f"/people/{world.service_user.pk}/timeline/")
        client.get(f"/people/{world.service_user.pk}/timeline/", {"page": 2})
        rows = AuditEvent.objects.filter(action="timeline.view").order_by("at")[before:]
        assert [(row.actor_id, row.service_user_id, row.outcome) for row in rows] == [
            (world.keyworker_mh.pk, world.service_user.pk, "allowed")
        ] * 2

    def test_people_and_carers_cannot_open_it(self, world, login):
        for who in (world.service_user_login, world.carer):
            response = login(who).get(f"/people/{world.service_user.pk}/timeline/")
            assert response.status_code == 404

    def test_the_api_is_staff_only_a_404_for_an_outsider_and_strict(self, world, api):
        url = f"/api/v1/service-users/{world.service_user.pk}/timeline/"
        as_user(api, world.service_user_login)
        assert api.get(url).status_code == 403
        as_user(api, world.outsider)
        assert api.get(url).status_code == 404
        as_user(api, world.keyworker_mh)
        assert api.get(url, {"kind": "nonsense"}).status_code == 400
        bad = api.get(url, {"organisation": "not-an-id"})
        assert bad.status_code == 400 and "organisation" in bad.json()
        assert api.get(url, {"search": "x" * 101}).status_code == 400

    def test_the_api_filters_and_names_each_entry(self, world, api):
        history(world)
        as_user(api, world.keyworker_mh)
        url = f"/api/v1/service-users/{world.service_user.pk}/timeline/"
        body = api.get(url, {"kind": "outcome"}).json()
        assert [row["title"] for row in body["results"]] == ["HoNOS rated (assessment)"]
        row = body["results"][0]
        assert row["organisation"] == {"id": str(world.mh.pk), "name": world.mh.name}
        assert row["timed"] is False and row["url"] == f"/outcomes/people/{world.service_user.pk}/"
        searched = api.get(url, {"search": "appointment missed", "kind": "contact"}).json()["results"]
        assert [r["title"] for r in searched] == ["Key worker appointment: missed"]


@pytest.mark.django_db
class OrgWrittenOfPersonTests:
    """access.org_written_filter(service_user=...), the person a constant in the rule (the record's
    sections and the timeline's statements): the rows of the rule for everyone, narrowed to the person."""

    MODELS = ("contacts.contact", "outcomes.honosrating", "cohorts.quadrantassessment")

    def _same(self, viewer, person):
        from django.apps import apps

        from dualcare import access

        for label in self.MODELS:
            model = apps.get_model(label)
            everyone = access.org_written_filter(viewer, model.objects.all())
            expected = set(
                everyone.filter(**{access.org_written(model).service_user: person}).values_list(
                    "pk", flat=True
                )
            )
            got = set(
                access.org_written_filter(viewer, model.objects.all(), service_user=person).values_list(
                    "pk", flat=True
                )
            )
            assert got == expected, (label, viewer.username)

    def test_it_gives_the_same_rows_as_org_written_filter_for_every_viewer_and_consent(self, world):
        history(world)
        outcome_services.honos_record(
            service_user=world.service_user, by=world.keyworker_sm, rated_on=world.today, **HONOS
        )
        viewers = [world.keyworker_mh, world.keyworker_sm, world.pharmacist, world.manager_mh, world.outsider]
        for viewer in viewers:
            self._same(viewer, world.service_user)
        consent = people_services.consent_record(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.OUTCOMES,
            by=world.keyworker_mh,
            method=Consent.Method.WRITTEN,
        )
        for viewer in viewers:
            self._same(viewer, world.service_user)
        people_services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        for viewer in viewers:
            self._same(viewer, world.service_user)


@pytest.mark.django_db
class DayOnlyEntryTests:
    """An entry with a day and no time (an outcome measure) sorts from the start of that day in
    London: in summer (BST) 23:00 UTC of the day before, in winter midnight UTC."""

    def appointment_at(self, w, starts_at):
        contact = contact_services.appointment_create(
            by=w.keyworker_mh,
            service_user=w.service_user,
            kind="key_worker",
            team=w.cmht_north,
            starts_at=starts_at,
        )
        contact_services.contact_record(contact=contact, by=w.keyworker_mh, outcome="missed")

    @pytest.mark.parametrize(
        ("day", "day_starts_at"),
        [
            (dt.date(2026, 7, 1), dt.datetime(2026, 6, 30, 23, 0, tzinfo=dt.UTC)),  # BST
            (dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 0, 0, tzinfo=dt.UTC)),  # GMT
        ],
    )
    def test_it_sorts_a_day_at_its_start_in_london(self, world, day, day_starts_at):
        outcome_services.honos_record(
            service_user=world.service_user, by=world.keyworker_mh, rated_on=day, **HONOS
        )
        # Half an hour into the London day, and half an hour before it starts.
        self.appointment_at(world, day_starts_at + dt.timedelta(minutes=30))
        self.appointment_at(world, day_starts_at - dt.timedelta(minutes=30))
        wanted = Wanted(kinds=frozenset({"contact", "outcome"}))
        rows = timeline_for(world.keyworker_mh, world.service_user, wanted)[0:10]
        assert [(entry.source, entry.at) for entry in rows] == [
            ("contacts.contact", day_starts_at + dt.timedelta(minutes=30)),
            ("outcomes.honos", day_starts_at),
            ("contacts.contact", day_starts_at - dt.timedelta(minutes=30)),
        ]
        assert timezone.localtime(rows[1].at).date() == day
