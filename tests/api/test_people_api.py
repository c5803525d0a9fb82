"""The v1 API for the caller, the directory and service users, for every role."""

import pytest
from django.test import override_settings

from cohorts.services import quadrant_assess
from dualcare.audit.models import AuditEvent
from dualcare.people import services
from dualcare.people.models import Consent, Scope
from tests.factories import as_user, person

pytestmark = pytest.mark.django_db


class TokenTests:
    def test_it_issues_a_token_for_a_right_password_and_it_works(self, api, world):
        response = api.post("/api/v1/auth/token/", {"username": "keyworker.mh", "password": world.password})
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        me = api.get("/api/v1/me/")
        assert me.status_code == 200 and me.json()["username"] == "keyworker.mh"

    def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(self, api, world):
        response = api.post("/api/v1/auth/token/", {"username": "keyworker.mh", "password": "nope"})
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_it_names_missing_fields(self, api, world):
        response = api.post("/api/v1/auth/token/", {})
        assert response.status_code == 400
        assert set(response.json()) == {"username", "password"}

    def test_it_locks_out_after_repeated_failures(self, api, world):
        from axes.utils import reset

        reset()
        for _ in range(5):
            api.post("/api/v1/auth/token/", {"username": "keyworker.sm", "password": "wrong"})
        response = api.post("/api/v1/auth/token/", {"username": "keyworker.sm", "password": world.password})
        assert response.status_code == 403
        reset()

    @override_settings(REQUIRE_STAFF_2FA=True)
    def test_it_requires_a_totp_code_from_staff_when_two_factor_is_on(self, api, world):
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        response = api.post("/api/v1/auth/token/", {"username": "keyworker.mh", "password": world.password})
        assert response.status_code == 400 and "otp_token" in response.json()
        device = TOTPDevice.objects.create(user=world.keyworker_mh, name="phone", confirmed=True)
        response = api.post(
            "/api/v1/auth/token/",
            {
                "username": "keyworker.mh",
                "password": world.password,
                "otp_token": f"{(totp(device.bin_key) + 1) % 10**6:06d}",
            },
        )
        assert response.status_code == 400 and "otp_token" in response.json()
        device.refresh_from_db()
        device.throttle_reset()  # a wrong code throttles the device for a second
        code = f"{totp(device.bin_key):06d}"
        response = api.post(
            "/api/v1/auth/token/", {"username": "keyworker.mh", "password": world.password, "otp_token": code}
        )
        assert response.status_code == 200

    @override_settings(REQUIRE_STAFF_2FA=True)
    def test_it_does_not_ask_service_users_for_a_code(self, api, world):
        response = api.post("/api/v1/auth/token/", {"username": "serviceuser", "password": world.password})
        assert response.status_code == 200


class MeTests:
    def test_it_describes_a_staff_member(self, api, world):
        body = as_user(api, world.keyworker_mh).get("/api/v1/me/").json()
        assert body["kind"] == "staff"
        assert [r["role"] for r in body["roles"]] == ["key_worker"]
        assert body["teams"][0]["name"] == "North CMHT"
        assert body["teams"][0]["organisation"] == {
            "id": str(world.mh.pk),
            "name": world.mh.name,
            "kind": "mental_health",
        }

    def test_it_describes_a_service_user_and_a_carer(self, api, world):
        assert as_user(api, world.service_user_login).get("/api/v1/me/").json()["kind"] == "service_user"
        assert as_user(api, world.carer).get("/api/v1/me/").json()["kind"] == "carer"

    def test_it_answers_401_to_the_anonymous(self, api, world):
        assert api.get("/api/v1/me/").status_code == 401
        assert api.get("/api/v1/service-users/").status_code == 401


class DirectoryTests:
    def test_every_staff_member_reads_the_directory(self, api, world):
        body = as_user(api, world.pharmacist).get("/api/v1/organisations/").json()
        assert body["count"] == 4 and {"count", "next", "previous", "results"} <= set(body)
        teams = as_user(api, world.outsider).get("/api/v1/teams/").json()
        assert teams["count"] == 6

    def test_service_users_and_carers_do_not(self, api, world):
        assert as_user(api, world.service_user_login).get("/api/v1/organisations/").status_code == 403
        assert as_user(api, world.carer).get("/api/v1/teams/").status_code == 403


