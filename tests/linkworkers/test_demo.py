import pytest
from django.utils import timezone

from linkworkers import selectors
from linkworkers.demo import build
from linkworkers.models import Action, Appointment, CaseNotification, Meeting, TrainingRecord

pytestmark = pytest.mark.django_db


class DemoTests:
    def test_it_builds_the_register_and_meetings_once(self, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py): linkworkers.demo.build ran in it
        teams = {team.name: team for team in selectors.coverage()}
        north = teams["Northgate North CMHT"]
        assert [a.user.username for a in north.link_workers] == ["linkworker.mh"]
        assert sum(1 for t in teams.values() if t.all_leaving) == 1
        assert any(t.gap for t in teams.values())
        assert TrainingRecord.objects.count() >= 10
        now = timezone.now()
        past = Meeting.objects.filter(starts_at__lt=now, state=Meeting.State.FINALISED)
        assert past.count() == 2 and Action.objects.filter(meeting__in=past).exists()
        upcoming = Meeting.objects.filter(starts_at__gt=now).order_by("starts_at").first()
        assert upcoming.chair.username == "linkworker.mh"
        assert CaseNotification.objects.filter(meeting=upcoming).count() == 2
        # The series meets on a Tuesday afternoon, not on whatever weekday the demo's date gave
        # (a walk through the demo found its meetings on Saturdays).
        days = {timezone.localtime(m.starts_at).strftime("%A") for m in Meeting.objects.all()}
        assert days == {"Tuesday"}
        counts = (
            Appointment.objects.count(),
            Meeting.objects.count(),
            TrainingRecord.objects.count(),
            CaseNotification.objects.count(),
            Action.objects.count(),
        )
        build(demo)
        assert counts == (
            Appointment.objects.count(),
            Meeting.objects.count(),
            TrainingRecord.objects.count(),
            CaseNotification.objects.count(),
            Action.objects.count(),
        )
