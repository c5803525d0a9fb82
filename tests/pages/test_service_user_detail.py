import datetime as dt

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.people import services
from dualcare.people.models import Consent, Involvement, Scope, ServiceUser

# session, user; the read check and its audit row (person, the viewer's permissions on the person,
# organisation, insert); my teams; involvements, consents, carers, their permissions, quadrant;
# the acting team; roles for the header; the session save (savepoint, update, release).
# 18 for the record and the header (with its unread-alerts count) and 13 for the capability
# sections: referrals 2, care plan 1, outcomes 2, quadrant 0, contacts 2, link meetings 3.
# The viewer's permissions on the person, and which of their teams is involved, are read once for
# the page (access.record_checks_once): 36 when each section read the permissions again, 31 when
# the referrals and contacts sections each asked again for an involved team of the viewer's.
# None of them grows with the rows. Safety flags at the top (issue 19): the viewer's roles, and
# the flags they may see, 2.
QUERIES_FOR_DETAIL = 31


def _detail(person):
    return reverse("service_user_detail", args=[person.pk])


class ServiceUserDetailTests:
    def test_it_shows_an_involved_key_worker_the_summary_and_audits_the_view(self, world, client):
        services.involvement_end(
            involvement=services.involvement_start(service_user=world.service_user, team=world.charity_team),
            reason="Moved to another area",
            by=world.outsider,
        )
        client.force_login(world.keyworker_mh)
        before = AuditEvent.objects.filter(
            action="service_user.view", service_user=world.service_user
        ).count()
        response = client.get(_detail(world.service_user))
        html = response.content.decode()
        assert response.status_code == 200
        assert world.service_user.nhs_number_display in html
        assert "Testshire Drug and Alcohol Service" in html and "Recovery Team" in html
        assert "Peer Support, Test Recovery Charity" in html and "Moved to another area" in html
        assert "Care plan" in html and escape(world.keyworker_mh.display_name) in html
        assert "Pat Testwell (Mother)" in html and "my care plan" not in html
        assert "May see: the crisis and relapse-prevention plan (not the rest of the care plan)" in html
        event = AuditEvent.objects.filter(action="service_user.view", service_user=world.service_user).first()
        assert AuditEvent.objects.filter(
            action="service_user.view", service_user=world.service_user
        ).count() == (before + 1)
        assert event.actor == world.keyworker_mh and event.outcome == AuditEvent.Outcome.ALLOWED
        assert event.organisation == world.mh

    def test_it_issues_the_same_number_of_queries_however_much_is_on_the_record(
        self, world, client, django_assert_num_queries
    ):
        client.force_login(world.keyworker_mh)
        with django_assert_num_queries(QUERIES_FOR_DETAIL):
            client.get(_detail(world.service_user))
        for scope in (Scope.RISK, Scope.OUTCOMES):
            services.consent_record(
                service_user=world.service_user, organisation=world.sm, scope=scope, by=world.keyworker_mh
            )
        services.involvement_end(
            involvement=services.involvement_start(service_user=world.service_user, team=world.charity_team),
            reason="Finished",
            by=world.outsider,
        )
        second_carer = services.carer_add(
            service_user=world.service_user,
            relationship="Friend",
            by=world.service_user_login,
            username="friend",
            email="friend@example.invalid",
            first_name="Fran",
            last_name="Friend",
        )
        services.carer_permission_grant(carer=second_carer, scope="appointments", by=world.service_user_login)
        with django_assert_num_queries(QUERIES_FOR_DETAIL):
            response = client.get(_detail(world.service_user))
        summary = response.context["summary"]
        assert (len(summary.active_consents), len(summary.ended_involvements), len(summary.carers)) == (
            6,
            1,
            2,
        )

    def test_it_shows_withdrawn_consents_with_who_withdrew_them(self, world, client):
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.CONTACTS
        )
        services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Asked by phone")
        client.force_login(world.keyworker_sm)
        html = client.get(_detail(world.service_user)).content.decode()
        assert "Withdrawn consents (1)" in html
        assert f"withdrawn by {escape(world.keyworker_mh.display_name)}" in html and "Asked by phone" in html

    def test_it_gives_404_to_staff_of_an_uninvolved_team_and_audits_the_attempt(self, world, client):
        client.force_login(world.keyworker_mh_south)
        response = client.get(_detail(world.service_user))
        assert response.status_code == 404
        denied = AuditEvent.objects.filter(actor=world.keyworker_mh_south, outcome=AuditEvent.Outcome.DENIED)
        assert denied.filter(service_user=world.service_user, action="service_user.view").exists()

    def test_it_hides_the_summary_from_pharmacists_org_admins_carers_and_outsiders(self, world, client):
        for user in (world.pharmacist, world.orgadmin_mh, world.carer, world.outsider):
            client.force_login(user)
            assert client.get(_detail(world.service_user)).status_code == 404, user.username

    def test_it_gives_a_service_user_404_for_someone_else_and_their_own_page_for_themselves(
        self, world, client
    ):
        client.force_login(world.service_user_login)
        assert client.get(_detail(world.mh_only)).status_code == 404
        response = client.get(_detail(world.service_user))
        assert response.status_code == 302 and response.url == reverse("my_home")

    def test_it_gives_404_for_an_unknown_id(self, world, client):
        client.force_login(world.keyworker_mh)
        assert (
            client.get(
                reverse("service_user_detail", args=["00000000-0000-0000-0000-000000000000"])
            ).status_code
            == 404
        )

    def test_it_offers_actions_only_to_staff_of_an_involved_team(self, world, client):
        client.force_login(world.keyworker_mh)
        assert (
            reverse("consent_record", args=[world.service_user.pk])
            in client.get(_detail(world.service_user)).content.decode()
        )
        # The trust's manager sees South's person but acts only through an involved team.
        client.force_login(world.manager_mh)
        response = client.get(_detail(world.service_user))
        assert response.status_code == 200
        assert response.context["acting_team"] is None
        assert reverse("consent_record", args=[world.service_user.pk]) not in response.content.decode()


