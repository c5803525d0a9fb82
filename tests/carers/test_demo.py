"""The demo (issue 20 item 8): Sam's brother Alex, a carer without a login, is emailed the plan
summary Sam allows him: the crisis plan, no name in the subject, once."""

import pytest

from dualcare.notifications.models import Notification
from dualcare.people.models import Carer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def demo(demo_live):
    return demo_live.demo


@pytest.mark.usefixtures("demo")
class DemoCarersTests:
    def test_a_carer_without_a_login_is_emailed_the_plan_summary_once(self):
        alex = Carer.objects.get(given_name="Alex", user__isnull=True)
        emails = Notification.objects.filter(kind="carers.plan_summary", to_address=alex.email)
        assert emails.count() == 1
        email = emails.get()
        assert email.channel == "email"
        assert "Sam" not in email.subject and "Testwell" not in email.subject
        assert "crisis" in email.body.lower()

    def test_alex_counts_in_a_closed_week_of_the_dashboards(self):
        import datetime as dt

        from django.utils import timezone

        from carers import measures
        from dualcare.dashboards.measures import week_of
        from dualcare.people.models import Team

        alex = Carer.objects.get(given_name="Alex", user__isnull=True)
        week = week_of(timezone.localtime(alex.created_at).date())
        assert week < week_of(timezone.localdate())
        teams = list(Team.objects.values_list("pk", flat=True))
        found = measures.weekly_measures(teams, week - dt.timedelta(weeks=1), week + dt.timedelta(weeks=1))
        assert found["carers.identified"][(None, week)].value >= 1
        assert found["carers.views_recorded"]
