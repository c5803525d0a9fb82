"""The NDTMS TOP extract (issue 21, item 3): a drug and alcohol service's managers and admins check a
range's TOP forms (a paginated report of those held back, with why) and download the rest as CSV,
exactly as below; everyone shown or extracted audited; nobody else may."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dualcare.audit.models import AuditEvent
from dualcare.people import services as people_services
from dualcare.people.models import Organisation, StaffRole
from outcomes import ndtms, services
from tests.factories import TeamFactory, person, staff
from tests.outcomes.helpers import days_ago, make_top
from tests.world import build_world

pytestmark = pytest.mark.django_db
Role = StaffRole.Role

HEADER = (
    "CLIENT_ID,NHS_NUMBER,INITIALS,DATE_OF_BIRTH,TOP_DATE,TREATMENT_STAGE,ALCOHOL_DAYS,"
    "ALCOHOL_UNITS_PER_DAY,OPIATES_DAYS,OPIATES_GRAMS_PER_DAY,CRACK_DAYS,CRACK_GRAMS_PER_DAY,"
    "COCAINE_DAYS,COCAINE_GRAMS_PER_DAY,AMPHETAMINES_DAYS,AMPHETAMINES_GRAMS_PER_DAY,CANNABIS_DAYS,"
    "CANNABIS_SPLIFFS_PER_DAY,OTHER_SUBSTANCE_NAME,OTHER_SUBSTANCE_DAYS,OTHER_SUBSTANCE_GRAMS_PER_DAY,"
    "TOBACCO_DAYS,INJECTING_DAYS,SHARED_NEEDLE,SHARED_PARAPHERNALIA,SHOPLIFTING_DAYS,DRUG_SELLING_DAYS,"
    "VEHICLE_THEFT,PROPERTY_THEFT,FRAUD,ASSAULT,PSYCHOLOGICAL_HEALTH,PHYSICAL_HEALTH,QUALITY_OF_LIFE,"
    "PAID_WORK_DAYS,COLLEGE_DAYS,ACUTE_HOUSING_PROBLEM,EVICTION_RISK\r\n"
)
# make_top's answers, as the file writes them: not answered empty, yes/no as Y/N, 14.50 as 14.5.
ANSWERS = "20,14.5,0,,0,,,,,,6,2,{other},28,0,,,0,0,,,,N,6,9,5,0,,Y,N"


def _world():
    w = build_world()
    w.sm_admin = staff("orgadmin.sm", TeamFactory(organisation=w.sm, name="Admin"), Role.ORG_ADMIN)
    # Ready: Jo's start TOP two days before care began; Sam's review; Lee's exit TOP, then discharged.
    w.jo_start = make_top(w, service_user=w.sm_only, completed_on=days_ago(2))
    w.sam_review = make_top(
        w, stage="review", completed_on=days_ago(0), other_substance_name="Ketamine", other_substance_days=3
    )
    w.lee = person(w.sm_team, key_worker=w.keyworker_sm, given_name="Lee", family_name="Leftcare")
    w.lee_exit = make_top(w, service_user=w.lee, stage="exit", completed_on=days_ago(0))
    w.blank = services.top_record(
        service_user=w.lee, by=w.keyworker_sm, completed_on=days_ago(0), stage="review"
    )
    people_services.involvement_end(
        involvement=w.lee.involvements.get(), reason="Completed treatment", by=w.keyworker_sm
    )
    # Held back: no NHS number; a start TOP 40 days before care began; nothing answered.
    w.nobody = person(
        w.sm_team, key_worker=w.keyworker_sm, given_name="Nat", family_name="Nonumber", nhs_number=""
    )
    w.no_number = make_top(w, service_user=w.nobody, completed_on=days_ago(1))
    w.early = make_top(w, service_user=w.sm_only, completed_on=days_ago(40))
    return w


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """One world for the module, rolled back at its end (each test's own writes roll back too)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def w(module_world, db):
    return module_world


def _range(start: dt.date, end: dt.date) -> dict:
    return {
        **{f"start_{part}": getattr(start, part) for part in ("day", "month", "year")},
        **{f"end_{part}": getattr(end, part) for part in ("day", "month", "year")},
    }


def _line(form, other: str = ",,") -> str:
    su = form.service_user
    initials = su.given_name[0] + su.family_name[0]
    return (
        f"{su.pk},{su.nhs_number},{initials},1985-03-14,{form.completed_on.isoformat()},{form.stage.upper()},"
        + ANSWERS.format(other=other)
        + "\r\n"
    )


class ExtractTests:
    def test_the_file_is_exactly_the_ready_forms_in_date_order(self, client, w):
        client.force_login(w.manager_sm)
        url = reverse("outcomes:ndtms_download", kwargs={"pk": w.sm.pk})
        response = client.get(url, _range(days_ago(50), timezone.localdate()))
        assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
        expected = HEADER + _line(w.jo_start) + _line(w.sam_review, "Ketamine,3,") + _line(w.lee_exit)
        assert response.content == expected.encode()
        assert 'filename="ndtms-top-dualcare-' in response["Content-Disposition"]

    def test_each_person_in_the_file_is_audited_once(self, client, w):
        client.force_login(w.sm_admin)
        started = timezone.now()
        client.get(
            reverse("outcomes:ndtms_download", kwargs={"pk": w.sm.pk}), _range(days_ago(50), days_ago(0))
        )
        rows = AuditEvent.objects.filter(at__gte=started, action="outcomes.ndtms.extract", actor=w.sm_admin)
        assert sorted(rows.values_list("service_user_id", flat=True)) == sorted(
            [w.sm_only.pk, w.service_user.pk, w.lee.pk]
        )

    def test_the_report_names_what_holds_each_form_back(self, client, w):
        client.force_login(w.manager_sm)
        url = reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk})
        response = client.get(url, _range(days_ago(50), days_ago(0)))
        assert response.status_code == 200
        page = response.context["page"]
        assert response.context["counts"] == ndtms.Counts(forms=6, ready=3, held_back=3)
        problems = {record.pk: found for record, found in page.object_list}
        assert problems == {
            w.early.pk: ["Outside the 28-day window for its stage (see the rules above)."],
            w.blank.pk: ["No item of the form is answered."],
            w.no_number.pk: ["No NHS number: add it to the person's record."],
        }
        html = response.content.decode()
        assert "Download the 3 forms ready (CSV)" in html and "Nat Nonumber" in html

    def test_the_report_is_searched_and_paged(self, client, w):
        client.force_login(w.manager_sm)
        url = reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk})
        found = client.get(url, {**_range(days_ago(50), days_ago(0)), "q": "nonum"}).context["page"]
        assert [record.pk for record, _ in found.object_list] == [w.no_number.pk]
        for _ in range(26):
            make_top(w, service_user=w.nobody, completed_on=days_ago(5))
        page = client.get(url, {**_range(days_ago(50), days_ago(0)), "page": 2}).context["page"]
        assert page.paginator.count == 29 and len(page.object_list) == 4

    def test_the_window_is_a_setting(self, client, w, settings):
        settings.NDTMS_TOP_WINDOW_DAYS = 45
        client.force_login(w.manager_sm)
        response = client.get(
            reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk}), _range(days_ago(50), days_ago(0))
        )
        assert response.context["counts"].ready == 4  # the early start TOP is inside 45 days

    def test_last_month_is_the_default_range(self, client, w):
        client.force_login(w.manager_sm)
        response = client.get(reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk}))
        start, end = ndtms.default_range(timezone.localdate())
        assert response.status_code == 200 and end < timezone.localdate().replace(
            day=1
        ) <= end + dt.timedelta(1)
        assert response.context["form"].cleaned_data["start"] == start

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"start_day": "31", "start_month": "2", "start_year": "2026"}, "start"),
            ({"end_day": "x"}, "end"),
        ],
    )
    def test_a_bad_range_is_a_field_error(self, client, w, params, field):
        client.force_login(w.manager_sm)
        query = {**_range(days_ago(10), days_ago(0)), **params}
        response = client.get(reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk}), query)
        assert response.status_code == 400 and field in response.context["form"].errors
        assert (
            client.get(reverse("outcomes:ndtms_download", kwargs={"pk": w.sm.pk}), query).status_code == 302
        )

    def test_an_end_before_the_start_or_a_range_past_a_year_is_refused(self, client, w):
        client.force_login(w.manager_sm)
        url = reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk})
        backwards = client.get(url, _range(days_ago(1), days_ago(5)))
        assert "on or after the start" in backwards.context["form"].errors["end"][0]
        too_long = client.get(url, _range(days_ago(400), days_ago(0)))
        assert "at most 366 days" in too_long.context["form"].errors["end"][0]


