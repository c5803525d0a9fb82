"""Care-plan pages for every role: staff plan, entries, publish, versions, compare, agreement, PDF;
the person's own plan; the carer's view."""

import datetime as dt

import pytest
from django.urls import reverse

from careplans import services
from careplans.models import Agreement, PlanEntry, PlanVersion
from dualcare.people import services as people_services

from .helpers import publish, shared_plan

pytestmark = pytest.mark.django_db

# The staff pages and who gets what: 200 to read, 403 seen-but-not-theirs-to-do, 404 not theirs to know.
READERS = {"keyworker_mh": 200, "keyworker_sm": 200, "linkworker_mh": 200, "manager_mh": 200}
DENIED = {
    "keyworker_mh_south": 404,
    "outsider": 404,
    "pharmacist": 404,
    "orgadmin_mh": 404,
    "service_user_login": 404,
    "carer": 404,
}


@pytest.fixture
def plan(world):
    entries = shared_plan(world)
    first = publish(world)
    services.entry_update(
        entry=entries["what_matters"],
        by=world.keyworker_mh,
        expected_version=1,
        text="My dog and my daughter.",
    )
    second = publish(world)
    return {"entries": entries, "first": first, "second": second}


def _staff_urls(world, plan):
    su = world.service_user.pk
    return {
        "plan": reverse("careplans:plan", kwargs={"service_user_pk": su}),
        "versions": reverse("careplans:versions", kwargs={"service_user_pk": su}),
        "version": reverse("careplans:version", kwargs={"pk": plan["second"].pk}),
        "compare": reverse("careplans:compare", kwargs={"service_user_pk": su}),
        "add": reverse("careplans:entry_add", kwargs={"service_user_pk": su, "section": "goal"}),
        "edit": reverse("careplans:entry_edit", kwargs={"pk": plan["entries"]["goal"].pk}),
        "publish": reverse("careplans:publish", kwargs={"service_user_pk": su}),
        "agreement": reverse("careplans:agreement", kwargs={"pk": plan["second"].pk}),
    }


class StaffPageAccessTests:
    @pytest.mark.parametrize("role,expected", [*READERS.items(), *DENIED.items()])
    def test_it_lets_readers_read_and_hides_the_plan_from_others(self, world, plan, client, role, expected):
        client.force_login(getattr(world, role))
        urls = _staff_urls(world, plan)
        for name in ("plan", "versions", "version", "compare"):
            assert client.get(urls[name]).status_code == expected, name

    @pytest.mark.parametrize(
        "role,expected",
        [("keyworker_mh", 200), ("linkworker_mh", 200), ("manager_mh", 403), *DENIED.items()],
    )
    def test_it_lets_only_involved_teams_write(self, world, plan, client, role, expected):
        client.force_login(getattr(world, role))
        urls = _staff_urls(world, plan)
        for name in ("add", "edit", "publish", "agreement"):
            assert client.get(urls[name]).status_code == expected, name

    def test_it_refuses_another_organisations_entry_edit(self, world, plan, client):
        client.force_login(world.keyworker_sm)
        assert client.get(_staff_urls(world, plan)["edit"]).status_code == 403
        assert client.get(_staff_urls(world, plan)["add"]).status_code == 200

    def test_it_sends_anonymous_visitors_to_sign_in(self, world, plan, client):
        for url in _staff_urls(world, plan).values():
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        for url in (reverse("my_care_plan:plan"), reverse("careplans:carer", args=[world.service_user.pk])):
            assert client.get(url).status_code == 302