class ServiceUserApiTests:
    def ids(self, api, user):
        body = as_user(api, user).get("/api/v1/service-users/").json()
        return {row["id"] for row in body["results"]}

    def test_it_lists_only_visible_people_for_each_role(self, api, world):
        su, mh_only, sm_only, south = (
            str(p.pk) for p in (world.service_user, world.mh_only, world.sm_only, world.south_only)
        )
        assert self.ids(api, world.keyworker_mh) == {su, mh_only}
        assert self.ids(api, world.keyworker_sm) == {su, sm_only}
        assert self.ids(api, world.keyworker_mh_south) == {south}
        assert self.ids(api, world.manager_mh) == {su, mh_only, south}
        assert self.ids(api, world.orgadmin_mh) == set()
        assert self.ids(api, world.pharmacist) == set()
        assert self.ids(api, world.outsider) == set()

    def test_it_refuses_service_users_and_carers(self, api, world):
        # Their own record in full is more than their pages show: they read /api/v1/me/... .
        for user in (world.service_user_login, world.carer):
            client = as_user(api, user)
            assert client.get("/api/v1/service-users/").status_code == 403
            assert client.get(f"/api/v1/service-users/{world.service_user.pk}/").status_code == 403

    def test_a_hidden_person_is_a_404_and_the_attempt_is_audited(self, api, world):
        response = as_user(api, world.keyworker_mh_south).get(
            f"/api/v1/service-users/{world.service_user.pk}/"
        )
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}
        assert AuditEvent.objects.filter(actor=world.keyworker_mh_south, outcome="denied").count() == 1
        response = as_user(api, world.service_user_login).get(f"/api/v1/service-users/{world.mh_only.pk}/")
        assert response.status_code == 403

    def test_detail_shows_agencies_consents_and_the_callers_shared_scopes(self, api, world):
        quadrant_assess(
            service_user=world.service_user,
            mental_health_severity="high",
            substance_use_severity="high",
            rationale="Psychosis with daily heroin use",
            by=world.keyworker_mh,
        )
        response = as_user(api, world.keyworker_sm).get(f"/api/v1/service-users/{world.service_user.pk}/")
        assert response.status_code == 200
        body = response.json()
        # The CMHT's assessment is not shared: Sam gave the drug and alcohol service no outcomes consent.
        assert body["current_quadrant"] is None
        assert {i["team"]["name"] for i in body["involvements"]} == {
            "North CMHT",
            "Recovery Team",
            "Dispensary",
        }
        assert body["shared_scopes"] == ["care_plan", "contacts"]
        assert all(c["recorded_by"] for c in body["consents"])
        assert AuditEvent.objects.filter(
            actor=world.keyworker_sm,
            action="service_user.view",
            service_user=world.service_user,
            outcome="allowed",
        ).exists()

    def test_withdrawn_consent_leaves_the_shared_scopes_at_once(self, api, world):
        consent = Consent.objects.get(
            service_user=world.service_user,
            organisation=world.sm,
            scope=Scope.CARE_PLAN,
            withdrawn_at__isnull=True,
        )
        services.consent_withdraw(consent=consent, by=world.keyworker_mh)
        body = as_user(api, world.keyworker_sm).get(f"/api/v1/service-users/{world.service_user.pk}/").json()
        assert body["shared_scopes"] == ["contacts"]

    def test_the_list_costs_the_same_whatever_the_rows(self, api, world, django_assert_num_queries):
        as_user(api, world.keyworker_mh)
        # count, page; the audit of the people on it (rule 6): acting organisation, one insert.
        with django_assert_num_queries(4):
            assert api.get("/api/v1/service-users/").status_code == 200
        for n in range(25):
            p = person(world.cmht_north, key_worker=world.keyworker_mh, family_name=f"Sampleton{n}")
            quadrant_assess(
                service_user=p,
                mental_health_severity="low",
                substance_use_severity="high",
                rationale="Alcohol",
                by=world.keyworker_mh,
            )
        with django_assert_num_queries(4):
            body = api.get("/api/v1/service-users/").json()
        assert body["count"] == 27
        assert body["results"][0]["current_quadrant"] in {None, "III"}

    def test_it_filters_by_nhs_number(self, api, world):
        number = world.service_user.nhs_number
        body = as_user(api, world.keyworker_mh).get(f"/api/v1/service-users/?nhs_number={number}").json()
        assert [row["id"] for row in body["results"]] == [str(world.service_user.pk)]


