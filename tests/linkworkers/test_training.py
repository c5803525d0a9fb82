import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dualcare.exceptions import ApplicationError
from linkworkers import selectors, services
from linkworkers.models import TrainingRecord

pytestmark = pytest.mark.django_db


class TrainingTests:
    def test_it_sets_the_refresh_date_from_the_course(self, lw):
        record = services.training_record_add(
            user=lw.linkworker_mh, course=lw.course1, attended_on=dt.date(2025, 3, 14), by=lw.manager_mh
        )
        assert record.refresh_due == dt.date(2028, 3, 14)
        never = services.training_record_add(
            user=lw.linkworker_mh, course=lw.course2, attended_on=dt.date(2025, 3, 14), by=lw.manager_mh
        )
        assert never.refresh_due is None

    def test_it_refuses_a_future_date_and_a_duplicate(self, lw):
        with pytest.raises(ApplicationError) as error:
            services.training_record_add(
                user=lw.linkworker_mh,
                course=lw.course1,
                attended_on=timezone.localdate() + dt.timedelta(days=1),
                by=lw.manager_mh,
            )
        assert error.value.field == "attended_on"
        services.training_record_add(
            user=lw.linkworker_mh, course=lw.course1, attended_on=dt.date(2025, 1, 2), by=lw.manager_mh
        )
        with pytest.raises(ApplicationError):
            services.training_record_add(
                user=lw.linkworker_mh, course=lw.course1, attended_on=dt.date(2025, 1, 2), by=lw.manager_mh
            )

    def test_it_counts_current_training_by_team_and_tier(self, lw):
        today = timezone.localdate()
        services.training_record_add(
            user=lw.linkworker_mh, course=lw.course1, attended_on=today, by=lw.manager_mh
        )
        services.training_record_add(
            user=lw.keyworker_mh, course=lw.course2, attended_on=today, by=lw.manager_mh
        )
        # Out of date: attended four years ago, refresh every three.
        services.training_record_add(
            user=lw.keyworker_sm,
            course=lw.course1,
            attended_on=today - dt.timedelta(days=4 * 366),
            by=lw.manager_sm,
        )
        rows = {row["team_name"]: row for row in selectors.training_coverage()}
        assert rows["North CMHT"]["staff"] == 2
        assert (rows["North CMHT"]["tier1"], rows["North CMHT"]["tier2"], rows["North CMHT"]["tier3"]) == (
            1,
            1,
            0,
        )
        assert rows["Recovery Team"]["tier1"] == 0

    def test_it_records_training_from_the_page_for_managers_only(self, lw, client):
        client.force_login(lw.manager_mh)
        url = reverse("linkworkers:training")
        assert client.get(url).status_code == 200
        response = client.post(url, {"user": str(lw.linkworker_mh.pk), "course": str(lw.course1.pk)})
        assert "Enter the date of the training." in response.content.decode()
        response = client.post(
            url,
            {
                "user": str(lw.linkworker_mh.pk),
                "course": str(lw.course1.pk),
                "attended_on_day": "3",
                "attended_on_month": "2",
                "attended_on_year": "2025",
            },
        )
        assert response.status_code == 302
        assert TrainingRecord.objects.filter(user=lw.linkworker_mh).count() == 1
        client.force_login(lw.linkworker_mh)
        assert client.get(url).status_code == 200
        assert client.post(url, {"user": str(lw.linkworker_mh.pk)}).status_code == 403
        client.force_login(lw.pharmacist)
        assert client.get(url).status_code == 404


class SupervisionTests:
    def test_it_records_supervision_and_counts_the_last_12_months(self, lw, client):
        today = timezone.localdate()
        services.supervision_record(
            user=lw.linkworker_mh,
            held_on=today - dt.timedelta(days=400),
            supervisor="Dr Example",
            by=lw.manager_mh,
        )
        with pytest.raises(ApplicationError) as error:
            services.supervision_record(
                user=lw.linkworker_mh, held_on=today, supervisor=" ", by=lw.manager_mh
            )
        assert error.value.field == "supervisor"
        client.force_login(lw.manager_mh)
        response = client.post(
            reverse("linkworkers:training"),
            {
                "form": "supervision",
                "user": str(lw.linkworker_mh.pk),
                "held_on_day": today.day,
                "held_on_month": today.month,
                "held_on_year": today.year,
                "supervisor": "Dr Example",
            },
        )
        assert response.status_code == 302
        rows = {row["user_id"]: row for row in selectors.supervision_summary()}
        assert rows[lw.linkworker_mh.pk]["sessions"] == 1 and rows[lw.linkworker_mh.pk]["latest"] == today
        assert rows[lw.keyworker_sm.pk]["sessions"] == 0

    def test_it_shows_field_errors_for_supervision(self, lw, client):
        client.force_login(lw.manager_mh)
        response = client.post(reverse("linkworkers:training"), {"form": "supervision", "supervisor": "X"})
        assert "Choose who was supervised." in response.content.decode()


class RefreshAlertTests:
    def test_it_reminds_once_when_training_is_due_for_refresh(self, lw):
        from dualcare.notifications.models import Notification

        old = timezone.localdate() - dt.timedelta(days=36 * 30 + 20)
        services.training_record_add(
            user=lw.linkworker_mh, course=lw.course1, attended_on=old, by=lw.manager_mh
        )
        assert services.training_refresh_alerts_raise() == 1
        assert services.training_refresh_alerts_raise() == 0
        assert Notification.objects.filter(kind="linkworker.training_refresh", channel="in_app").count() == 1

    def test_it_does_not_remind_when_attended_again(self, lw):
        services.training_record_add(
            user=lw.linkworker_mh,
            course=lw.course1,
            attended_on=timezone.localdate() - dt.timedelta(days=36 * 30 + 20),
            by=lw.manager_mh,
        )
        services.training_record_add(
            user=lw.linkworker_mh,
            course=lw.course1,
            attended_on=timezone.localdate() - dt.timedelta(days=3),
            by=lw.manager_mh,
        )
        assert services.training_refresh_alerts_raise() == 0


class TrainingPageQueryTests:
    def test_it_shows_the_training_page_in_a_fixed_number_of_queries(
        self, lw, client, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(lw.manager_mh)
        client.get(reverse("linkworkers:training"))
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("linkworkers:training"))
        for n in range(3):
            services.training_record_add(
                user=lw.keyworker_mh,
                course=lw.course2,
                attended_on=timezone.localdate() - dt.timedelta(days=n),
                by=lw.manager_mh,
            )
            services.supervision_record(
                user=lw.keyworker_sm,
                held_on=timezone.localdate() - dt.timedelta(days=n),
                supervisor="S",
                by=lw.manager_mh,
            )
        with django_assert_num_queries(len(ctx.captured_queries)):
            client.get(reverse("linkworkers:training"))
