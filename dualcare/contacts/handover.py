"""Contacts in a provider handover (dualcare.people.handover): appointments and collections of the
handed-over teams (past and to come) go to the mapped new team, and so do the supervised-consumption
schedules those teams prescribe (the pharmacy stays)."""

from dualcare.people import handover

from .models import Contact, SupervisedConsumption


def register() -> None:
    handover.register(
        "contacts.contact", words="Appointments and collections", rows=handover.by_team(Contact)
    )
    handover.register(
        "contacts.supervisedconsumption",
        words="Supervised-consumption schedules",
        rows=handover.by_team(SupervisedConsumption, team="prescribing_team"),
    )
