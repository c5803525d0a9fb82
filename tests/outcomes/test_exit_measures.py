"""Exit TOP and discharge HoNOS after the involvement has ended (issue 6, schedules).

Ending an involvement withdraws the team's sight of the record, yet the exit measure is taken
at the end of care. For OUTCOME_EXIT_ACCESS_DAYS the ending team sees the exit measure on its due
lists, is reminded once when it is overdue, and may record that measure and nothing else.
"""

import pytest
from django.http import Http404
from django.urls import reverse

from dualcare import access
from dualcare.audit.models import AuditEvent
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import Involvement
from outcomes import selectors, services
from outcomes.models import HonosRating, TopForm

from .helpers import HONOS_ITEMS, days_ago, make_honos, make_top


def end_care(world, team, *, person=None, started=200, ended=3):
    """The team's involvement with the person began `started` days ago and ended `ended` days ago."""
    person = person or world.mh_only
    involvement = Involvement.objects.get(service_user=person, team=team, end__isnull=True)
    Involvement.objects.filter(pk=involvement.pk).update(start=days_ago(started))
    by = world.keyworker_mh if team == world.cmht_north else world.keyworker_sm
    return people_services.involvement_end(
        involvement=involvement, reason="Discharged: goals met", by=by, end=days_ago(ended)
    )


def discharge_honos(world, involvement, *, by=None, stage="discharge", rated_on=None):
    return services.honos_record(
        service_user=involvement.service_user,
        by=by or world.keyworker_mh,
        rated_on=rated_on or days_ago(1),
        stage=stage,
        items=HONOS_ITEMS,
        item8_type="B",
        exit_from=involvement,
    )


def exit_items(user, **kwargs):
    return [
        (item.involvement.pk, item.due.instrument, item.due.kind)
        for item in selectors.due_for_user(user, **kwargs)
        if item.due.kind == "exit"
    ]


@pytest.mark.django_db
class DueAfterDischargeTests:
    def test_the_ending_team_sees_the_discharge_honos_due_though_the_record_is_closed(self, world):
        involvement = end_care(world, world.cmht_north)
        assert not access.can_view_record(world.keyworker_mh, world.mh_only)
        assert exit_items(world.keyworker_mh) == [(involvement.pk, "honos", "exit")]
        assert exit_items(world.keyworker_mh, key_worker=world.keyworker_mh) == [
            (involvement.pk, "honos", "exit")
        ]
        assert exit_items(world.keyworker_mh, team=world.cmht_north) == [(involvement.pk, "honos", "exit")]

    def test_a_drug_and_alcohol_team_gets_the_exit_top(self, world):
        involvement = end_care(world, world.sm_team, person=world.sm_only)
        assert exit_items(world.keyworker_sm) == [(involvement.pk, "top", "exit")]
        assert exit_items(world.manager_sm) == [(involvement.pk, "top", "exit")]

    def test_other_teams_do_not_see_it(self, world):
        end_care(world, world.cmht_north)
        assert exit_items(world.keyworker_mh_south) == []
        assert exit_items(world.outsider) == []
        assert exit_items(world.pharmacist) == []

    def test_it_goes_once_the_exit_measure_is_recorded(self, world):
        involvement = end_care(world, world.cmht_north)
        discharge_honos(world, involvement)
        assert exit_items(world.keyworker_mh) == []

    def test_it_goes_when_the_window_closes(self, world, settings):
        settings.OUTCOME_EXIT_ACCESS_DAYS = 28
        end_care(world, world.cmht_north, ended=29)
        assert exit_items(world.keyworker_mh) == []
        end_care(world, world.sm_team, person=world.sm_only, ended=28)
        assert len(exit_items(world.keyworker_sm)) == 1

    def test_it_is_overdue_after_the_tolerance_window(self, world):
        end_care(world, world.cmht_north, ended=15)
        (item,) = [i for i in selectors.due_for_user(world.keyworker_mh) if i.due.kind == "exit"]
        assert item.due.overdue and item.due.due_on == days_ago(15)

    def test_the_due_list_stays_constant_in_queries(self, world, django_assert_num_queries):
        with django_assert_num_queries(3):
            selectors.due_for_user(world.keyworker_mh)
        end_care(world, world.cmht_north)
        end_care(world, world.cmht_north, person=world.service_user, ended=5)
        with django_assert_num_queries(3):
            assert len(exit_items(world.keyworker_mh)) == 2


