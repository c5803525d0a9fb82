"""/api/v1/quadrant-assessments/ and /api/v1/cohorts/ (DESIGN.md names).

Quadrant assessments follow the outcomes consent (access.ORG_WRITTEN): staff see their own
organisation's assessments of people whose record they may see, and another organisation's only
while the person's outcomes consent to one of their organisations is active. A suggestion from
HoNOS and TOP is offered at .../suggestion/ but never assigned: only a POST by a person makes an
assessment. Cohorts belong to an organisation; its staff see the
aggregates; member lists name only people the caller may see.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import is_uuid
from dualcare.people.models import Team

from . import evidence, selectors, services
from .models import Cohort, Enrolment, ExitReason, QuadrantAssessment, Severity

SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID, description="One person's assessments.")
PERSON = OpenApiParameter("service_user", OpenApiTypes.UUID, required=True, description="The person.")


def _as_validation_error(error: ApplicationError) -> ValidationError:
    return ValidationError(error.as_dict())


class QuadrantAssessmentSerializer(serializers.ModelSerializer):
    # Plain strings: one meaning, one schema enum is not worth four names for "low/high" and I-IV.
    mental_health_severity = serializers.CharField()
    substance_use_severity = serializers.CharField()
    quadrant = serializers.CharField(help_text="I, II, III or IV.")
    service_user = serializers.UUIDField(source="service_user_id")
    assessed_by = serializers.CharField(source="assessed_by.get_full_name")
    organisation = serializers.CharField(source="organisation.name")

    class Meta:
        model = QuadrantAssessment
        fields = [
            "id",
            "service_user",
            "mental_health_severity",
            "substance_use_severity",
            "quadrant",
            "assessed_on",
            "assessed_by",
            "organisation",
            "rationale",
            "created_at",
        ]


class QuadrantCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    # Choices, so the schema says low or high (an enum) rather than promising any string.
    mental_health_severity = serializers.ChoiceField(
        choices=Severity.choices,
        error_messages={"invalid_choice": "Choose low or high for the severity of mental illness."},
    )
    substance_use_severity = serializers.ChoiceField(
        choices=Severity.choices,
        error_messages={"invalid_choice": "Choose low or high for the severity of substance use."},
    )
    rationale = limits.api_text(
        what="the reasons for this quadrant", max_length=limits.LONG_TEXT, multiline=True
    )
    assessed_on = limits.api_date(what="the date of the assessment", required=False)

    def validate_mental_health_severity(self, value):
        if value not in ("low", "high"):
            raise serializers.ValidationError("Choose low or high for the severity of mental illness.")
        return value

    def validate_substance_use_severity(self, value):
        if value not in ("low", "high"):
            raise serializers.ValidationError("Choose low or high for the severity of substance use.")
        return value


class QuadrantAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every quadrant assessment is kept; the current quadrant is the latest."""

    permission_classes = [IsStaff]
    serializer_class = QuadrantAssessmentSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        # Another organisation's assessments only with the person's outcomes consent (ORG_WRITTEN).
        assessments = selectors.quadrant_assessments_visible_to(self.request.user).select_related(
            "assessed_by", "organisation"
        )
        wanted = self.request.query_params.get("service_user")
        if wanted:
            if not is_uuid(wanted):
                raise ValidationError({"service_user": ["Give a person's id."]})
            assessments = assessments.filter(service_user_id=wanted)
        return assessments.order_by("-assessed_on", "-created_at")

    @extend_schema(parameters=[SERVICE_USER])
    def list(self, request, *args, **kwargs):
        """A page of assessments: one audit row per person on it (rule 6), constant queries."""
        page = self.paginate_queryset(self.get_queryset())
        access.audit_list_read(
            request.user,
            page,
            action="quadrant.list",
            requested=request.query_params.get("service_user") or None,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        """One assessment, audited as a read of its person; a hidden one is a 404 (audited)."""
        assessment = access.get_record_or_404(request.user, self.get_queryset(), pk, action="quadrant.view")
        return Response(self.get_serializer(assessment).data)

    def _person(self, pk):
        person = access.service_users_visible_to(self.request.user).filter(pk=pk).first()
        if person is None:
            raise ValidationError({"service_user": ["Choose a person your team works with."]})
        return person

    @extend_schema(request=QuadrantCreateSerializer, responses={201: QuadrantAssessmentSerializer})
    def create(self, request):
        payload = QuadrantCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = self._person(data.pop("service_user"))
        try:
            assessment = services.quadrant_assess(service_user=person, by=request.user, **data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[PERSON], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def suggestion(self, request):
        """A suggested quadrant from the latest HoNOS and TOP the caller may see. Not an assessment."""
        wanted = request.query_params.get("service_user") or ""
        if not is_uuid(wanted):
            raise ValidationError({"service_user": ["Give a person's id."]})
        found = evidence.evidence_for(request.user, self._person(wanted))
        return Response(
            {
                "suggested_quadrant": found.suggested_quadrant,
                "mental_health_severity": found.mental_health_severity,
                "substance_use_severity": found.substance_use_severity,
                "reasons": found.reasons,
                "honos_total": found.honos_total,
                "honos_unknown_items": found.honos_unknown,
                "confirmed": False,
            }
        )


class CohortSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    teams = serializers.SerializerMethodField()
    targets = serializers.DictField(child=serializers.IntegerField())
    members = serializers.SerializerMethodField()

    class Meta:
        model = Cohort
        fields = ["id", "name", "locality", "organisation", "teams", "targets", "start", "end", "members"]

    def get_teams(self, cohort) -> list[dict]:
        return [{"id": str(team.pk), "name": team.name} for team in cohort.teams.all()]

    def get_members(self, cohort) -> int:
        return getattr(cohort, "member_count", 0)


def _target():
    # the same bounds as the page's target boxes (cohorts.forms)
    return limits.api_whole_number(what="each target", min_value=0, max_value=10000)


class CohortCreateSerializer(serializers.Serializer):
    name = limits.api_text(what="a name", max_length=200)
    locality = limits.api_text(
        what="a locality", max_length=200, required=False, allow_blank=True, default=""
    )
    teams = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    targets = serializers.DictField(child=_target(), required=False, default=dict)
    start = limits.api_date(what="the start date")
    end = limits.api_date(what="the end date", required=False, allow_null=True, default=None)


class CohortUpdateSerializer(serializers.Serializer):
    """Any of the cohort's details; what is left out stays as it is."""

    name = limits.api_text(what="a name", max_length=200, required=False)
    locality = limits.api_text(what="a locality", max_length=200, required=False, allow_blank=True)
    teams = serializers.ListField(child=serializers.UUIDField(), required=False)
    targets = serializers.DictField(child=_target(), required=False)
    start = limits.api_date(what="the start date", required=False)
    end = limits.api_date(what="the end date", required=False, allow_null=True)


class EnrolSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    enrolled_on = limits.api_date(what="the date enrolled", required=False)


class ExitSerializer(serializers.Serializer):
    enrolment = serializers.UUIDField()
    reason = serializers.CharField(help_text=f"One of: {', '.join(ExitReason.values)}.")
    exited_on = limits.api_date(what="the date left", required=False)
    note = limits.api_text(
        what="more about why", max_length=limits.SHORT_TEXT, required=False, allow_blank=True, default=""
    )


class EnrolmentSerializer(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id")
    quadrant_at_entry = serializers.CharField()
    exit_reason = serializers.CharField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "service_user",
            "enrolled_on",
            "quadrant_at_entry",
            "exited_on",
            "exit_reason",
            "exit_note",
        ]


FROM = OpenApiParameter("from", OpenApiTypes.DATE, required=True)
TO = OpenApiParameter("to", OpenApiTypes.DATE, required=True)


class CohortViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Named cohorts of the caller's organisations, with enrolment, exit, counts and transitions."""

    permission_classes = [IsStaff]
    serializer_class = CohortSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        from django.db.models import Count, Q

        return (
            selectors.cohorts_visible_to(self.request.user)
            .select_related("organisation")
            .prefetch_related("teams")
            .annotate(member_count=Count("enrolments", filter=Q(enrolments__exited_on__isnull=True)))
            .order_by("name")
        )

    @extend_schema(request=CohortCreateSerializer, responses={201: CohortSerializer})
    def create(self, request):
        payload = CohortCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        team_ids = data.pop("teams")
        teams = list(Team.objects.filter(pk__in=team_ids))
        if len(teams) != len(set(team_ids)):
            raise ValidationError({"teams": ["Choose teams of your own organisation."]})
        try:
            cohort = services.cohort_create(by=request.user, teams=teams, **data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=cohort.pk)).data, status=201)

    @extend_schema(request=CohortUpdateSerializer, responses={200: CohortSerializer})
    def partial_update(self, request, pk=None):
        cohort = self.get_object()
        payload = CohortUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = {
            "name": cohort.name,
            "locality": cohort.locality,
            "targets": dict(cohort.targets),
            "start": cohort.start,
            "end": cohort.end,
            **payload.validated_data,
        }
        data["targets"] = {**cohort.targets, **payload.validated_data.get("targets", {})}
        if "teams" in data:
            team_ids = data.pop("teams")
            teams = list(Team.objects.filter(pk__in=team_ids))
            if len(teams) != len(set(team_ids)):
                raise ValidationError({"teams": ["Choose teams of your own organisation."]})
        else:
            teams = list(cohort.teams.all())
        try:
            services.cohort_update(cohort=cohort, by=request.user, teams=teams, **data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=cohort.pk)).data)

    @extend_schema(request=EnrolSerializer, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        cohort = self.get_object()
        payload = EnrolSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = access.service_users_visible_to(request.user).filter(pk=data.pop("service_user")).first()
        if person is None:
            raise ValidationError({"service_user": ["Choose a person your team works with."]})
        try:
            enrolment = services.cohort_enrol(cohort=cohort, service_user=person, by=request.user, **data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return Response(EnrolmentSerializer(enrolment).data, status=201)

    @extend_schema(request=ExitSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        cohort = self.get_object()
        payload = ExitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        enrolment = Enrolment.objects.filter(cohort=cohort, pk=data.pop("enrolment")).first()
        if enrolment is None:
            raise ValidationError({"enrolment": ["No such enrolment in this cohort."]})
        try:
            enrolment = services.cohort_exit(enrolment=enrolment, by=request.user, **data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def counts(self, request, pk=None):
        """Members today by current quadrant, against the targets."""
        cohort = self.get_object()
        counts = selectors.quadrant_counts(selectors.cohort_members(cohort))
        return Response({"counts": counts, "targets": cohort.targets})

    @extend_schema(parameters=[FROM, TO], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def transitions(self, request, pk=None):
        """From-quadrant on `from` x to-quadrant on `to` for the members on `to`; cells name only
        people the caller may see (ids), counts include everyone."""
        cohort = self.get_object()
        start, end = _date(request, "from"), _date(request, "to")
        if end < start:
            raise ValidationError({"to": ["The end date cannot be before the start date."]})
        matrix = selectors.transition_matrix(
            selectors.cohort_members(cohort, on=end),
            start=start,
            end=end,
            viewer=request.user,
        )

        def key(q):
            return q or "not_assessed"

        return Response(
            {
                "from": str(start),
                "to": str(end),
                "matrix": {
                    key(a): {
                        key(b): {
                            "count": matrix["counts"][a][b],
                            "people": [str(p.pk) for p in matrix["people"][a][b]],
                        }
                        for b in matrix["quadrants"]
                    }
                    for a in matrix["quadrants"]
                },
            }
        )


def _date(request, name) -> dt.date:
    value = request.query_params.get(name) or ""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: ["Give a date as YYYY-MM-DD."]}) from None
