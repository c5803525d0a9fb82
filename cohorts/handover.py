"""Quadrant assessments in a provider handover (dualcare.people.handover): the old organisation's
become the new one's; who assessed stays."""

from dualcare.people import handover

from .models import QuadrantAssessment


def register() -> None:
    handover.register(
        "cohorts.quadrantassessment",
        words="Quadrant assessments",
        rows=handover.by_organisation(QuadrantAssessment),
    )
