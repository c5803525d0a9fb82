"""/api/v1/service-users/{id}/timeline/: the person's timeline, as the page shows it (staff only).

Paginated like every list (dualcare.api_pagination), filtered by `kind` and `organisation`, searched
by `search` (the people search's limits, dualcare/people/api_search.py). One audit row per page
(access.get_service_user_or_404: a read of the person, or a refusal as a 404); the entries in two
statements whatever the history (dualcare.timeline.selectors)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from dualcare import access
from dualcare.api_auth import IsStaff
from dualcare.ids import is_uuid
from dualcare.people.api_search import SEARCH_SCHEMA, search_param

from . import sources
from .selectors import Wanted, timeline_for


class TimelineOrganisationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        help_text="When it happened (when `timed` is false, the start of the day in London, Europe/London)."
    )
    timed = serializers.BooleanField(
        help_text="False when only the day is recorded (an outcome measure's date)."
    )
    kind = serializers.ChoiceField(choices=sources.KINDS)
    source = serializers.CharField(help_text="Which record it comes from, e.g. referrals.move.")
    id = serializers.CharField(help_text="The record's id within its source.")
    organisation = TimelineOrganisationSerializer(allow_null=True, source="organisation_or_none")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True, help_text="The page it opens in DualCare, or empty.")


KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=[value for value, _ in sources.KINDS])
ORGANISATION = OpenApiParameter(
    "organisation", OpenApiTypes.UUID, description="Entries of this organisation."
)
SEARCH = OpenApiParameter(
    "search", SEARCH_SCHEMA, description="Entries whose title or detail holds every word given."
)


class ServiceUserTimelineView(GenericAPIView):
    """The person's timeline, newest first: everything the caller may see across organisations."""

    permission_classes = [IsStaff]
    serializer_class = TimelineEntrySerializer
    filter_backends: list = []

    def _wanted(self) -> Wanted:
        params = self.request.query_params
        kind = params.get("kind") or ""
        if kind and kind not in sources.KIND_LABELS:
            raise ValidationError({"kind": [f"Use one of: {', '.join(sources.KIND_LABELS)}."]})
        organisation = params.get("organisation") or ""
        if organisation and not is_uuid(organisation):
            raise ValidationError({"organisation": ["Give the organisation's id."]})
        return Wanted(
            kinds=frozenset([kind]) if kind else frozenset(),
            organisation=organisation or None,
            search=search_param(params) if params.get("search") else "",
        )

    @extend_schema(parameters=[KIND, ORGANISATION, SEARCH], responses=TimelineEntrySerializer(many=True))
    def get(self, request, pk):
        wanted = self._wanted()
        with access.record_checks_once():
            service_user = access.get_service_user_or_404(request.user, pk, action="timeline.view")
            page = self.paginate_queryset(timeline_for(request.user, service_user, wanted))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