@pytest.mark.django_db
class RecordingAfterDischargeTests:
    def test_the_team_records_the_discharge_honos_for_its_organisation(self, world):
        involvement = end_care(world, world.cmht_north)
        rating = discharge_honos(world, involvement)
        assert (rating.stage, rating.team, rating.organisation) == ("discharge", world.cmht_north, world.mh)
        assert AuditEvent.objects.filter(action="outcomes.honos.record", service_user=world.mh_only).exists()

    def test_only_the_exit_stage(self, world):
        involvement = end_care(world, world.cmht_north)
        with pytest.raises(services.OutcomeValidationError) as caught:
            discharge_honos(world, involvement, stage="review")
        assert caught.value.errors["stage"] == ["After discharge only the exit measure can be recorded."]
        assert not HonosRating.objects.exists()

    def test_not_before_the_start_of_care(self, world):
        involvement = end_care(world, world.cmht_north, started=10)
        with pytest.raises(services.OutcomeValidationError) as caught:
            discharge_honos(world, involvement, rated_on=days_ago(11))
        assert list(caught.value.errors) == ["rated_on"]

    def test_a_date_before_the_start_of_care_shows_with_the_items_errors(self, world):
        involvement = end_care(world, world.cmht_north, started=10)
        items = list(HONOS_ITEMS)
        items[2] = 7
        with pytest.raises(services.OutcomeValidationError) as caught:
            services.honos_record(
                service_user=involvement.service_user,
                by=world.keyworker_mh,
                rated_on=days_ago(11),
                stage="review",
                items=items,
                item8_type="",
                exit_from=involvement,
            )
        assert set(caught.value.errors) == {"rated_on", "stage", "item3", "item8_type"}
        assert "start of care" in caught.value.errors["rated_on"][0]
        assert not HonosRating.objects.exists()

    def test_only_once(self, world):
        involvement = end_care(world, world.cmht_north)
        discharge_honos(world, involvement)
        with pytest.raises(ApplicationError, match="already recorded"):
            discharge_honos(world, involvement)
        assert HonosRating.objects.count() == 1

    def test_nothing_else_through_the_ordinary_path(self, world):
        end_care(world, world.cmht_north)
        with pytest.raises(ApplicationError):
            make_honos(world, service_user=world.mh_only, stage="discharge")
        with pytest.raises(ApplicationError):
            services.dialog_record(
                service_user=world.mh_only, by=world.keyworker_mh, rated_on=days_ago(1), items=[4] * 11
            )

    def test_only_the_instrument_of_the_teams_organisation(self, world):
        involvement = end_care(world, world.cmht_north)
        assert not access.outcomes_can_record_exit(world.keyworker_mh, involvement, "top")
        with pytest.raises(ApplicationError, match="no longer"):
            make_top(
                world, by=world.keyworker_mh, service_user=world.mh_only, stage="exit", exit_from=involvement
            )
        assert not TopForm.objects.exists()

    def test_not_another_team_nor_after_the_window(self, world, settings):
        involvement = end_care(world, world.cmht_north)
        with pytest.raises(ApplicationError, match="no longer"):
            discharge_honos(world, involvement, by=world.keyworker_mh_south)
        settings.OUTCOME_EXIT_ACCESS_DAYS = 2
        with pytest.raises(ApplicationError, match="no longer"):
            discharge_honos(world, involvement)
        assert not HonosRating.objects.exists()

    def test_the_exit_top_of_a_drug_and_alcohol_team(self, world):
        involvement = end_care(world, world.sm_team, person=world.sm_only)
        form = make_top(world, service_user=world.sm_only, stage="post_treatment_exit", exit_from=involvement)
        assert form.organisation == world.sm and form.stage == "post_treatment_exit"


