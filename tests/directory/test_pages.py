"""Directory pages (issue 18, items 1 and 3): the search by need, place, who is eligible and open
now; an entry; the keeper's pages (edit, mark checked, import) and who may open each; pinned
query counts that do not grow with the directory."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory import selectors
from directory.models import Need, Service
from dualcare.audit.models import AuditEvent

from .helpers import ident, import_services, oruk_service, page

pytestmark = pytest.mark.django_db

SEARCH = "/directory/"


@pytest.fixture
def directory(world):
    import_services(world.mh, oruk_service("north"))
    women = oruk_service(
        "women", x_dualcare_gender="women", minimum_age=16, maximum_age=None, service_areas=[]
    )
    women["service_at_locations"][0]["location"]["addresses"][0].update(
        city="Eastfield", postal_code="NT3 9ZZ"
    )
    women["schedules"] = [
        {"id": ident("s"), "freq": "WEEKLY", "byday": "SA", "opens_at": "10:00", "closes_at": "12:00"}
    ]
    women["attributes"][0]["taxonomy_term"] = {
        "id": ident("food"),
        "name": "Food",
        "description": "Food",
        "term": "food",
    }
    import_services(world.charity, women)
    return world


def _names(response) -> list[str]:
    return sorted(service.name for service in response.context["page"].object_list)


class SearchTests:
    @pytest.mark.parametrize(
        ("query", "names"),
        [
            ("", ["North Housing Advice", "Women Housing Advice"]),
            ("place=NT1", ["North Housing Advice"]),
            ("place=nt3+9zz", ["Women Housing Advice"]),
            ("place=eastfield", ["Women Housing Advice"]),
            ("place=Northtown", ["North Housing Advice"]),  # its area, and the locality of its place
            ("age=17", ["Women Housing Advice"]),
            ("age=70", ["Women Housing Advice"]),
            ("age=30&gender=men", ["North Housing Advice"]),
            ("gender=women", ["North Housing Advice", "Women Housing Advice"]),
            ("area=Southtown", ["Women Housing Advice"]),  # North serves Northtown only
            ("q=women", ["Women Housing Advice"]),
        ],
    )
    def test_it_finds_by_place_and_eligibility(self, login, directory, query, names):
        response = login(directory.keyworker_mh).get(f"{SEARCH}?{query}")
        assert response.status_code == 200
        assert _names(response) == names

    def test_it_finds_by_need(self, login, directory):
        food = Need.objects.get(code="food")
        response = login(directory.keyworker_sm).get(f"{SEARCH}?need={food.pk}")
        assert _names(response) == ["Women Housing Advice"]

    def test_open_now_is_the_london_day_and_time(self, directory):
        saturday_11 = timezone.make_aware(dt.datetime(2026, 12, 5, 11, 0))
        monday_8 = timezone.make_aware(dt.datetime(2026, 12, 7, 8, 59))
        monday_9 = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 0))

        def names(moment):
            return sorted(
                s.name for s in selectors.services_search(selectors.Search(open_now=True), now=moment)
            )  # noqa: E731

        assert names(saturday_11) == ["Women Housing Advice"]
        assert names(monday_8) == []
        assert names(monday_9) == ["North Housing Advice"]

    @pytest.mark.parametrize(
        ("query", "field"),
        [("age=old", "age"), ("age=130", "age"), ("need=nope", "need"), ("gender=x", "gender")],
    )
    def test_a_bad_filter_is_a_field_error_not_a_500(self, login, directory, query, field):
        response = login(directory.keyworker_mh).get(f"{SEARCH}?{query}")
        assert response.status_code == 400
        assert field in response.context["form"].errors
        assert b"Error: " in response.content

    def test_it_pins_its_queries_whatever_the_directory_holds(
        self, login, directory, django_assert_num_queries
    ):
        client = login(directory.keyworker_mh)
        client.get(SEARCH)
        # session, user, roles (the reader check), keeper check, needs (form), count, page,
        # its needs, its places; then the header's navigation
        with CaptureQueriesContext(connection) as first:
            client.get(SEARCH)
        for index in range(12):
            import_services(directory.charity, oruk_service(f"more{index}"))
        with django_assert_num_queries(len(first.captured_queries)):
            assert client.get(SEARCH).context["page"].paginator.count == 14
        assert len(first.captured_queries) <= 14


class EntryPageTests:
    def test_staff_of_any_organisation_read_an_outside_organisations_entry(self, login, directory):
        for user in (directory.outsider, directory.pharmacist, directory.keyworker_sm):
            response = login(user).get(f"/directory/{ident('service', 'women')}/")
            assert response.status_code == 200
            assert b"Women only" in response.content and b"NT3 9ZZ" in response.content

    def test_people_and_carers_and_nobody_signed_in_open_none_of_it(self, client, login, directory):
        url = f"/directory/{ident('service', 'north')}/"
        assert client.get(url).status_code == 302
        for user in (directory.service_user_login, directory.carer):
            assert login(user).get(url).status_code == 404
            assert login(user).get(SEARCH).status_code == 404

    def test_an_entry_nobody_checked_for_six_months_says_so(self, login, directory):
        import_services(directory.charity, oruk_service("old", assured_date="2025-01-10"))
        response = login(directory.keyworker_mh).get(f"/directory/{ident('service', 'old')}/")
        assert b"Nobody has checked this entry since 10 January 2025" in response.content

    def test_only_the_keepers_admins_see_edit_and_check(self, login, directory):
        url = f"/directory/{ident('service', 'north')}/"
        assert b"Mark checked today" in login(directory.orgadmin_mh).get(url).content
        assert b"Mark checked today" not in login(directory.keyworker_mh).get(url).content
        assert (
            b"Mark checked today"
            not in login(directory.orgadmin_mh).get(f"/directory/{ident('service', 'women')}/").content
        )


class KeeperPagesTests:
    def test_an_admin_marks_an_entry_checked_audited(self, login, directory):
        Service.objects.filter(pk=ident("service", "north")).update(
            last_checked=dt.date(2025, 1, 1), stale_flagged_at=timezone.now()
        )
        response = login(directory.orgadmin_mh).post(f"/directory/{ident('service', 'north')}/checked/")
        assert response.status_code == 302
        service = Service.objects.get(pk=ident("service", "north"))
        assert service.last_checked == timezone.localdate() and service.stale_flagged_at is None
        assert (
            AuditEvent.objects.filter(action="directory.entry.checked", actor=directory.orgadmin_mh).count()
            == 1
        )

    def test_nobody_else_marks_or_edits_it(self, login, directory):
        north = ident("service", "north")
        for user in (directory.keyworker_mh, directory.outsider):
            assert login(user).post(f"/directory/{north}/checked/").status_code == 404
            assert login(user).get(f"/directory/{north}/edit/").status_code == 404
        # an admin of another organisation: the charity's entry is not the trust's to edit
        assert (
            login(directory.orgadmin_mh).get(f"/directory/{ident('service', 'women')}/edit/").status_code
            == 404
        )

    def test_an_admin_adds_an_entry_for_one_of_their_teams(self, login, directory):
        need = Need.objects.get(code="housing")
        form = {
            "name": "North CMHT",
            "provider": "Testshire Mental Health Trust",
            "team": str(directory.cmht_north.pk),
            "description": "Community mental health team.",
            "status": "active",
            "needs": [str(need.pk)],
            "eligibility": "Adults with a severe mental illness.",
            "minimum_age": "18",
            "maximum_age": "65",
            "gender": "any",
            "referral_methods": ["dualcare", "phone"],
            "address": "1 Riverside Way",
            "locality": "Northtown",
            "postcode": "nt1 1aa",
            "opening_times": "Monday 09:00-17:00\nfriday 9.00 to 16.30",
        }
        response = login(directory.orgadmin_mh).post("/directory/kept/new/", form)
        assert response.status_code == 302, response.context["form"].errors
        service = Service.objects.get(name="North CMHT")
        assert service.team == directory.cmht_north and service.keeper == directory.mh
        assert [str(t) for t in service.opening_times.all()] == ["Monday 09:00–17:00", "Friday 09:00–16:30"]
        assert AuditEvent.objects.filter(
            action="directory.entry.create", actor=directory.orgadmin_mh
        ).exists()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"postcode": "nowhere"}, "postcode", "Enter a UK postcode"),
            ({"minimum_age": "70"}, "maximum_age", "The oldest age must be"),
            ({"opening_times": "Someday 9:00-10:00"}, "opening_times", "Write each day"),
            ({"opening_times": "Monday 17:00-09:00"}, "opening_times", "closing time must be after"),
            ({"team": ""}, "team", "A DualCare referral goes to one of your teams"),
            ({"locality": ""}, "locality", "Give the address, town and postcode"),
        ],
    )
    def test_a_bad_entry_is_a_field_error_and_writes_nothing(self, login, directory, changes, field, message):
        form = {
            "name": "X",
            "provider": "Y",
            "team": str(directory.cmht_north.pk),
            "description": "Z",
            "status": "active",
            "gender": "any",
            "referral_methods": ["dualcare"],
            "minimum_age": "18",
            "maximum_age": "65",
            "address": "1 Street",
            "locality": "Town",
            "postcode": "NT1 1AA",
            **changes,
        }
        response = login(directory.orgadmin_mh).post("/directory/kept/new/", form)
        assert response.status_code == 400
        assert any(message in error for error in response.context["form"].errors[field])
        assert not Service.objects.filter(name="X").exists()

    def test_the_import_page_reports_taken_updated_and_refused(self, login, directory):
        upload = SimpleUploadedFile(
            "services.json", page(oruk_service("new"), oruk_service("north"), oruk_service("bad", status="x"))
        )
        response = login(directory.orgadmin_mh).post(
            "/directory/kept/import/", {"keeper": str(directory.mh.pk), "file": upload}
        )
        assert response.status_code == 200
        assert b"1 taken, 1 updated, 1 refused." in response.content
        assert b"status &#x27;x&#x27; is not one of" in response.content

    def test_the_import_page_refuses_another_organisation_and_a_bad_file(self, login, directory):
        client = login(directory.orgadmin_mh)
        upload = SimpleUploadedFile("services.json", page(oruk_service("new")))
        response = client.post(
            "/directory/kept/import/", {"keeper": str(directory.charity.pk), "file": upload}
        )
        assert response.status_code == 400 and "keeper" in response.context["form"].errors
        response = client.post(
            "/directory/kept/import/",
            {"keeper": str(directory.mh.pk), "file": SimpleUploadedFile("x.json", b"[1")},
        )
        assert response.status_code == 400 and "not JSON" in response.context["form"].errors["file"][0]
        assert not Service.objects.filter(pk=ident("service", "new")).exists()

    def test_keeper_pages_are_the_admins_only(self, login, directory):
        for url in ("/directory/kept/", "/directory/kept/new/", "/directory/kept/import/"):
            assert login(directory.keyworker_mh).get(url).status_code == 404
            assert login(directory.orgadmin_mh).get(url).status_code == 200

    def test_the_keepers_list_pins_its_queries(self, login, directory, django_assert_num_queries):
        client = login(directory.orgadmin_mh)
        client.get("/directory/kept/")
        with CaptureQueriesContext(connection) as first:
            client.get("/directory/kept/")
        for index in range(8):
            import_services(directory.mh, oruk_service(f"more{index}"))
        with django_assert_num_queries(len(first.captured_queries)):
            client.get("/directory/kept/")


class ReferralCriteriaTests:
    def test_the_referral_form_and_the_draft_show_the_receiving_teams_criteria(self, login, directory):
        from referrals import services as referral_services

        team_entry = oruk_service(
            "team",
            name="Recovery Team entry",
            eligibility_description="Adults who want help with drug use.",
            x_dualcare_team=directory.sm_team.name,
            x_dualcare_referral_methods=["dualcare"],
        )
        import_services(directory.sm, team_entry)
        client = login(directory.keyworker_mh)
        response = client.get(f"/referrals/people/{directory.mh_only.pk}/new/")
        assert response.status_code == 200
        assert b"Who each team takes" in response.content
        assert b"Adults who want help with drug use." in response.content
        referral = referral_services.referral_create(
            by=directory.keyworker_mh,
            service_user=directory.mh_only,
            from_team=directory.cmht_north,
            to_team=directory.sm_team,
            urgency="routine",
            reason="Drinking to cope.",
            consent_confirmed=True,
        )
        page = client.get(f"/referrals/{referral.pk}/").content
        assert b"Who Recovery Team takes" in page and b"Adults who want help with drug use." in page


class ServicesNearYouTests:
    def test_the_person_searches_in_their_words_and_reads_an_entry(self, login, directory):
        client = login(directory.service_user_login)
        response = client.get("/directory/near-you/?place=NT1")
        assert response.status_code == 200
        assert b"What would you like help with?" in response.content and b"Your age" in response.content
        assert _names(response) == ["North Housing Advice"]
        entry = client.get(f"/directory/near-you/{ident('service', 'north')}/")
        assert entry.status_code == 200 and b"0113 496 0000" in entry.content
        assert b"participating team" not in entry.content
        assert b"By phone; you can contact them yourself." in entry.content

    def test_staff_and_carers_do_not_open_the_persons_pages(self, login, directory):
        for user in (directory.keyworker_mh, directory.carer):
            assert login(user).get("/directory/near-you/").status_code == 404
