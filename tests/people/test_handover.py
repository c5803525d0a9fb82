"""Provider handover (issue 21 item 5): the drug and alcohol service's contract passes to a new
provider. Two admins agree (never one person for both sides), a dry run counts and writes nothing,
on the date (clock frozen: not before) involvements end and open in the new team, the plan entries,
outcomes, quadrants and contacts move and each is audited, consents are carried or re-asked as the
person chose, the old staff get a 404 that day, and the report (page and CSV) lists what moved."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from careplans import services as careplan_services
from careplans.models import PlanEntry
from cohorts import services as cohort_services
from cohorts.models import QuadrantAssessment
from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.contacts import services as contact_services
from dualcare.contacts.models import Contact
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.models import Notification
from dualcare.people import handover, services
from dualcare.people.handover_models import Handover, HandoverMove, HandoverPerson
from dualcare.people.models import Consent, ConsentRequest, Involvement, Organisation, Scope, StaffRole
from dualcare.people.tasks import handovers_carry_out_due
from outcomes import services as outcome_services
from outcomes.models import HonosRating
from tests.factories import TeamFactory, staff

pytestmark = pytest.mark.django_db

Role = StaffRole.Role
HONOS = {"stage": "assessment", "items": [2, 1, 0, 3, 1, 2, 0, 1, 2, 2, 1, 0], "item8_type": "A"}


def setting(w):
    """A new drug and alcohol provider with a team, an admin on each side, and what the old service
    wrote about Sam (a plan entry, a HoNOS, a quadrant, an appointment) and about Jo."""
    w.newsm = services.organisation_create(
        name="New Recovery Provider", kind=Organisation.Kind.SUBSTANCE_MISUSE
    )
    w.new_team = TeamFactory(organisation=w.newsm, name="New Recovery Team")
    w.new_admin_team = TeamFactory(organisation=w.newsm, name="New provider office")
    w.sm_admin_team = TeamFactory(organisation=w.sm, name="Service office")
    w.orgadmin_sm = staff("orgadmin.sm", w.sm_admin_team, Role.ORG_ADMIN)
    w.orgadmin_new = staff("orgadmin.new", w.new_admin_team, Role.ORG_ADMIN)
    w.keyworker_new = staff("keyworker.new", w.new_team, Role.KEY_WORKER)
    w.manager_new = staff("manager.new", w.new_team, Role.TEAM_MANAGER)
    su, by = w.service_user, w.keyworker_sm
    w.entry = careplan_services.entry_add(
        service_user=su, section="what_matters", by=by, text="Staying well."
    )
    w.honos = outcome_services.honos_record(service_user=su, by=by, rated_on=w.today, **HONOS)
    w.quadrant = cohort_services.quadrant_assess(
        service_user=su, mental_health_severity="high", substance_use_severity="high", rationale="Both", by=by
    )
    w.appointment = contact_services.appointment_create(
        by=by,
        service_user=su,
        kind="key_worker",
        team=w.sm_team,
        starts_at=timezone.now() + dt.timedelta(days=3),
    )
    # The CMHT's own entry stays the CMHT's.
    w.mh_entry = careplan_services.entry_add(
        service_user=su, section="what_matters", by=w.keyworker_mh, text="Work."
    )
    return w


def agreed(w, on):
    found = handover.handover_propose(
        from_organisation=w.sm, to_organisation=w.newsm, on=on, by=w.orgadmin_sm
    )
    handover.handover_team_add(handover=found, from_team=w.sm_team, to_team=w.new_team, by=w.orgadmin_sm)
    handover.handover_consent_choose(
        handover=found,
        service_user=w.service_user,
        choice=HandoverPerson.ConsentChoice.CARRY,
        by=w.orgadmin_sm,
    )
    handover.handover_agree(handover=found, by=w.orgadmin_sm)
    return found


@pytest.fixture
def w(world):
    return setting(world)


class HandoverDryRunTests:
    def test_it_counts_what_would_move_and_writes_nothing(self, w):
        found = agreed(w, w.today + dt.timedelta(days=7))
        events = AuditEvent.objects.count()
        run = handover.handover_dry_run(found)
        counts = {label: count for label, _words, count in run.kinds}
        assert run.people == 2  # Sam and Jo
        assert run.involvements == 2
        assert counts["careplans.planentry"] == 1  # the service's entry, not the CMHT's
        assert counts["outcomes.honosrating"] == 1
        assert counts["cohorts.quadrantassessment"] == 1
        assert counts["contacts.contact"] == 1
        # Sam chose to carry their two consents to the service; Jo has none to ask again.
        assert (run.consents_to_carry, run.consents_to_reask) == (2, 0)
        assert AuditEvent.objects.count() == events
        assert PlanEntry.objects.get(pk=w.entry.pk).organisation_id == w.sm.pk

    def test_it_counts_consents_to_carry_and_to_ask_again(self, w):
        services.consent_record(
            service_user=w.sm_only, organisation=w.sm, scope=Scope.OUTCOMES, by=w.keyworker_sm
        )
        found = agreed(w, w.today + dt.timedelta(days=7))
        run = handover.handover_dry_run(found)
        assert (run.consents_to_carry, run.consents_to_reask, run.people_to_reask) == (2, 1, 1)


class HandoverAgreementTests:
    def test_it_needs_an_admin_of_each_side(self, w):
        found = handover.handover_propose(
            from_organisation=w.sm,
            to_organisation=w.newsm,
            on=w.today + dt.timedelta(days=3),
            by=w.orgadmin_sm,
        )
        handover.handover_team_add(handover=found, from_team=w.sm_team, to_team=w.new_team, by=w.orgadmin_sm)
        found = handover.handover_agree(handover=found, by=w.orgadmin_sm)
        assert found.state == Handover.State.PROPOSED
        with pytest.raises(ApplicationError, match="already agreed"):
            handover.handover_agree(handover=found, by=w.orgadmin_sm)
        with pytest.raises(ApplicationError, match="admin of one of the two"):
            handover.handover_agree(handover=found, by=w.keyworker_sm)
        found = handover.handover_agree(handover=found, by=w.orgadmin_new)
        assert found.state == Handover.State.AGREED

    def test_one_person_admin_of_both_cannot_agree_for_both(self, w):
        services.staff_role_add(user=w.orgadmin_sm, team=w.new_admin_team, role=Role.ORG_ADMIN)
        found = handover.handover_propose(
            from_organisation=w.sm,
            to_organisation=w.newsm,
            on=w.today + dt.timedelta(days=3),
            by=w.orgadmin_sm,
        )
        handover.handover_team_add(handover=found, from_team=w.sm_team, to_team=w.new_team, by=w.orgadmin_sm)
        handover.handover_agree(handover=found, by=w.orgadmin_sm)
        with pytest.raises(ApplicationError, match="already agreed"):
            handover.handover_agree(handover=found, by=w.orgadmin_sm)
        # And the database refuses it even if a service forgot.
        found.refresh_from_db()
        found.to_agreed_by = w.orgadmin_sm
        with pytest.raises(IntegrityError), transaction.atomic():
            found.save()

    def test_its_refusals_name_the_field_and_write_nothing(self, w):
        later = w.today + dt.timedelta(days=3)
        cases = [
            (
                {"from_organisation": w.sm, "to_organisation": w.sm, "on": later, "by": w.orgadmin_sm},
                "to_organisation",
            ),
            (
                {
                    "from_organisation": w.sm,
                    "to_organisation": w.newsm,
                    "on": w.today - dt.timedelta(days=1),
                    "by": w.orgadmin_sm,
                },
                "on",
            ),
            (
                {"from_organisation": w.mh, "to_organisation": w.sm, "on": later, "by": w.orgadmin_new},
                "from_organisation",
            ),
        ]
        for kwargs, field in cases:
            with pytest.raises(ApplicationError) as refused:
                handover.handover_propose(**kwargs)
            assert refused.value.field == field
        assert not Handover.objects.exists()
        found = handover.handover_propose(
            from_organisation=w.sm, to_organisation=w.newsm, on=later, by=w.orgadmin_sm
        )
        with pytest.raises(ApplicationError) as refused:
            handover.handover_team_add(
                handover=found, from_team=w.cmht_north, to_team=w.new_team, by=w.orgadmin_sm
            )
        assert refused.value.field == "from_team"
        with pytest.raises(ApplicationError) as refused:
            handover.handover_team_add(
                handover=found, from_team=w.sm_team, to_team=w.sm_team, by=w.orgadmin_sm
            )
        assert refused.value.field == "to_team"
        with pytest.raises(ApplicationError, match="at least one team"):
            handover.handover_agree(handover=found, by=w.orgadmin_sm)
        with pytest.raises(ApplicationError) as refused:
            handover.handover_consent_choose(
                handover=found, service_user=w.mh_only, choice="carry", by=w.orgadmin_sm
            )
        assert refused.value.field == "service_user"
        assert not found.teams.exists()
        handover.handover_cancel(handover=found, by=w.orgadmin_new)
        with pytest.raises(StateConflict):
            handover.handover_team_add(
                handover=found, from_team=w.sm_team, to_team=w.new_team, by=w.orgadmin_sm
            )


class HandoverOnTheDayTests:
    def test_old_staff_see_before_the_date_and_get_a_404_on_it(self, w, client):
        on = w.today + dt.timedelta(days=2)
        found = agreed(w, on)
        found = handover.handover_agree(handover=found, by=w.orgadmin_new)
        assert found.state == Handover.State.AGREED
        detail = reverse("service_user_detail", kwargs={"pk": w.service_user.pk})
        with freeze_time(on - dt.timedelta(days=1)):
            client.force_login(w.keyworker_sm)
            assert handovers_carry_out_due() == 0
            assert client.get(detail).status_code == 200
        with freeze_time(on):
            client.force_login(w.keyworker_sm)
            assert handovers_carry_out_due() == 1
            assert handovers_carry_out_due() == 0  # once
            assert client.get(detail).status_code == 404
            assert not access.can_view_record(w.manager_sm, w.service_user)
            assert access.can_view_record(w.keyworker_new, w.service_user)
            assert access.can_view_record(w.manager_new, w.service_user)
            # The CMHT, still involved, still sees.
            assert access.can_view_record(w.keyworker_mh, w.service_user)

    def test_it_moves_each_record_and_audits_it(self, w):
        services.consent_record(
            service_user=w.sm_only, organisation=w.sm, scope=Scope.OUTCOMES, by=w.keyworker_sm
        )
        found = agreed(w, w.today)
        found = handover.handover_agree(handover=found, by=w.orgadmin_new)  # today: at once
        assert found.state == Handover.State.DONE
        old = Involvement.objects.get(service_user=w.service_user, team=w.sm_team)
        assert old.end == w.today and "provider handover" in old.end_reason
        new = Involvement.objects.get(service_user=w.service_user, team=w.new_team, end__isnull=True)
        assert new.key_worker is None
        assert PlanEntry.objects.get(pk=w.entry.pk).organisation_id == w.newsm.pk
        assert PlanEntry.objects.get(pk=w.mh_entry.pk).organisation_id == w.mh.pk
        honos = HonosRating.objects.get(pk=w.honos.pk)
        assert (honos.organisation_id, honos.recorded_by_id) == (w.newsm.pk, w.keyworker_sm.pk)
        assert QuadrantAssessment.objects.get(pk=w.quadrant.pk).organisation_id == w.newsm.pk
        assert Contact.objects.get(pk=w.appointment.pk).team_id == w.new_team.pk
        moved = AuditEvent.objects.filter(action="handover.move")
        for record in (w.entry, w.honos, w.quadrant, w.appointment):
            event = moved.get(target_id=str(record.pk))
            assert event.detail["how"] == "moved"
            assert event.detail["from_organisation"] == str(w.sm.pk)
        assert moved.filter(target_type="people.involvement", detail__how="ended").count() == 2
        # Sam chose to carry: the service's consents are the new provider's.
        carried = Consent.objects.filter(
            service_user=w.service_user, organisation=w.newsm, withdrawn_at__isnull=True
        )
        assert set(carried.values_list("scope", flat=True)) == {Scope.CARE_PLAN, Scope.CONTACTS}
        # Jo did not choose: asked again, a consent request for the new organisation.
        assert not Consent.objects.filter(service_user=w.sm_only, organisation=w.newsm).exists()
        asked = ConsentRequest.objects.get(service_user=w.sm_only, organisation=w.newsm)
        assert (asked.scope, asked.state) == (Scope.OUTCOMES, ConsentRequest.State.OPEN)
        # The new team's manager is told to allocate key workers, once.
        told = Notification.objects.filter(kind="handover.allocate", recipient=w.manager_new)
        assert told.count() >= 1
        assert "Sam" not in told.first().body
        # The report's rows.
        rows = {(m.service_user_id, m.kind): m.count for m in HandoverMove.objects.filter(handover=found)}
        assert rows[(w.service_user.pk, "careplans.planentry")] == 1
        assert rows[(w.service_user.pk, "people.involvement")] == 1
        person = HandoverPerson.objects.get(handover=found, service_user=w.service_user)
        assert (person.consents_carried, person.to_involvement_id) == (2, new.pk)
        # The new provider sees the moved entry as its own, without any consent from the CMHT.
        assert access.can_view_org_written(w.keyworker_new, PlanEntry.objects.get(pk=w.entry.pk))
        assert not access.can_view_org_written(w.keyworker_sm, PlanEntry.objects.get(pk=w.entry.pk))
        assert handover.handover_carry_out(handover_id=found.pk) == 0

    def test_what_the_old_organisation_holds_stays_while_another_of_its_teams_cares(self, w):
        prescribing = TeamFactory(organisation=w.sm, name="Prescribing Team")
        services.involvement_start(service_user=w.service_user, team=prescribing)
        found = agreed(w, w.today)
        counts = {label: count for label, _words, count in handover.handover_dry_run(found).kinds}
        assert counts["careplans.planentry"] == 0 and counts["contacts.contact"] == 1
        handover.handover_agree(handover=found, by=w.orgadmin_new)
        # Sam is still the service's through its prescribing team: its entry and rating stay its own;
        # the Recovery Team's appointment goes with the team.
        assert PlanEntry.objects.get(pk=w.entry.pk).organisation_id == w.sm.pk
        assert HonosRating.objects.get(pk=w.honos.pk).organisation_id == w.sm.pk
        assert Contact.objects.get(pk=w.appointment.pk).team_id == w.new_team.pk
        assert access.can_view_record(w.manager_sm, w.service_user)


class HandoverPageTests:
    def test_outsiders_get_a_404(self, w, client):
        found = agreed(w, w.today + dt.timedelta(days=3))
        for user in (w.keyworker_sm, w.manager_sm, w.orgadmin_mh, w.outsider):
            client.force_login(user)
            assert client.get(reverse("handover_detail", kwargs={"pk": found.pk})).status_code == 404
            assert client.get(reverse("handover_report_csv", kwargs={"pk": found.pk})).status_code == 404
            if user != w.orgadmin_mh:  # an admin has the list page, without this handover
                assert client.get(reverse("handover_list")).status_code == 404
        client.force_login(w.orgadmin_mh)
        assert str(found.pk) not in client.get(reverse("handover_list")).content.decode()
        assert AuditEvent.objects.filter(action="handover.view", outcome="denied").count() >= 4

    def test_propose_page_gives_field_errors(self, w, client):
        client.force_login(w.orgadmin_sm)
        response = client.post(reverse("handover_propose"), {"from_organisation": str(w.sm.pk)})
        assert response.status_code == 200
        assert response.context["form"].errors.keys() >= {"to_organisation", "on"}
        response = client.post(
            reverse("handover_propose"),
            {
                "from_organisation": str(w.sm.pk),
                "to_organisation": str(w.sm.pk),
                "on_day": "1",
                "on_month": "1",
                "on_year": "2030",
            },
        )
        assert "to_organisation" in response.context["form"].errors
        assert not Handover.objects.exists()

    def test_the_journey_through_the_pages(self, w, client):
        later = w.today + dt.timedelta(days=5)
        client.force_login(w.orgadmin_sm)
        response = client.post(
            reverse("handover_propose"),
            {
                "from_organisation": str(w.sm.pk),
                "to_organisation": str(w.newsm.pk),
                "on_day": str(later.day),
                "on_month": str(later.month),
                "on_year": str(later.year),
            },
        )
        found = Handover.objects.get()
        assert response.status_code == 302
        client.post(
            reverse("handover_team_add", kwargs={"pk": found.pk}),
            {"from_team": str(w.sm_team.pk), "to_team": str(w.new_team.pk)},
        )
        choice = reverse("handover_person_choice", kwargs={"pk": found.pk, "person_pk": w.service_user.pk})
        assert client.get(choice).status_code == 200
        assert client.post(choice, {"consent_choice": "carry"}).status_code == 302
        assert client.post(choice, {"consent_choice": "everything"}).status_code == 200
        page = client.get(reverse("handover_detail", kwargs={"pk": found.pk}))
        assert page.context["dry_run"].people == 2
        assert b"Carried over" in page.content
        client.post(reverse("handover_agree", kwargs={"pk": found.pk}))
        client.force_login(w.orgadmin_new)
        client.post(reverse("handover_agree", kwargs={"pk": found.pk}))
        with freeze_time(later):
            handovers_carry_out_due()
        report = client.get(reverse("handover_report", kwargs={"pk": found.pk}))
        assert report.status_code == 200
        assert b"Care plan entries" in report.content
        csv_text = b"".join(
            client.get(reverse("handover_report_csv", kwargs={"pk": found.pk})).streaming_content
        )
        assert b"Testwell" in csv_text and b"HoNOS ratings" in csv_text
        assert AuditEvent.objects.filter(action="handover.report_csv", service_user=w.service_user).exists()

    def test_pages_take_the_same_queries_for_more_people(self, w, client, django_assert_max_num_queries):
        from tests.factories import person

        found = agreed(w, w.today + dt.timedelta(days=5))
        client.force_login(w.orgadmin_new)
        urls = [
            reverse("handover_list"),
            reverse("handover_detail", kwargs={"pk": found.pk}),
            reverse("handover_report", kwargs={"pk": found.pk}),
        ]

        def counts():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            seen = []
            for url in urls:
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url).status_code == 200
                seen.append(len(queries))
            return seen

        before = counts()
        # Each page: the session and its user, the admin's organisations (the rule), the handover;
        # the list: the ids, their rows; the detail: the people's ids and page, their choices, the
        # audit rows, the teams, and the dry run (its people, involvements, one count per registered
        # kind of record, the choices, the consents); the report: the ids, the page, the totals.
        assert before == [11, 32, 11]
        for n in range(6):
            person(w.sm_team, given_name=f"Extra{n}", family_name="Person")
        assert counts() == before
