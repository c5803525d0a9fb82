"""/api/v1/me/appointments/: the coming appointments the person's "Your appointments" page shows
them (contacts.selectors.my_appointments), or, for a carer, those of each person who granted them
"My appointments" (selectors.carer_appointments, their carer page's rule). Never collections,
outcomes, notes or who booked them."""

from __future__ import annotations

from rest_framework import serializers

from dualcare.people.api_me import PersonReadViewSet
from dualcare.people.models import User

from . import selectors
from .models import Kind


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    known_as = serializers.CharField()


class MyAppointmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    person = PersonSerializer(source="service_user", help_text="Whose appointment it is.")
    starts_at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="key_worker, clinic, depot or home_visit (as in /contacts/).")
    kind_words = serializers.SerializerMethodField(help_text="What it is, in plain words.")
    team = serializers.CharField(source="team.name", help_text="Who the appointment is with.")
    place = serializers.CharField(allow_blank=True)
    phone_to_change_it = serializers.SerializerMethodField(
        help_text="The team's phone, on the person's own appointments only (as their page shows)."
    )

    def get_kind_words(self, contact) -> str:
        return {
            Kind.HOME_VISIT: "A home visit",
            Kind.DEPOT: "An injection",
            Kind.CLINIC: "A clinic appointment",
        }.get(contact.kind, "A meeting with the key worker")

    def get_phone_to_change_it(self, contact) -> str | None:
        user = self.context["request"].user
        if user.kind != User.Kind.SERVICE_USER:
            return None
        return contact.team.phone or None


class MyAppointmentViewSet(PersonReadViewSet):
    """Coming appointments, soonest first: yours, or (for a carer) those of the people who let
    you see their appointments."""

    serializer_class = MyAppointmentSerializer
    audit_action = "me.appointments"

    def rows(self, user):
        if user.kind == User.Kind.SERVICE_USER:
            contacts = selectors.my_appointments(user)
        else:
            contacts = selectors.carer_appointments(user)
        return contacts.select_related("service_user").order_by("starts_at", "pk")
