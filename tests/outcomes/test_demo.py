"""The demo outcomes and cohort: realistic, some reliable improvement, some overdue, loaded once."""

import pytest

from cohorts.demo import build as build_cohort
from cohorts.models import Cohort, Enrolment
from outcomes import scoring, selectors
from outcomes.demo import build as build_outcomes
from outcomes.models import DialogRating, HonosRating, SatisfactionResponse, TopForm

pytestmark = pytest.mark.django_db


class DemoOutcomeTests:
    def test_it_loads_outcomes_and_a_cohort_once(self, demo_live):
        demo = demo_live.demo  # the shared demo (tests/demo_db.py)
        counts = [
            m.objects.count() for m in (HonosRating, TopForm, DialogRating, SatisfactionResponse, Enrolment)
        ]
        assert counts[0] >= 30 and counts[1] >= 15 and counts[2] >= 10 and counts[3] >= 10
        ratings = list(HonosRating.objects.order_by("rated_on", "created_at"))
        labels = {pair.change.label for pair in selectors.honos_pairs(ratings)}
        assert "reliable improvement" in labels
        assert all(scoring.honos_score(r.items).total <= 48 for r in ratings)
        cohort = Cohort.objects.get()
        assert 28 <= Enrolment.objects.filter(cohort=cohort).count() <= 35
        assert Enrolment.objects.filter(exited_on__isnull=False).count() == 2
        assert {e.quadrant_at_entry for e in Enrolment.objects.all()} >= {"I", "II", "IV"}
        keyworker = demo.staff["keyworker.mh"]
        assert any(item.due.overdue for item in selectors.due_for_user(keyworker))
        build_outcomes(demo)
        build_cohort(demo)
        assert [
            m.objects.count() for m in (HonosRating, TopForm, DialogRating, SatisfactionResponse, Enrolment)
        ] == counts