class StaffPageTests:
    def test_it_shows_the_plan_with_status_and_owners_edit_links(self, world, plan, client):
        client.force_login(world.keyworker_sm)
        page = client.get(_staff_urls(world, plan)["plan"]).content.decode()
        assert "Version 2" in page and "Not yet agreed" in page
        assert "Seeing my daughter" not in page and "My dog and my daughter." in page
        action = plan["entries"]["action"]
        assert reverse("careplans:entry_edit", kwargs={"pk": action.pk}) in page
        assert reverse("careplans:entry_edit", kwargs={"pk": plan["entries"]["goal"].pk}) not in page

    def test_it_adds_an_entry_with_field_level_errors(self, world, client):
        client.force_login(world.keyworker_mh)
        url = reverse(
            "careplans:entry_add", kwargs={"service_user_pk": world.service_user.pk, "section": "goal"}
        )
        response = client.post(
            url, {"text": "", "domain": "", "target_date_day": "31", "target_date_month": "2"}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "There is a problem" in page
        assert 'href="#text"' in page and "Write the goal, in the person&#x27;s own words." in page
        assert "Choose the part of life this goal is about." in page
        assert "must include a year" in page
        assert not PlanEntry.objects.exists()
        response = client.post(
            url,
            {
                "text": "Back to work by summer",
                "domain": "job",
                "target_date_day": "1",
                "target_date_month": "6",
                "target_date_year": str(world.today.year + 1),
            },
        )
        assert response.status_code == 302
        entry = PlanEntry.objects.get()
        assert entry.organisation == world.mh and entry.target_date == dt.date(world.today.year + 1, 6, 1)

    def test_it_shows_a_conflict_instead_of_overwriting(self, world, plan, client):
        goal = plan["entries"]["goal"]
        client.force_login(world.keyworker_mh)
        url = reverse("careplans:entry_edit", kwargs={"pk": goal.pk})
        form = {"version": "1", "text": "My words", "domain": "job", "progress": ""}
        client.post(url, {**form, "progress": "First save"})
        client.force_login(world.linkworker_mh)
        response = client.post(url, {**form, "progress": "Second save"})
        page = response.content.decode()
        assert response.status_code == 409
        assert "after you opened it" in page and "The entry as it is now" in page and "First save" in page
        assert "Second save" in page  # their words are kept in the form
        assert PlanEntry.objects.get(pk=goal.pk).progress == "First save"

    def test_it_publishes_with_a_review_date(self, world, plan, client):
        client.force_login(world.keyworker_sm)
        url = _staff_urls(world, plan)["publish"]
        bad = client.post(url, {"review_due_day": "1", "review_due_month": "1", "review_due_year": "2001"})
        assert "The review date must be in the future." in bad.content.decode()
        assert client.post(url, {}).status_code == 302
        version = PlanVersion.objects.get(number=3)
        assert version.published_by == world.keyworker_sm

    def test_it_compares_two_versions(self, world, plan, client):
        client.force_login(world.keyworker_mh)
        url = _staff_urls(world, plan)["compare"]
        page = client.get(url, {"from": 1, "to": 2}).content.decode()
        assert "What changed from version 1 to version 2" in page
        assert "<del>Seeing my daughter every weekend.</del>" in page
        assert "<ins>My dog and my daughter.</ins>" in page
        assert client.get(url, {"from": 1, "to": 9}).status_code == 400

    def test_it_shows_dates_that_changed_as_people_write_them(self, world, plan, client):
        goal = plan["entries"]["goal"]
        services.entry_update(
            entry=goal,
            by=world.keyworker_mh,
            expected_version=goal.version,
            text=goal.text,
            domain=goal.domain,
            target_date=dt.date(2027, 4, 15),
            progress="",
        )
        publish(world)
        client.force_login(world.keyworker_mh)
        page = client.get(_staff_urls(world, plan)["compare"], {"from": 2, "to": 3}).content.decode()
        before = world.today + dt.timedelta(days=90)
        assert f"<del>{before.day} {before:%B %Y}</del>" in page and "<ins>15 April 2027</ins>" in page
        assert before.isoformat() not in page and "2027-04-15" not in page

    def test_it_records_in_person_agreement(self, world, plan, client):
        client.force_login(world.keyworker_mh)
        url = _staff_urls(world, plan)["agreement"]
        assert (
            "Say what you would change"
            in client.post(url, {"kind": "changes", "comment": ""}).content.decode()
        )
        assert client.post(url, {"kind": "agreed"}).status_code == 302
        assert Agreement.objects.get().method == Agreement.Method.IN_PERSON
        page = client.get(_staff_urls(world, plan)["plan"]).content.decode()
        assert "Agreed" in page

    def test_it_pins_the_query_count_of_the_versions_list(
        self, world, plan, client, django_assert_max_num_queries
    ):
        client.force_login(world.keyworker_mh)
        url = _staff_urls(world, plan)["versions"]
        client.get(url)
        with django_assert_max_num_queries(30) as few:
            client.get(url)
        for _ in range(4):
            publish(world)
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert "Version 6" in client.get(url).content.decode()

    def test_it_shows_the_plan_on_the_record_page(self, world, plan, client):
        client.force_login(world.keyworker_mh)
        page = client.get(
            reverse("service_user_detail", kwargs={"pk": world.service_user.pk})
        ).content.decode()
        assert "Shared care plan" in page and reverse("careplans:plan", args=[world.service_user.pk]) in page


class PortalTests:
    def test_it_shows_the_person_their_published_plan_and_takes_their_agreement(self, world, plan, client):
        client.force_login(world.service_user_login)
        url = reverse("my_care_plan:plan")
        page = client.get(url).content.decode()
        assert "Your care plan" in page and "version 2" in page
        assert "My dog and my daughter." in page and "Not agreed yet" in page
        assert page.index("If things get difficult") < page.index("What matters to you")
        assert f"written with you by {world.sm.name} and {world.mh.name}" in page
        missing = client.post(url, {"kind": "changes", "comment": ""}).content.decode()
        assert "Say what you would change, in your own words." in missing
        assert client.post(url, {"kind": "agreed"}).status_code == 302
        assert "You agreed this plan" in client.get(url).content.decode()

    def test_it_never_shows_unpublished_changes(self, world, plan, client):
        services.entry_add(
            service_user=world.service_user, section="what_matters", by=world.keyworker_mh, text="Draft words"
        )
        client.force_login(world.service_user_login)
        assert "Draft words" not in client.get(reverse("my_care_plan:plan")).content.decode()

    def test_it_says_so_when_nothing_is_published(self, world, client):
        shared_plan(world)
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_care_plan:plan")).content.decode()
        assert "has not published your care plan yet" in page
        assert "Seeing my daughter" not in page
        assert client.get(reverse("my_care_plan:pdf")).status_code == 404

    def test_it_shows_another_person_only_their_own(self, world, plan, client):
        other = people_services.portal_login_create(
            service_user=world.mh_only,
            username="alex",
            email="alex@example.invalid",
            by=world.keyworker_mh,
            password=world.password,
        )
        client.force_login(other)
        page = client.get(reverse("my_care_plan:plan")).content.decode()
        assert "My dog and my daughter." not in page

    @pytest.mark.parametrize("role", ["keyworker_mh", "carer", "pharmacist"])
    def test_it_is_not_a_page_for_anyone_else(self, world, plan, client, role):
        client.force_login(getattr(world, role))
        assert client.get(reverse("my_care_plan:plan")).status_code == 404
        assert client.get(reverse("my_care_plan:pdf")).status_code == 404

    def test_it_speaks_to_the_person_on_their_own_plan(self, world, plan, client):
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_care_plan:plan")).content.decode()
        for words in ("What matters to you", "In your words", "Your goals", "Your goal", "Part of your life"):
            assert words in page, words
        for words in ("In their words", "The goal, in their words", "Life area", "What matters to me"):
            assert words not in page, words
        # The staff page keeps the staff words.
        client.force_login(world.keyworker_mh)
        staff = client.get(reverse("careplans:plan", args=[world.service_user.pk])).content.decode()
        assert "In their words" in staff and "Life area" in staff

    def test_it_links_from_the_persons_home(self, world, plan, client):
        client.force_login(world.service_user_login)
        page = client.get(reverse("my_home")).content.decode()
        assert reverse("my_care_plan:plan") in page and "Your care plan" in page


class CarerPageTests:
    def test_it_shows_the_carer_the_crisis_plan_only_and_takes_their_views(self, world, plan, client):
        client.force_login(world.carer)
        url = reverse("careplans:carer", args=[world.service_user.pk])
        page = client.get(url).content.decode()
        assert "Walking the dog" in page
        assert "My dog and my daughter." not in page and "Overdose" not in page
        assert f"{world.service_user.known_as}&#x27;s crisis and relapse-prevention plan" in page
        assert "Write your views on the care plan." in client.post(url, {"comment": ""}).content.decode()
        assert client.post(url, {"comment": "He seems better."}).status_code == 302
        assert Agreement.objects.get().kind == "carer_views"

    def test_it_hides_the_plan_when_not_granted(self, world, plan, client):
        people_services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        client.force_login(world.carer)
        assert client.get(reverse("careplans:carer", args=[world.service_user.pk])).status_code == 404

    @pytest.mark.parametrize("role", ["keyworker_mh", "service_user_login", "outsider"])
    def test_it_is_not_a_page_for_anyone_else(self, world, plan, client, role):
        client.force_login(getattr(world, role))
        assert client.get(reverse("careplans:carer", args=[world.service_user.pk])).status_code == 404

    def test_it_shows_a_carer_nothing_of_another_person(self, world, plan, client):
        client.force_login(world.carer)
        assert client.get(reverse("careplans:carer", args=[world.mh_only.pk])).status_code == 404


class CarerListTests:
    def test_it_takes_the_carer_to_the_plan_they_may_see(self, world, plan, client):
        client.force_login(world.carer)
        response = client.get(reverse("careplans:carer_list"))
        assert response.status_code == 302
        assert response["Location"] == reverse("careplans:carer", args=[world.service_user.pk])

    def test_it_says_so_when_nothing_is_shared(self, world, plan, client):
        people_services.carer_permission_revoke(
            carer=world.carer_link, scope="care_plan", by=world.service_user_login
        )
        client.force_login(world.carer)
        assert "No one has chosen to share" in client.get(reverse("careplans:carer_list")).content.decode()

    @pytest.mark.parametrize("role", ["keyworker_mh", "service_user_login"])
    def test_it_is_not_a_page_for_anyone_else(self, world, client, role):
        client.force_login(getattr(world, role))
        assert client.get(reverse("careplans:carer_list")).status_code == 404


class PlanPageQueryTests:
    def test_it_pins_the_query_count_of_the_plan_page_whatever_the_entries(self, world, plan, client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(world.keyworker_mh)
        url = reverse("careplans:plan", args=[world.service_user.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for index in range(8):
            services.entry_add(
                service_user=world.service_user,
                section="action",
                by=world.keyworker_sm,
                text=f"Action {index}",
                owner_kind="worker",
                owner_worker=world.keyworker_sm,
            )
        with CaptureQueriesContext(connection) as after:
            assert "Action 7" in client.get(url).content.decode()
        assert len(after.captured_queries) == len(before.captured_queries)
