import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dualcare import access
from dualcare.exceptions import ApplicationError
from dualcare.notifications.models import Notification
from dualcare.people import services as people_services
from dualcare.people.models import StaffRole
from linkworkers import selectors, services
from linkworkers.models import Appointment
from tests.factories import staff

pytestmark = pytest.mark.django_db


class RegisterTests:
    def test_it_gives_the_link_worker_role_on_appointing_and_ends_it_with_the_appointment(self, lw):
        role = StaffRole.objects.get(user=lw.keyworker_sm, team=lw.sm_team, role=StaffRole.Role.LINK_WORKER)
        assert lw.sm_appt.staff_role == role
        assert access.has_role(lw.keyworker_sm, StaffRole.Role.LINK_WORKER)
        services.appointment_end(appointment=lw.sm_appt, end=timezone.localdate(), by=None)
        role.refresh_from_db()
        assert role.end == timezone.localdate()
        assert not access.has_role(lw.keyworker_sm, StaffRole.Role.LINK_WORKER)
        # History kept: the row is still there with its dates.
        assert Appointment.objects.filter(pk=lw.sm_appt.pk, end=timezone.localdate()).exists()

    def test_it_reuses_a_link_worker_role_already_held(self, lw):
        roles = StaffRole.objects.filter(user=lw.linkworker_mh, role=StaffRole.Role.LINK_WORKER)
        assert roles.count() == 1
        assert lw.north_appt.staff_role == roles.get()

    def test_it_shows_every_team_with_its_link_worker_or_a_gap(self, lw):
        teams = {team.name: team for team in selectors.coverage()}
        assert set(teams) == {
            "North CMHT",
            "South CMHT",
            "Trust administration",
            "Recovery Team",
            "Dispensary",
            "Peer Support",
        }
        assert [a.user for a in teams["North CMHT"].link_workers] == [lw.linkworker_mh]
        assert teams["South CMHT"].gap and not teams["North CMHT"].gap

    def test_it_lets_only_an_admin_of_the_teams_organisation_appoint(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.appointment_create(team=lw.sm_team, user=lw.manager_sm, by=lw.orgadmin_mh)
        assert error.value.field == "team"
        appointment = services.appointment_create(
            team=lw.cmht_south, user=lw.keyworker_mh_south, by=lw.orgadmin_mh
        )
        assert appointment.appointed_by == lw.orgadmin_mh

    def test_it_refuses_overlapping_appointments_and_an_end_before_start(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.appointment_create(team=lw.cmht_north, user=lw.linkworker_mh)
        assert error.value.field == "user"
        with pytest.raises(ApplicationError) as error:
            services.appointment_create(
                team=lw.cmht_south,
                user=lw.keyworker_mh_south,
                start=timezone.localdate(),
                end=timezone.localdate(),
            )
        assert error.value.field == "end"
        assert not Appointment.objects.filter(team=lw.cmht_south).exists()

    def test_it_lists_the_register_in_a_fixed_number_of_queries(self, lw, django_assert_num_queries):
        with django_assert_num_queries(2):
            selectors.coverage()
        for n in range(3):
            user = staff(f"lw{n}", lw.cmht_south, StaffRole.Role.KEY_WORKER)
            services.appointment_create(
                team=lw.cmht_south,
                user=user,
                start=timezone.localdate() - dt.timedelta(days=n + 1),
                end=timezone.localdate() + dt.timedelta(days=200 + n),
            )
        with django_assert_num_queries(2):
            selectors.coverage()


class ContinuityTests:
    def test_it_alerts_the_manager_once_when_the_appointment_ends_within_30_days(self, lw):
        services.appointment_end(appointment=lw.sm_appt, end=timezone.localdate() + dt.timedelta(days=20))
        assert services.replacement_alerts_raise() == 1
        assert services.replacement_alerts_raise() == 0
        rows = Notification.objects.filter(kind="linkworker.replacement_needed")
        assert {row.recipient for row in rows} == {lw.manager_sm}
        assert rows.filter(channel="in_app").count() == 1

    def test_it_alerts_when_the_staff_role_ends(self, lw):
        people_services.staff_role_end(
            staff_role=lw.north_appt.staff_role, end=timezone.localdate() + dt.timedelta(days=5)
        )
        assert services.replacement_alerts_raise() == 1
        # North CMHT has no manager: the managers of the trust are told.
        assert Notification.objects.filter(
            kind="linkworker.replacement_needed", recipient=lw.manager_mh
        ).exists()

    def test_it_does_not_alert_when_a_successor_is_appointed_or_the_end_is_far(self, lw):
        end = timezone.localdate() + dt.timedelta(days=20)
        services.appointment_end(appointment=lw.sm_appt, end=end)
        services.appointment_create(team=lw.sm_team, user=lw.manager_sm, start=end)
        services.appointment_end(appointment=lw.north_appt, end=timezone.localdate() + dt.timedelta(days=45))
        assert services.replacement_alerts_raise() == 0

    def test_it_runs_as_the_beat_task_idempotently(self, lw):
        from linkworkers.tasks import linkworkers_scan

        services.appointment_end(appointment=lw.sm_appt, end=timezone.localdate() + dt.timedelta(days=3))
        assert linkworkers_scan()["replacement_alerts"] == 1
        assert linkworkers_scan()["replacement_alerts"] == 0
        assert (
            Notification.objects.filter(kind="linkworker.replacement_needed", channel="in_app").count() == 1
        )


class RegisterPageTests:
    @pytest.mark.parametrize("who", ["linkworker_mh", "manager_mh", "orgadmin_mh", "manager_sm"])
    def test_it_shows_the_register_and_the_role_to_allowed_roles(self, lw, client, who):
        client.force_login(getattr(lw, who))
        response = client.get(reverse("linkworkers:coverage"))
        assert response.status_code == 200
        text = response.content.decode()
        assert "not</strong> the caseholder for every person" in text
        assert "No link worker" in text
        assert "South CMHT" in text

    @pytest.mark.parametrize(
        "who", ["keyworker_mh_south", "pharmacist", "outsider", "service_user_login", "carer"]
    )
    def test_it_hides_the_register_from_others(self, lw, client, who):
        client.force_login(getattr(lw, who))
        assert client.get(reverse("linkworkers:coverage")).status_code == 404
        assert client.get(reverse("linkworkers:meetings")).status_code == 404

    def test_it_shows_the_manager_their_organisations_gaps(self, lw, client):
        client.force_login(lw.manager_mh)
        text = client.get(reverse("linkworkers:coverage")).content.decode()
        assert "Your organisation&#x27;s gaps" in text or "Your organisation's gaps" in text

    def test_it_lets_the_org_admin_appoint_with_field_errors(self, lw, client):
        client.force_login(lw.orgadmin_mh)
        url = reverse("linkworkers:appoint")
        assert client.get(url).status_code == 200
        response = client.post(url, {"team": str(lw.cmht_south.pk), "user": ""})
        assert response.status_code == 200
        assert "Choose the link worker." in response.content.decode()
        today = timezone.localdate()
        response = client.post(
            url,
            {
                "team": str(lw.cmht_south.pk),
                "user": str(lw.keyworker_mh_south.pk),
                "start_day": today.day,
                "start_month": today.month,
                "start_year": today.year,
            },
        )
        assert response.status_code == 302
        assert Appointment.objects.filter(team=lw.cmht_south, user=lw.keyworker_mh_south).exists()

    def test_it_refuses_appointing_to_those_who_are_not_org_admins(self, lw, client):
        client.force_login(lw.linkworker_mh)
        assert client.get(reverse("linkworkers:appoint")).status_code == 403
        assert client.post(reverse("linkworkers:end", args=[lw.north_appt.pk]), {}).status_code == 403

    def test_it_ends_an_appointment_from_the_page(self, lw, client):
        client.force_login(lw.orgadmin_mh)
        end = timezone.localdate() + dt.timedelta(days=10)
        response = client.post(
            reverse("linkworkers:end", args=[lw.north_appt.pk]),
            {"end_day": end.day, "end_month": end.month, "end_year": end.year},
        )
        assert response.status_code == 302
        lw.north_appt.refresh_from_db()
        assert lw.north_appt.end == end


class RecordSectionTests:
    def test_it_offers_the_key_worker_to_notify_and_lists_past_discussions(self, lw, client):
        from .conftest import CASE

        services.case_notify(meeting=lw.meeting, service_user=lw.mh_only, by=lw.keyworker_mh, **CASE)
        client.force_login(lw.keyworker_mh)
        text = client.get(reverse("service_user_detail", args=[lw.mh_only.pk])).content.decode()
        assert (
            "Notify this person&#x27;s case to a link meeting" in text or "Notify this person's case" in text
        )
        assert "Discussed at Locality link meeting" in text

    def test_it_shows_nothing_to_staff_who_cannot_notify_cases(self, lw, client):
        client.force_login(lw.pharmacist)
        text = client.get(reverse("service_user_detail", args=[lw.service_user.pk])).content.decode()
        assert "Link meetings" not in text


class PageQueryTests:
    def _count(self, client, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_it_shows_the_register_and_my_actions_in_a_fixed_number_of_queries(
        self, lw, client, django_assert_num_queries
    ):
        client.force_login(lw.orgadmin_mh)
        coverage = self._count(client, reverse("linkworkers:coverage"))
        client.force_login(lw.keyworker_sm)
        actions = self._count(client, reverse("linkworkers:my_actions"))
        for n in range(3):
            user = staff(f"extra{n}", lw.cmht_south, StaffRole.Role.KEY_WORKER)
            services.appointment_create(
                team=lw.cmht_south,
                user=user,
                start=timezone.localdate() - dt.timedelta(days=n + 1),
                end=timezone.localdate() + dt.timedelta(days=10 + n),
                deputy=lw.keyworker_mh,
            )
            services.action_add(
                meeting=lw.meeting,
                description=f"Action {n}",
                owner=lw.keyworker_sm,
                due_on=timezone.localdate() + dt.timedelta(days=20),
                by=lw.linkworker_mh,
            )
        client.force_login(lw.orgadmin_mh)
        with django_assert_num_queries(coverage):
            client.get(reverse("linkworkers:coverage"))
        client.force_login(lw.keyworker_sm)
        with django_assert_num_queries(actions):
            assert "Action 2" in client.get(reverse("linkworkers:my_actions")).content.decode()


class CoverageOfTeamsThatSeePeopleTests:
    def test_it_leaves_teams_that_do_not_work_with_people_off_the_coverage(self, world):
        from dualcare.people import services
        from linkworkers.selectors import coverage

        assert world.mh_admin_team in coverage()
        services.team_update(team=world.mh_admin_team, works_with_people=False)
        assert world.mh_admin_team not in coverage()
