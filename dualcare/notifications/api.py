"""/api/v1/alerts/: the caller's own alerts, and {id}/acknowledge/ with a note of what they did."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dualcare import limits
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict

from . import selectors as alert_selectors
from . import services as alert_services
from .models import Notification


class AlertSerializer(serializers.ModelSerializer):
    acknowledged_by = serializers.CharField(source="acknowledged_by.display_name", default=None)
    team = serializers.CharField(source="team.name", default=None)
    acknowledged_by_someone_else = serializers.BooleanField(
        read_only=True, help_text="True when a colleague told about the same urgent alert dealt with it."
    )
    seconds_to_acknowledge = serializers.SerializerMethodField(
        help_text="How long you took to acknowledge it; null if you have not, or a colleague did."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "priority",
            "subject",
            "body",
            "url",
            "team",
            "created_at",
            "read_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
            "acknowledged_by_someone_else",
            "seconds_to_acknowledge",
        ]

    def get_seconds_to_acknowledge(self, alert) -> int | None:
        waited = alert.time_to_acknowledge
        return int(waited.total_seconds()) if waited is not None else None


class AcknowledgeSerializer(serializers.Serializer):
    note = limits.api_text(
        what="a note",
        max_length=limits.NOTE,
        multiline=True,
        error_messages={
            "required": "Say what you did about this alert.",
            "blank": "Say what you did about this alert.",
        },
    )


STATE = OpenApiParameter("state", OpenApiTypes.STR, enum=["open", "acknowledged"])


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own alerts, urgent and unacknowledged first. Staff only: a service user or
    carer reads their messages at /api/v1/me/messages/, in the shape their portal shows."""

    permission_classes = [IsStaff]
    serializer_class = AlertSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        state = self.request.query_params.get("state") or None
        if state not in (None, "open", "acknowledged"):
            raise ValidationError({"state": ["Use open or acknowledged."]})
        return alert_selectors.alerts_for(self.request.user, state=state)

    @extend_schema(parameters=[STATE])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        return Response(AlertSerializer(alert_selectors.get_alert_or_404(request.user, pk)).data)

    @extend_schema(request=AcknowledgeSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Say what you did about the alert. Once: a second acknowledgement is a 400."""
        alert = alert_selectors.get_alert_or_404(request.user, pk)
        payload = AcknowledgeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            alert = alert_services.alert_acknowledge(
                alert=alert, by=request.user, note=payload.validated_data["note"]
            )
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise ValidationError({error.field or "detail": [error.message]}) from None
        return Response(AlertSerializer(alert_selectors.get_alert_or_404(request.user, alert.pk)).data)