class RecordChecksOnceTests:
    def test_it_reads_the_viewers_permissions_on_the_person_once_for_the_page(
        self, world, client, django_assert_num_queries
    ):
        client.force_login(world.keyworker_mh)
        client.get(_detail(world.service_user))
        with django_assert_num_queries(QUERIES_FOR_DETAIL) as page:
            client.get(_detail(world.service_user))
        # A check reads the table itself; lists only name it in a subquery ("... U0").
        checks = [
            query["sql"]
            for query in page.captured_queries
            if 'FROM "people_serviceuseruserobjectpermission" INNER JOIN' in query["sql"]
        ]
        assert len(checks) == 1 and world.service_user.pk.hex in checks[0]
        # And which of the viewer's teams is involved (the acting team, "Refer", "Book"): once.
        involved = [
            query["sql"]
            for query in page.captured_queries
            if query["sql"].startswith("SELECT")
            and 'FROM "people_team" INNER JOIN "people_involvement"' in query["sql"]
        ]
        assert len(involved) == 1

    def test_it_never_carries_an_answer_into_the_next_request(self, world, client):
        client.force_login(world.keyworker_sm)
        assert client.get(_detail(world.service_user)).status_code == 200
        Involvement.objects.filter(service_user=world.service_user, team=world.sm_team).update(
            end=timezone.localdate()
        )
        access.permissions_sync(service_user_ids=[world.service_user.pk])
        assert client.get(_detail(world.service_user)).status_code == 404

    def test_it_forgets_within_the_block_when_permissions_change(self, world):
        person, viewer = world.service_user, world.keyworker_sm
        with access.record_checks_once():
            assert Scope.CONTACTS in access.visible_scopes(viewer, person)
            consent = Consent.objects.get(service_user=person, organisation=world.sm, scope=Scope.CONTACTS)
            services.consent_withdraw(consent=consent, by=world.keyworker_mh, note="Asked by phone")
            assert Scope.CONTACTS not in access.visible_scopes(viewer, person)
            assert access.can_view_record(viewer, person)

    def test_it_answers_each_viewer_and_person_for_themselves_within_the_block(self, world):
        with access.record_checks_once():
            assert access.can_view_record(world.keyworker_mh, world.service_user)
            assert not access.can_view_record(world.keyworker_mh_south, world.service_user)
            assert not access.can_view_record(world.keyworker_sm, world.mh_only)
            assert access.can_view_record(world.keyworker_mh, world.mh_only)
        with access.record_checks_once():
            assert not access.can_view_record(world.pharmacist, world.service_user)