@pytest.mark.django_db
class ExitPageTests:
    def test_the_page_records_the_measure_and_nothing_else_of_the_record_opens(self, world, login):
        involvement = end_care(world, world.cmht_north)
        client = login(world.keyworker_mh)
        url = reverse("outcomes:exit_new", args=[involvement.pk, "honos"])
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Record the discharge HoNOS" in html and "Alex Sampleton" in html
        assert 'value="assessment"' not in html and 'value="discharge"' in html
        assert world.mh_only.nhs_number not in html
        assert AuditEvent.objects.filter(
            action="outcomes.honos.exit_form", service_user=world.mh_only, outcome="allowed"
        ).exists()
        # The rest of the record is closed.
        assert client.get(reverse("outcomes:person", args=[world.mh_only.pk])).status_code == 404
        assert client.get(reverse("outcomes:honos_new", args=[world.mh_only.pk])).status_code == 404
        assert client.get(reverse("outcomes:exit_new", args=[involvement.pk, "top"])).status_code == 404
        data = {
            "rated_on_day": days_ago(1).day,
            "rated_on_month": days_ago(1).month,
            "rated_on_year": days_ago(1).year,
            "stage": "discharge",
            "rating_period": "two_weeks",
            **{f"item{n}": str(v) for n, v in enumerate(HONOS_ITEMS, start=1)},
            "item8_type": "B",
        }
        response = client.post(url, data)
        assert response.status_code == 302 and response.url == reverse("outcomes:due")
        assert HonosRating.objects.get(service_user=world.mh_only).stage == "discharge"
        again = client.post(url, data)
        assert again.status_code == 200 and "already recorded" in again.content.decode()
        assert HonosRating.objects.count() == 1

    def test_a_date_before_the_start_of_care_shows_with_a_bad_item(self, world, login):
        involvement = end_care(world, world.cmht_north, started=10)
        client = login(world.keyworker_mh)
        day = days_ago(11)
        data = {
            "rated_on_day": day.day,
            "rated_on_month": day.month,
            "rated_on_year": day.year,
            "stage": "discharge",
            "rating_period": "two_weeks",
            **{f"item{n}": str(v) for n, v in enumerate(HONOS_ITEMS, start=1)},
            "item3": "x",
            "item8_type": "B",
        }
        response = client.post(reverse("outcomes:exit_new", args=[involvement.pk, "honos"]), data)
        errors = response.context["form"].errors
        assert set(errors) == {"rated_on", "item3"}
        assert "start of care" in errors["rated_on"][0]
        assert not HonosRating.objects.exists()

    def test_the_review_stage_is_refused_on_the_form(self, world, login):
        involvement = end_care(world, world.cmht_north)
        client = login(world.keyworker_mh)
        response = client.post(
            reverse("outcomes:exit_new", args=[involvement.pk, "honos"]),
            {"stage": "review", "rated_on_day": "1", "rated_on_month": "1", "rated_on_year": "2026"},
        )
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        assert not HonosRating.objects.exists()

    def test_someone_else_gets_a_404_which_is_audited(self, world, login):
        involvement = end_care(world, world.cmht_north)
        client = login(world.keyworker_mh_south)
        assert client.get(reverse("outcomes:exit_new", args=[involvement.pk, "honos"])).status_code == 404
        assert AuditEvent.objects.filter(action="outcomes.honos.exit_form", outcome="denied").exists()
        with pytest.raises(Http404):
            access.outcomes_exit_involvement_or_404(world.outsider, involvement.pk, "honos", action="x")

    def test_the_due_list_links_to_the_exit_form(self, world, login):
        involvement = end_care(world, world.cmht_north)
        html = login(world.keyworker_mh).get(reverse("outcomes:due")).content.decode()
        assert reverse("outcomes:exit_new", args=[involvement.pk, "honos"]) in html
        assert "Care ended" in html


@pytest.mark.django_db
class ExitReminderTests:
    def test_one_reminder_to_the_key_worker_when_overdue(self, world, django_capture_on_commit_callbacks):
        involvement = end_care(world, world.cmht_north, ended=20)
        services.outcomes_send_overdue_reminders()
        rows = Notification.objects.filter(
            kind="outcomes.honos_overdue", recipient=world.keyworker_mh, channel="in_app"
        )
        exits = [row for row in rows if str(involvement.pk) in row.url]
        assert len(exits) == 1
        assert exits[0].url == f"/outcomes/exit/{involvement.pk}/honos/"
        assert "Alex" not in exits[0].subject and "Sampleton" not in exits[0].body
        before = Notification.objects.count()
        assert services.outcomes_send_overdue_reminders() == 0
        assert Notification.objects.count() == before

    def test_the_managers_when_the_key_worker_has_left_the_team(self, world):
        involvement = end_care(world, world.sm_team, person=world.sm_only, ended=20)
        world.keyworker_sm.staff_roles.filter(team=world.sm_team).update(start=days_ago(300), end=days_ago(1))
        services.outcomes_send_overdue_reminders()
        recipients = set(
            Notification.objects.filter(url=f"/outcomes/exit/{involvement.pk}/top/").values_list(
                "recipient", flat=True
            )
        )
        assert recipients == {world.manager_sm.pk}

    def test_nothing_after_the_window(self, world):
        involvement = end_care(world, world.cmht_north, ended=40)
        services.outcomes_send_overdue_reminders()
        assert not Notification.objects.filter(url__contains=str(involvement.pk)).exists()