class AccessTests:
    @pytest.mark.parametrize("who", ["keyworker_sm", "manager_mh", "outsider", "orgadmin_mh", "pharmacist"])
    def test_only_the_services_managers_and_admins_may_and_refusals_are_audited(self, client, w, who):
        client.force_login(getattr(w, who))
        started = timezone.now()
        for name in ("outcomes:ndtms", "outcomes:ndtms_download"):
            url = reverse(name, kwargs={"pk": w.sm.pk})
            assert client.get(url, _range(days_ago(50), days_ago(0))).status_code == 404
        denied = AuditEvent.objects.filter(
            at__gte=started, outcome="denied", action__startswith="outcomes.ndtms"
        )
        assert denied.count() == 2

    def test_a_mental_health_trust_has_no_extract(self, client, w):
        manager = staff("manager.mh.north", w.cmht_north, Role.TEAM_MANAGER)
        client.force_login(manager)
        assert client.get(reverse("outcomes:ndtms", kwargs={"pk": w.mh.pk})).status_code == 404
        assert w.mh.kind == Organisation.Kind.MENTAL_HEALTH


class QueryBudgetTests:
    def test_the_report_and_file_cost_the_same_queries_whatever_the_forms(
        self, client, w, django_assert_num_queries
    ):
        client.force_login(w.manager_sm)
        report = reverse("outcomes:ndtms", kwargs={"pk": w.sm.pk})
        download = reverse("outcomes:ndtms_download", kwargs={"pk": w.sm.pk})
        query = _range(days_ago(50), days_ago(0))
        client.get(report, query)  # the session and the caches warm
        for number in range(5):
            extra = person(w.sm_team, key_worker=w.keyworker_sm, given_name=f"Extra{number}", family_name="P")
            make_top(w, service_user=extra, completed_on=days_ago(1))
            make_top(w, service_user=extra, completed_on=days_ago(45))
        # The session and user, the access check (the 404 helper's and the extract filter's), the
        # counts, the report's count and page, the audit's roles and one insert, the page's own
        # (the header's roles and alerts) and the session's save (savepoint, update, release).
        with django_assert_num_queries(REPORT_QUERIES):
            client.get(report, query)
        # The session and user, the two access checks, the ready forms, the audit's roles and one
        # insert, the session's save (savepoint, update, release).
        with django_assert_num_queries(FILE_QUERIES):
            client.get(download, query)