class SchemaTests:
    def test_the_openapi_schema_and_docs_are_served(self, client, world):
        client.force_login(world.keyworker_mh)
        schema = client.get("/api/schema/")
        assert schema.status_code == 200
        text = schema.content.decode()
        for path in ("/api/v1/me/", "/api/v1/service-users/", "/api/v1/auth/token/", "/api/v1/teams/"):
            assert path in text
        assert client.get("/api/docs/").status_code == 200


class ServiceUserSearchTests:
    """The caseload's search and filters on /api/v1/service-users/ (selectors.people_filtered)."""

    def ids(self, api, user, **params):
        response = as_user(api, user).get("/api/v1/service-users/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    def test_it_searches_by_name_nhs_number_and_date_of_birth(self, api, world):
        sam = str(world.service_user.pk)
        assert self.ids(api, world.keyworker_mh, search="sam test") == [sam]
        assert self.ids(api, world.keyworker_mh, search=world.service_user.nhs_number_display) == [sam]
        assert self.ids(api, world.keyworker_mh, nhs_number=world.service_user.nhs_number_display) == [sam]
        assert sam in self.ids(api, world.keyworker_mh, search="14/03/1985")
        assert sam in self.ids(api, world.keyworker_mh, date_of_birth="1985-03-14")
        assert self.ids(api, world.keyworker_mh, date_of_birth="1990-01-01") == []
        # Not found by someone who may not see them, however exactly they are named.
        assert self.ids(api, world.outsider, search="Testwell") == []
        assert self.ids(api, world.outsider, nhs_number=world.service_user.nhs_number) == []

    def test_it_filters_as_the_caseload_does(self, api, world):
        quadrant_assess(
            service_user=world.service_user,
            mental_health_severity="high",
            substance_use_severity="high",
            rationale="Both high.",
            by=world.keyworker_mh,
        )
        linked = person(world.cmht_north, key_worker=world.linkworker_mh, family_name="Linked")
        sam, alex = str(world.service_user.pk), str(world.mh_only.pk)
        assert self.ids(api, world.keyworker_mh, quadrant="IV") == [sam]
        assert self.ids(api, world.keyworker_mh, mine="true") == [alex, sam]
        assert str(linked.pk) in self.ids(api, world.keyworker_mh, team=str(world.cmht_north.pk))
        assert self.ids(api, world.manager_mh, team=str(world.cmht_south.pk)) == [str(world.south_only.pk)]
        assert self.ids(api, world.keyworker_mh, not_seen_days="30", search="Testwell") == [sam]
        assert self.ids(api, world.keyworker_mh, review_overdue="true") == []
        body = as_user(api, world.keyworker_mh).get("/api/v1/service-users/", {"search": "Testwell"}).json()
        assert (
            body["results"][0]["review_overdue"] is False and body["results"][0]["measure_overdue"] is False
        )

    def test_bad_filters_are_a_400_naming_the_parameter(self, api, world):
        as_user(api, world.keyworker_mh)
        for params, field in [
            ({"quadrant": "V"}, "quadrant"),
            ({"not_seen_days": "0"}, "not_seen_days"),
            ({"not_seen_days": "soon"}, "not_seen_days"),
            ({"not_seen_days": "100000000000000000000"}, "not_seen_days"),
            ({"team": "not-a-uuid"}, "team"),
            ({"mine": "perhaps"}, "mine"),
            ({"date_of_birth": "14/03/1985"}, "date_of_birth"),
            ({"search": "x" * 101}, "search"),
        ]:
            response = api.get("/api/v1/service-users/", params)
            assert response.status_code == 400, params
            assert field in response.json(), (params, response.json())

    def test_filters_cost_no_more_queries(self, api, world, django_assert_num_queries):
        as_user(api, world.keyworker_mh)
        params = {"search": "Sampleton", "mine": "true", "not_seen_days": "7", "measure_overdue": "false"}
        # count, page (filters and flags are conditions of the same two); the audit: acting
        # organisation, one insert.
        with django_assert_num_queries(4):
            first = api.get("/api/v1/service-users/", params).json()
        for n in range(25):
            person(world.cmht_north, key_worker=world.keyworker_mh, family_name=f"Sampleton{n}")
        with django_assert_num_queries(4):
            body = api.get("/api/v1/service-users/", params).json()
        assert first["count"] == 1 and body["count"] == 26
