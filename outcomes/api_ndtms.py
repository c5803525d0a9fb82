"""/api/v1/outcomes/ndtms/<organisation>/: the NDTMS TOP extract's validation report (a page of the
forms held back, with why, and the range's counts) and /top.csv, the file of the forms ready to
send (outcomes.ndtms). A drug and alcohol service's managers and admins only (access.ndtms_*);
every person shown or extracted is audited as read, one row each; a refusal is a 404, audited."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare import access, limits
from dualcare.api_auth import IsStaff
from dualcare.api_pagination import Pagination

from . import ndtms

RANGE = [
    OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="The first day (YYYY-MM-DD)."),
    OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="The last day, inclusive."),
]
SEARCH = OpenApiParameter("q", OpenApiTypes.STR, description="The person's family name, or NHS number.")


class RangeSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    q = serializers.CharField(required=False, allow_blank=True, max_length=limits.SHORT_TEXT, default="")

    def validate(self, attrs):
        today = timezone.localdate()
        errors = {
            field: [message]
            for field, message in ndtms.range_problems(attrs["start"], attrs["end"], today).items()
        }
        if attrs["start"] < limits.PAST.earliest():
            errors["start"] = ["The start date must be in 2000 or later."]
        if errors:
            raise ValidationError(errors)
        return attrs


def _range(request) -> dict:
    found = RangeSerializer(data=request.query_params)
    found.is_valid(raise_exception=True)
    return found.validated_data


class HeldBackSerializer(serializers.Serializer):
    top = serializers.UUIDField(source="pk")
    service_user = serializers.UUIDField(source="service_user_id")
    nhs_number = serializers.CharField(source="service_user.nhs_number")
    completed_on = serializers.DateField()
    stage = serializers.CharField()
    problems = serializers.SerializerMethodField()

    def get_problems(self, obj) -> list[str]:
        return ndtms.problems(obj)


class NdtmsReportView(APIView):
    permission_classes = [IsStaff]
    pagination_class = Pagination

    @extend_schema(
        operation_id="outcomes_ndtms_report",
        parameters=[*RANGE, SEARCH, OpenApiParameter("page", OpenApiTypes.INT)],
        responses=inline_serializer(
            "NdtmsReport",
            {
                "forms": serializers.IntegerField(),
                "ready": serializers.IntegerField(),
                "held_back": serializers.IntegerField(),
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": HeldBackSerializer(many=True),
            },
        ),
    )
    def get(self, request, pk):
        """The range's counts and a page of the forms held back from the file, each with why."""
        organisation = access.ndtms_organisation_or_404(request.user, pk, action="outcomes.ndtms.report")
        chosen = _range(request)
        with ndtms.without_jit():
            rows = ndtms.forms(request.user, organisation, start=chosen["start"], end=chosen["end"])
            counts = ndtms.counts(rows)
            paginator = self.pagination_class()
            page = paginator.paginate_queryset(
                ndtms.search(ndtms.held_back(rows), chosen["q"]), request, view=self
            )
        access.audit_list_read(request.user, page, action="outcomes.ndtms.report")
        answer = paginator.get_paginated_response(HeldBackSerializer(page, many=True).data).data
        return Response(
            {"forms": counts.forms, "ready": counts.ready, "held_back": counts.held_back, **answer}
        )


class NdtmsExtractView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="outcomes_ndtms_extract",
        parameters=RANGE,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file.")},
    )
    def get(self, request, pk):
        """The CSV of the range's TOP forms ready to send (columns: outcomes.ndtms.COLUMNS)."""
        organisation = access.ndtms_organisation_or_404(request.user, pk, action="outcomes.ndtms.extract")
        chosen = _range(request)
        with ndtms.without_jit():
            rows = list(
                ndtms.ready(ndtms.forms(request.user, organisation, start=chosen["start"], end=chosen["end"]))
            )
        access.audit_list_read(request.user, rows, action="outcomes.ndtms.extract")
        response = HttpResponse(ndtms.extract_csv(rows), content_type="text/csv; charset=utf-8")
        filename = ndtms.filename(organisation, chosen["start"], chosen["end"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