class ConsentPageTests:
    def test_it_records_consent_and_access_follows_at_once(self, world, client):
        # The charity becomes involved; it sees nothing of other organisations until consent.
        services.involvement_start(service_user=world.service_user, team=world.charity_team)
        assert Scope.RISK not in access.visible_scopes(world.outsider, world.service_user)
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("consent_record", args=[world.service_user.pk]),
            {
                "organisation": world.charity.pk,
                "scope": Scope.RISK,
                "method": Consent.Method.VERBAL,
                "note": "In clinic",
            },
        )
        assert response.status_code == 302 and response.url == _detail(world.service_user)
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.charity, scope=Scope.RISK
        )
        assert consent.recorded_by == world.keyworker_mh and consent.note == "In clinic"
        assert Scope.RISK in access.visible_scopes(world.outsider, world.service_user)

    def test_it_shows_field_level_errors_and_writes_nothing_on_bad_input(self, world, client):
        client.force_login(world.keyworker_mh)
        before = Consent.objects.count()
        response = client.post(
            reverse("consent_record", args=[world.service_user.pk]), {"organisation": world.sm.pk}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in html and "<title>Error: Record consent to share" in html
        assert '<a href="#scope_0">Choose what the person agrees to share.</a>' in html
        assert 'id="scope-error"' in html and 'id="method-error"' in html
        assert Consent.objects.count() == before

    def test_it_does_not_let_staff_record_consent_as_given_by_the_person_in_dualcare(self, world, client):
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("consent_record", args=[world.service_user.pk]),
            {"organisation": world.charity.pk, "scope": Scope.RISK, "method": Consent.Method.PORTAL},
        )
        assert response.status_code == 200 and "method" in response.context["form"].errors
        assert not Consent.objects.filter(organisation=world.charity).exists()

    def test_it_puts_a_service_refusal_on_the_field_it_names(self, world, client):
        client.force_login(world.keyworker_mh)
        before = Consent.objects.count()
        response = client.post(
            reverse("consent_record", args=[world.service_user.pk]),
            {"organisation": world.sm.pk, "scope": Scope.CARE_PLAN, "method": Consent.Method.VERBAL},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["scope"] == [
            "Consent to share this with Testshire Drug and Alcohol Service is already recorded."
        ]
        assert Consent.objects.count() == before

    def test_it_withdraws_consent_after_confirmation_and_access_ends_at_once(self, world, client):
        consent = Consent.objects.get(
            service_user=world.service_user, organisation=world.sm, scope=Scope.CARE_PLAN
        )
        assert Scope.CARE_PLAN in access.visible_scopes(world.keyworker_sm, world.service_user)
        client.force_login(world.keyworker_mh)
        url = reverse("consent_withdraw", args=[world.service_user.pk, consent.pk])
        confirm = client.get(url)
        assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
        consent.refresh_from_db()
        assert consent.withdrawn_at is None
        response = client.post(url, {"note": "Changed their mind"})
        assert response.status_code == 302
        consent.refresh_from_db()
        assert consent.withdrawn_by == world.keyworker_mh and consent.withdrawal_note == "Changed their mind"
        assert Scope.CARE_PLAN not in access.visible_scopes(world.keyworker_sm, world.service_user)

    def test_it_refuses_consent_pages_to_those_who_cannot_act(self, world, client):
        consent = Consent.objects.filter(service_user=world.service_user).first()
        urls = [
            reverse("consent_record", args=[world.service_user.pk]),
            reverse("consent_withdraw", args=[world.service_user.pk, consent.pk]),
        ]
        for user, status in [
            (world.keyworker_mh_south, 404),
            (world.pharmacist, 404),
            (world.service_user_login, 404),
            (world.manager_mh, 403),
        ]:
            client.force_login(user)
            for url in urls:
                assert client.post(url, {"note": "x"}).status_code == status, (user.username, url)
        assert Consent.objects.get(pk=consent.pk).withdrawn_at is None

    def test_it_gives_404_for_a_consent_of_another_person(self, world, client):
        other = services.consent_record(
            service_user=world.sm_only, organisation=world.mh, scope=Scope.RISK, by=world.keyworker_sm
        )
        client.force_login(world.keyworker_mh)
        url = reverse("consent_withdraw", args=[world.service_user.pk, other.pk])
        assert client.post(url).status_code == 404
        other.refresh_from_db()
        assert other.withdrawn_at is None


class InvolvementEndPageTests:
    def test_it_ends_my_teams_involvement_with_a_reason_and_access_goes(self, world, client):
        involvement = Involvement.objects.get(
            service_user=world.mh_only, team=world.cmht_north, end__isnull=True
        )
        client.force_login(world.keyworker_mh)
        url = reverse("involvement_end", args=[world.mh_only.pk, involvement.pk])
        response = client.post(url, {"reason": "Discharged to GP"})
        # A mental health team's care has ended: the key worker is asked for the discharge HoNOS.
        assert response.status_code == 302
        assert response.url == reverse("outcomes:exit_new", args=[involvement.pk, "honos"])
        page = client.get(response.url)
        assert page.status_code == 200
        assert "Record the exit measure now" in page.content.decode()
        involvement.refresh_from_db()
        assert involvement.end == timezone.localdate() and involvement.end_reason == "Discharged to GP"
        assert involvement.ended_by == world.keyworker_mh
        assert client.get(_detail(world.mh_only)).status_code == 404

    @override_settings(OUTCOME_INSTRUMENTS=["top", "dialog", "satisfaction"])
    def test_it_goes_back_to_the_caseload_when_no_exit_measure_is_due(self, world, client):
        involvement = Involvement.objects.get(
            service_user=world.mh_only, team=world.cmht_north, end__isnull=True
        )
        client.force_login(world.keyworker_mh)
        url = reverse("involvement_end", args=[world.mh_only.pk, involvement.pk])
        response = client.post(url, {"reason": "Discharged to GP"})
        assert response.status_code == 302 and response.url == reverse("caseload")

    def test_it_requires_a_reason_and_writes_nothing_without_one(self, world, client):
        involvement = Involvement.objects.get(
            service_user=world.mh_only, team=world.cmht_north, end__isnull=True
        )
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("involvement_end", args=[world.mh_only.pk, involvement.pk]), {"reason": " "}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["reason"] == ["Say why the team's involvement is ending."]
        involvement.refresh_from_db()
        assert involvement.end is None

    def test_it_does_not_let_me_end_another_teams_involvement(self, world, client):
        theirs = Involvement.objects.get(
            service_user=world.service_user, team=world.sm_team, end__isnull=True
        )
        client.force_login(world.keyworker_mh)
        response = client.post(
            reverse("involvement_end", args=[world.service_user.pk, theirs.pk]), {"reason": "Not mine"}
        )
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.end is None


class RegisterPageTests:
    def _post(self, client, **overrides):
        data = {
            "given_name": "Riley",
            "family_name": "Newperson",
            "date_of_birth_day": "2",
            "date_of_birth_month": "11",
            "date_of_birth_year": "1990",
            "nhs_number": "",
            "preferred_contact_method": "phone",
        }
        data.update(overrides)
        return client.post(reverse("service_user_register"), data)

    def test_it_registers_a_person_with_my_team_involved_and_me_as_key_worker(self, world, client):
        client.force_login(world.keyworker_mh)
        response = self._post(client, team=world.cmht_north.pk, nhs_number="943 476 5919")
        created = ServiceUser.objects.get(family_name="Newperson")
        assert response.status_code == 302 and response.url == _detail(created)
        assert created.date_of_birth == dt.date(1990, 11, 2) and created.nhs_number == "9434765919"
        involvement = created.involvements.get()
        assert (involvement.team, involvement.key_worker) == (world.cmht_north, world.keyworker_mh)
        assert client.get(_detail(created)).status_code == 200

    def test_it_shows_field_level_errors_and_registers_nobody(self, world, client):
        client.force_login(world.keyworker_mh)
        before = ServiceUser.objects.count()
        cases = [
            ({"nhs_number": "123"}, "nhs_number", "Enter a 10-digit NHS number, like 943 476 5919."),
            ({"nhs_number": "9434765918"}, "nhs_number", "This is not a valid NHS number: check the digits."),
            ({"nhs_number": world.service_user.nhs_number}, "nhs_number", None),
            ({"date_of_birth_month": "13"}, "date_of_birth", "Their date of birth must be a real date."),
            ({"date_of_birth_year": ""}, "date_of_birth", "Their date of birth must include a year."),
            ({"date_of_birth_year": "2999"}, "date_of_birth", "Date of birth must be in the past."),
            ({"given_name": ""}, "given_name", "Enter their first name."),
        ]
        for overrides, field, message in cases:
            response = self._post(client, team=world.cmht_north.pk, **overrides)
            assert response.status_code == 200, overrides
            errors = response.context["form"].errors
            assert list(errors) == [field], overrides
            if message:
                assert errors[field] == [message]
            html = response.content.decode()
            anchor = "#date_of_birth_0" if field == "date_of_birth" else f"#{field}"
            assert f'<a href="{anchor}">' in html and f'id="{field}-error"' in html
        assert ServiceUser.objects.count() == before

    def test_a_bad_nhs_number_shows_with_the_other_errors_at_once(self, world, client):
        client.force_login(world.keyworker_mh)
        response = self._post(
            client, team=world.cmht_north.pk, given_name="", family_name="", nhs_number="123"
        )
        errors = response.context["form"].errors
        assert errors["nhs_number"] == ["Enter a 10-digit NHS number, like 943 476 5919."]
        assert errors["given_name"] == ["Enter their first name."]
        assert errors["family_name"] == ["Enter their last name."]
        assert '<a href="#nhs_number">' in response.content.decode()

    def test_it_is_only_for_key_workers_and_link_workers(self, world, client):
        for user, status in [
            (world.manager_mh, 403),
            (world.pharmacist, 403),
            (world.orgadmin_mh, 403),
            (world.service_user_login, 404),
        ]:
            client.force_login(user)
            assert client.get(reverse("service_user_register")).status_code == status, user.username

    def test_it_only_offers_my_own_teams(self, world, client):
        client.force_login(world.keyworker_mh)
        before = ServiceUser.objects.count()
        response = self._post(client, team=world.sm_team.pk)
        assert "team" in response.context["form"].errors
        assert ServiceUser.objects.count() == before
