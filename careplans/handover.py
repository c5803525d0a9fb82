"""The care plan's sections in a provider handover (dualcare.people.handover): the old
organisation's entries become the new one's to keep (and edit); who wrote them stays."""

from dualcare.people import handover

from .models import PlanEntry


def register() -> None:
    handover.register(
        "careplans.planentry",
        words="Care plan entries (their sections)",
        rows=handover.by_organisation(PlanEntry, person="plan__service_user"),
    )
