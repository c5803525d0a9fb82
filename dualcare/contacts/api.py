"""/api/v1/contacts/ (filters service_user, kind, date; {id}/record/) and /api/v1/alerts/
(in dualcare/notifications/api.py). Lists come from permission-filtered selectors; a contact
the caller may not read is a 404, one they may read but not record a 403. Reads are audited:
a page of the list one row per person on it, a contact one row (access.get_contact_or_404)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import is_uuid
from dualcare.paging import IdsFirst
from dualcare.people.api_search import SEARCH_SCHEMA, search_param

from . import selectors, services
from .models import Contact, Kind, Outcome

# The API's three outcomes; "cancelled" says by whom with `cancelled_by`.
API_OUTCOMES = ["attended", "missed", "cancelled"]


class ContactSerializer(serializers.ModelSerializer):
    # A plain string: one "kind" enum per meaning in the schema is the organisation's and the user's.
    kind = serializers.CharField(help_text=f"One of: {', '.join(Kind.values)}.")
    service_user = serializers.UUIDField(source="service_user_id")
    service_user_name = serializers.CharField(source="service_user.full_name")
    team = serializers.UUIDField(source="team_id")
    team_name = serializers.CharField(source="team.name")
    organisation = serializers.CharField(source="team.organisation.name")
    staff = serializers.CharField(source="staff.display_name", default=None)
    medicine = serializers.CharField(source="schedule.medicine", default=None)
    dose = serializers.CharField(source="schedule.dose_display", default=None)
    outcome_recorded_by = serializers.CharField(source="outcome_recorded_by.display_name", default=None)

    class Meta:
        model = Contact
        fields = [
            "id",
            "kind",
            "service_user",
            "service_user_name",
            "team",
            "team_name",
            "organisation",
            "staff",
            "starts_at",
            "due_on",
            "place",
            "medicine",
            "dose",
            "outcome",
            "outcome_recorded_at",
            "outcome_recorded_by",
        ]


class RecordSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=API_OUTCOMES, error_messages={"invalid_choice": "Use attended, missed or cancelled."}
    )
    cancelled_by = serializers.ChoiceField(
        choices=["service", "person"], required=False, help_text="With outcome cancelled: who cancelled."
    )
    note = limits.api_text(
        what="a note", max_length=limits.SHORT_TEXT, required=False, allow_blank=True, default=""
    )

    def validate(self, data):
        if data["outcome"] == "cancelled" and "cancelled_by" not in data:
            raise ValidationError({"cancelled_by": ["Say who cancelled: service or person."]})
        return data


def _stored_outcome(data) -> str:
    if data["outcome"] == "cancelled":
        return (
            Outcome.CANCELLED_BY_SERVICE if data["cancelled_by"] == "service" else Outcome.CANCELLED_BY_PERSON
        )
    return data["outcome"]


SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID)
KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=Kind.values)
DATE = OpenApiParameter("date", OpenApiTypes.DATE, description="Contacts on this day (YYYY-MM-DD).")
SEARCH = OpenApiParameter(
    "search",
    SEARCH_SCHEMA,
    description="Contacts of the people this names: a name (each word starts a given, family or preferred "
    "name), an NHS number (with or without spaces) or a date of birth (14/03/1985, 1985-03-14).",
)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appointments and supervised-consumption collections the caller may see: staff only. A
    service user's or carer's token reads the appointments their pages show at /me/appointments/."""

    permission_classes = [IsStaff]
    serializer_class = ContactSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        contacts = selectors.contacts_for(self.request.user)
        if params.get("service_user"):
            if not is_uuid(params["service_user"]):
                raise ValidationError({"service_user": ["Give the person's id."]})
            contacts = contacts.filter(service_user_id=params["service_user"])
        if params.get("kind"):
            if params["kind"] not in Kind.values:
                raise ValidationError({"kind": [f"Use one of: {', '.join(Kind.values)}."]})
            contacts = contacts.filter(kind=params["kind"])
        if params.get("date"):
            try:
                day = dt.date.fromisoformat(params["date"])
            except ValueError:
                raise ValidationError({"date": ["Give the date as YYYY-MM-DD."]}) from None
            contacts = contacts.filter(due_on=day)
        if params.get("search"):
            contacts = selectors.searched(contacts, search_param(params))
        return contacts.order_by("starts_at", "pk")

    @extend_schema(parameters=[SERVICE_USER, KIND, DATE, SEARCH])
    def list(self, request, *args, **kwargs):
        """A page of contacts: one audit row per person on it (rule 6), constant queries."""
        page = self.paginate_queryset(IdsFirst(self.get_queryset(), fetch=selectors.contacts_listed()))
        access.audit_list_read(
            request.user,
            page,
            action="contact.list",
            requested=request.query_params.get("service_user") or None,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ContactSerializer(access.get_contact_or_404(request.user, pk)).data)

    @extend_schema(request=RecordSerializer, responses=ContactSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Record attended, missed or cancelled. The same outcome again changes nothing."""
        contact = access.get_contact_or_404(request.user, pk, action="contact.record")
        if not access.can_record_contact(request.user, contact):
            # Who may, before what: someone who may not record it learns nothing from their input.
            raise PermissionDenied("Only the team this contact is with can record it.")
        payload = RecordSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.contact_record(
                contact=contact,
                by=request.user,
                outcome=_stored_outcome(payload.validated_data),
                note=payload.validated_data["note"],
            )
        except DjangoPermissionDenied as refused:
            raise PermissionDenied(str(refused)) from None
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise ValidationError({error.field or "detail": [error.message]}) from None
        contact = selectors.contacts_for(request.user).get(pk=contact.pk)
        return Response(ContactSerializer(contact).data)