# The extract's reads run in one transaction (a savepoint and its release here, inside the test's),
# with JIT off on PostgreSQL (one SET).
_EXTRACT = 2 + (1 if connection.vendor == "postgresql" else 0)
REPORT_QUERIES = 14 + _EXTRACT
FILE_QUERIES = 10 + _EXTRACT


class ApiTests:
    def test_the_report_gives_the_counts_and_a_page_of_held_back_forms(self, api, w):
        api.force_authenticate(w.manager_sm)
        url = f"/api/v1/outcomes/ndtms/{w.sm.pk}/"
        body = api.get(url, {"start": str(days_ago(50)), "end": str(days_ago(0))}).json()
        assert (body["forms"], body["ready"], body["held_back"], body["count"]) == (6, 3, 3, 3)
        by_form = {row["top"]: row for row in body["results"]}
        assert by_form[str(w.no_number.pk)]["problems"] == ["No NHS number: add it to the person's record."]
        assert by_form[str(w.early.pk)]["stage"] == "start" and by_form[str(w.early.pk)]["nhs_number"]

    def test_the_file_is_the_pages_file(self, api, client, w):
        api.force_authenticate(w.manager_sm)
        client.force_login(w.manager_sm)
        query = {"start": str(days_ago(50)), "end": str(days_ago(0))}
        response = api.get(f"/api/v1/outcomes/ndtms/{w.sm.pk}/top.csv", query)
        assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
        page = client.get(
            reverse("outcomes:ndtms_download", kwargs={"pk": w.sm.pk}), _range(days_ago(50), days_ago(0))
        )
        assert response.content == page.content and response.content.startswith(HEADER.encode())

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"start": "2026-02-31", "end": "2026-03-01"}, "start"),
            ({"end": "2026-03-01"}, "start"),
            ({"start": "2026-03-05", "end": "2026-03-01"}, "end"),
            ({"start": "2020-01-01", "end": "2026-03-01"}, "end"),
            ({"start": "1999-01-01", "end": "1999-02-01"}, "start"),
        ],
    )
    def test_a_bad_range_is_a_400_naming_the_field(self, api, w, query, field):
        api.force_authenticate(w.manager_sm)
        for path in ("", "top.csv"):
            response = api.get(f"/api/v1/outcomes/ndtms/{w.sm.pk}/{path}", query)
            assert response.status_code == 400 and field in response.json(), response.content

    def test_anyone_else_gets_a_404(self, api, w):
        for who in (w.keyworker_sm, w.manager_mh, w.outsider):
            api.force_authenticate(who)
            query = {"start": str(days_ago(50)), "end": str(days_ago(0))}
            assert api.get(f"/api/v1/outcomes/ndtms/{w.sm.pk}/", query).status_code == 404
            assert api.get(f"/api/v1/outcomes/ndtms/{w.sm.pk}/top.csv", query).status_code == 404
        api.force_authenticate(w.service_user_login)
        assert api.get(f"/api/v1/outcomes/ndtms/{w.sm.pk}/", query).status_code == 403

    def test_the_report_costs_the_same_queries_whatever_the_forms(self, api, w, django_assert_num_queries):
        api.force_authenticate(w.manager_sm)
        url = f"/api/v1/outcomes/ndtms/{w.sm.pk}/"
        query = {"start": str(days_ago(50)), "end": str(days_ago(0))}
        api.get(url, query)
        for number in range(4):
            extra = person(w.sm_team, key_worker=w.keyworker_sm, given_name=f"More{number}", family_name="P")
            make_top(w, service_user=extra, completed_on=days_ago(45))
        # The access check twice, the counts, the page's count and rows, the audit's roles and insert.
        with django_assert_num_queries(API_REPORT_QUERIES):
            assert api.get(url, query).json()["held_back"] == 7


API_REPORT_QUERIES = 7 + _EXTRACT
