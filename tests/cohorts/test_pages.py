"""Cohort pages: quadrant assessment with evidence and suggestion, cohort detail, enrol, exit;
allowed and denied roles."""

import datetime as dt

import pytest
from django.utils import timezone

from cohorts import services
from cohorts.models import Enrolment, QuadrantAssessment
from tests.outcomes.helpers import make_honos, make_top

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.localdate() - dt.timedelta(days=days)


def date_parts(prefix, day):
    return {f"{prefix}_day": day.day, f"{prefix}_month": day.month, f"{prefix}_year": day.year}


class QuadrantPageTests:
    def test_it_shows_evidence_and_a_suggestion_and_assigns_only_on_confirmation(self, client, world):
        make_honos(world, items=[3, 2, 4, 1, 1, 2, 3, 2, 2, 2, 1, 3])
        make_top(world, alcohol_days=26)
        client.force_login(world.keyworker_sm)  # sees the TOP it rated, not the HoNOS (no consent)
        body = client.get(f"/cohorts/people/{world.service_user.pk}/quadrant/").content.decode()
        assert "data-suggested>not enough evidence<" in body
        client.force_login(world.keyworker_mh)
        url = f"/cohorts/people/{world.service_user.pk}/quadrant/"
        body = client.get(url).content.decode()
        assert "data-suggested>IV<" in body and "Royal College of Psychiatrists" in body
        assert not QuadrantAssessment.objects.exists()
        response = client.post(url, {"mental_health_severity": "high", **date_parts("assessed_on", ago(0))})
        assert "Choose low or high" in response.content.decode() and not QuadrantAssessment.objects.exists()
        response = client.post(
            url,
            {
                "mental_health_severity": "high",
                "substance_use_severity": "low",
                "rationale": "Drinking has settled; psychosis still active.",
                **date_parts("assessed_on", ago(0)),
            },
        )
        assert response.status_code == 302
        assert QuadrantAssessment.objects.get().quadrant == "II"

    def test_it_is_not_found_for_people_who_may_not_see_the_record(self, client, world):
        for user in (
            world.keyworker_sm,
            world.outsider,
            world.pharmacist,
            world.service_user_login,
            world.carer,
        ):
            client.force_login(user)
            assert client.get(f"/cohorts/people/{world.mh_only.pk}/quadrant/").status_code == 404

    def test_it_links_from_the_record_page(self, client, world):
        client.force_login(world.keyworker_mh)
        body = client.get(f"/people/{world.service_user.pk}/").content.decode()
        assert f"/cohorts/people/{world.service_user.pk}/quadrant/" in body

    def test_each_unanswered_question_is_named_in_its_own_error(self, client, world):
        client.force_login(world.keyworker_mh)
        url = f"/cohorts/people/{world.service_user.pk}/quadrant/"
        body = client.post(
            url, {"rationale": "Seen today.", **date_parts("assessed_on", ago(0))}
        ).content.decode()
        for question in ("mental illness", "substance use"):
            assert f"Choose low or high for the severity of {question}." in body
        assert "Choose low or high.<" not in body and not QuadrantAssessment.objects.exists()


class CohortPageTests:
    def build(self, world):
        cohort = services.cohort_create(
            by=world.manager_mh,
            name="North cohort",
            locality="North",
            teams=[world.cmht_north],
            targets={"IV": 3},
            start=ago(400),
        )
        for person, mh, su in ((world.service_user, "high", "high"), (world.mh_only, "high", "low")):
            services.quadrant_assess(
                service_user=person,
                mental_health_severity=mh,
                substance_use_severity=su,
                rationale="r",
                by=world.keyworker_mh,
                assessed_on=ago(100),
            )
        return cohort

    def test_it_shows_counts_members_and_moves(self, client, world):
        cohort = self.build(world)
        services.cohort_enrol(
            cohort=cohort, service_user=world.service_user, by=world.manager_mh, enrolled_on=ago(50)
        )
        client.force_login(world.manager_mh)
        body = client.get(f"/cohorts/{cohort.pk}/").content.decode()
        assert 'data-quadrant="IV"' in body and "Sam Testwell" in body and "data-transitions" in body

    def test_it_shows_each_members_latest_outcomes_that_the_viewer_may_see(self, client, world):
        from outcomes.selectors import outcomes_visible

        cohort = self.build(world)
        services.cohort_enrol(
            cohort=cohort, service_user=world.service_user, by=world.manager_mh, enrolled_on=ago(50)
        )
        make_honos(world, rated_on=ago(40), items=[1] * 12)
        make_honos(world, rated_on=ago(3), stage="review")  # HONOS_ITEMS: total 21
        top = make_top(world, by=world.keyworker_sm, completed_on=ago(5))
        # The drug and alcohol service's TOP is not shared with the mental health trust.
        assert not outcomes_visible(world.manager_mh, "top").filter(pk=top.pk).exists()
        client.force_login(world.manager_mh)
        body = client.get(f"/cohorts/{cohort.pk}/").content.decode()
        assert f"data-latest-honos>21 on {ago(3):%-d %b %Y}<" in body
        assert "data-latest-top>None you can see<" in body
        own = make_top(world, by=world.keyworker_mh, completed_on=ago(2))
        body = client.get(f"/cohorts/{cohort.pk}/").content.decode()
        assert f"data-latest-top>{own.get_stage_display()}, {ago(2):%-d %b %Y}<" in body

    def test_it_enrols_and_exits_through_pages(self, client, world):
        cohort = self.build(world)
        client.force_login(world.manager_mh)
        url = f"/cohorts/{cohort.pk}/enrol/"
        assert "Alex Sampleton" in client.get(url).content.decode()
        response = client.post(
            url, {"service_user": str(world.mh_only.pk), **date_parts("enrolled_on", ago(1))}
        )
        assert response.status_code == 302
        enrolment = Enrolment.objects.get()
        assert enrolment.quadrant_at_entry == "II"
        exit_url = f"/cohorts/{cohort.pk}/enrolments/{enrolment.pk}/exit/"
        response = client.post(exit_url, {"reason": "other", **date_parts("exited_on", ago(0))})
        assert "Say why the person left" in response.content.decode()
        response = client.post(exit_url, {"reason": "disengaged", **date_parts("exited_on", ago(0))})
        assert response.status_code == 302
        enrolment.refresh_from_db()
        assert enrolment.exit_reason == "disengaged"

    def test_it_hides_cohorts_from_other_organisations_and_non_staff(self, client, world):
        cohort = self.build(world)
        for user in (world.keyworker_sm, world.outsider):
            client.force_login(user)
            assert client.get(f"/cohorts/{cohort.pk}/").status_code == 404
        for user in (world.service_user_login, world.carer):
            client.force_login(user)
            assert client.get("/cohorts/").status_code == 404


class CohortDetailQueryTests:
    def test_it_renders_in_a_constant_number_of_queries(self, client, world, django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cohort = CohortPageTests().build(world)
        services.cohort_enrol(
            cohort=cohort, service_user=world.service_user, by=world.manager_mh, enrolled_on=ago(50)
        )
        client.force_login(world.manager_mh)
        url = f"/cohorts/{cohort.pk}/"
        client.get(url)
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        services.cohort_enrol(
            cohort=cohort, service_user=world.mh_only, by=world.manager_mh, enrolled_on=ago(20)
        )
        make_honos(world, rated_on=ago(40))
        make_honos(world, stage="review")
        with django_assert_num_queries(len(first.captured_queries)):
            body = client.get(url).content.decode()
        assert "Alex Sampleton" in body