@pytest.mark.django_db
class ExitApiTests:
    URL = "/api/v1/outcomes/honos/"

    def payload(self, world, involvement, **changes):
        data = {
            "service_user": str(world.mh_only.pk),
            "involvement": str(involvement.pk),
            "rated_on": str(days_ago(1)),
            "stage": "discharge",
            "items": HONOS_ITEMS,
            "item8_type": "B",
        }
        data.update(changes)
        return data

    def client(self, user):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_authenticate(user)
        return api

    def test_the_team_records_the_discharge_honos_through_the_api(self, world):
        involvement = end_care(world, world.cmht_north)
        response = self.client(world.keyworker_mh).post(
            self.URL, self.payload(world, involvement), format="json"
        )
        assert response.status_code == 201, response.json()
        assert HonosRating.objects.get().stage == "discharge"

    def test_without_the_involvement_the_closed_record_is_refused(self, world):
        involvement = end_care(world, world.cmht_north)
        payload = self.payload(world, involvement)
        del payload["involvement"]
        response = self.client(world.keyworker_mh).post(self.URL, payload, format="json")
        assert response.status_code == 400 and "service_user" in response.json()

    def test_field_level_refusals(self, world):
        involvement = end_care(world, world.cmht_north)
        api = self.client(world.keyworker_mh)
        response = api.post(self.URL, self.payload(world, involvement, stage="review"), format="json")
        assert response.status_code == 400
        assert response.json() == {"stage": ["After discharge only the exit measure can be recorded."]}
        response = api.post(
            self.URL, self.payload(world, involvement, service_user=str(world.sm_only.pk)), format="json"
        )
        assert response.status_code == 400 and list(response.json()) == ["service_user"]
        other = self.client(world.keyworker_mh_south).post(
            self.URL, self.payload(world, involvement), format="json"
        )
        assert other.status_code == 400 and list(other.json()) == ["involvement"]
        top = self.client(world.keyworker_mh).post(
            "/api/v1/outcomes/top/",
            {
                "service_user": str(world.mh_only.pk),
                "involvement": str(involvement.pk),
                "completed_on": str(days_ago(1)),
                "stage": "exit",
            },
            format="json",
        )
        assert top.status_code == 400
        assert not HonosRating.objects.exists() and not TopForm.objects.exists()


@pytest.mark.django_db
class TeamCompletionTests:
    def test_the_team_page_counts_exit_measures_still_to_record(self, world, login):
        before = selectors.team_completion(world.keyworker_mh, world.cmht_north)
        involvement = end_care(world, world.cmht_north)
        after = selectors.team_completion(world.keyworker_mh, world.cmht_north)
        assert (before.exits_to_record, after.exits_to_record) == (0, 1)
        assert after.people == before.people - 1
        html = (
            login(world.keyworker_mh)
            .get(reverse("outcomes:team", args=[world.cmht_north.pk]))
            .content.decode()
        )
        assert "Exit measures to record" in html and "1 for care ended in the last 28 days" in html
        discharge_honos(world, involvement)
        assert selectors.team_completion(world.keyworker_mh, world.cmht_north).exits_to_record == 0


@pytest.mark.django_db
class ExitPromptTests:
    def test_a_link_for_the_ending_team_while_the_measure_is_due(self, world):
        involvement = end_care(world, world.cmht_north)
        url = selectors.exit_measure_url(world.keyworker_mh, involvement)
        assert url == reverse("outcomes:exit_new", args=[involvement.pk, "honos"])
        assert selectors.exit_measure_url(world.keyworker_mh_south, involvement) is None
        discharge_honos(world, involvement)
        assert selectors.exit_measure_url(world.keyworker_mh, involvement) is None

    def test_none_for_open_care_or_a_team_without_a_scheduled_measure(self, world):
        open_one = Involvement.objects.get(service_user=world.mh_only, team=world.cmht_north)
        assert selectors.exit_measure_url(world.keyworker_mh, open_one) is None
        pharmacy = Involvement.objects.get(service_user=world.service_user, team=world.pharmacy_team)
        ended = people_services.involvement_end(
            involvement=pharmacy, reason="No longer collecting", by=world.keyworker_mh
        )
        assert selectors.exit_measure_url(world.pharmacist, ended) is None
