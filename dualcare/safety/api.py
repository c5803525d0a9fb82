"""/api/v1/risk-assessments/ and /api/v1/safety-flags/ (issue 19 item 7): the same access and
services as the pages. A record the caller may not see is a 404; a refusal a 400 naming its
field. Flags are given in a FHIR-like shape (FHIR R4 Flag): code, status, period, author."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api import validation_error
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import as_uuid
from dualcare.paging import IdsFirst

from . import selectors, services
from .models import (
    MAX_FLAG_TEXT,
    MAX_TEXT,
    Domain,
    FlagCode,
    Level,
    RemovalRequest,
    RiskAssessment,
    SafetyFlag,
)


class DomainRatingSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(choices=Domain.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    evidence = limits.api_text(what="the evidence", max_length=MAX_TEXT, multiline=True)
    worse_or_better = limits.api_text(
        what="what makes it worse or better", max_length=MAX_TEXT, multiline=True, required=False, default=""
    )
    plan = limits.api_text(what="the plan", max_length=MAX_TEXT, multiline=True, required=False, default="")


class RiskAssessmentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    service_user = serializers.UUIDField(source="service_user_id")
    organisation = serializers.CharField(source="organisation.name")
    team = serializers.CharField(source="team.name")
    assessed_by = serializers.CharField(source="assessed_by.display_name")
    assessed_on = serializers.DateField()
    review_due = serializers.DateField()
    person_view = serializers.CharField()
    domains = DomainRatingSerializer(many=True, source="ratings.all")


class RiskAssessmentCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    assessed_on = limits.api_date(what="the date of the assessment", window=limits.PAST)
    review_due = limits.api_date(
        what="the review date", window=limits.TARGET, required=False, allow_null=True
    )
    person_view = limits.api_text(
        what="their view", max_length=MAX_TEXT, multiline=True, required=False, default=""
    )
    domains = DomainRatingSerializer(many=True, allow_empty=False, max_length=len(Domain.values))


class CodingSerializer(serializers.Serializer):
    code = serializers.CharField()
    display = serializers.CharField()


class FlagCodeSerializer(serializers.Serializer):
    coding = CodingSerializer(many=True)
    text = serializers.CharField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)


class AuthorSerializer(serializers.Serializer):
    organisation = serializers.UUIDField()
    organisation_name = serializers.CharField()
    team = serializers.CharField()
    name = serializers.CharField()


class SafetyFlagSerializer(serializers.Serializer):
    """A safety flag as FHIR R4's Flag has it: code (what), status (active or inactive), period
    (from raising to removal), author (who raised it), subject (the person)."""

    id = serializers.UUIDField()
    resourceType = serializers.SerializerMethodField()  # noqa: N815 - FHIR's name
    subject = serializers.UUIDField(source="service_user_id")
    code = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    reason = serializers.CharField()
    review_on = serializers.DateField()

    def get_resourceType(self, flag) -> str:  # noqa: N802
        return "Flag"

    @extend_schema_field(FlagCodeSerializer)
    def get_code(self, flag):
        return {"coding": [{"code": flag.code, "display": flag.get_code_display()}], "text": flag.warning}

    @extend_schema_field(serializers.ChoiceField(choices=["active", "inactive"]))
    def get_status(self, flag) -> str:
        return "active" if flag.is_active else "inactive"

    @extend_schema_field(PeriodSerializer)
    def get_period(self, flag):
        return {"start": flag.starts_on, "end": flag.removed_at.date() if flag.removed_at else None}

    @extend_schema_field(AuthorSerializer)
    def get_author(self, flag):
        return {
            "organisation": flag.organisation_id,
            "organisation_name": flag.organisation.name,
            "team": flag.team.name,
            "name": flag.raised_by.display_name,
        }


class SafetyFlagCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    code = serializers.ChoiceField(choices=FlagCode.choices)
    warning = limits.api_text(what="the warning", max_length=MAX_FLAG_TEXT)
    reason = limits.api_text(what="the reason", max_length=MAX_TEXT, multiline=True)
    review_on = limits.api_date(what="the review date", window=limits.TARGET)


class FlagReviewSerializer(serializers.Serializer):
    review_on = limits.api_date(what="the next review date", window=limits.TARGET)
    note = limits.api_text(what="the note", max_length=MAX_TEXT, multiline=True, required=False, default="")


class FlagRemoveSerializer(serializers.Serializer):
    reason = limits.api_text(what="why the flag is no longer needed", max_length=MAX_TEXT, multiline=True)


class RemovalDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "refuse"])
    note = limits.api_text(what="the note", max_length=MAX_TEXT, multiline=True, required=False, default="")


class FlagRemovalSerializer(serializers.Serializer):
    flag = SafetyFlagSerializer()
    removal_request = serializers.ChoiceField(
        choices=[*RemovalRequest.State.values],
        allow_null=True,
        help_text="null when the flag was removed at once",
    )


SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID, description="Only this person's.")
STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=["active", "inactive"], description="Flags by status."
)


def _person_filter(request, rows):
    value = request.query_params.get("service_user")
    if not value:
        return rows, None
    person = as_uuid(value)
    if person is None:
        raise ValidationError({"service_user": ["Give the id of a person."]})
    return rows.filter(service_user_id=person), person


def _person_for_writing(user, pk):
    person = access.service_users_visible_to(user).filter(pk=pk).first()
    if person is None:
        raise ValidationError({"service_user": ["Choose a person your team works with."]})
    return person


class RiskAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Structured risk assessments the caller may see (risk consent), newest first."""

    permission_classes = [IsStaff]
    serializer_class = RiskAssessmentSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def _fetch(self):
        return RiskAssessment.objects.select_related("organisation", "team", "assessed_by").prefetch_related(
            "ratings"
        )

    def get_queryset(self):
        rows, _ = _person_filter(self.request, selectors.risk_assessments_visible_to(self.request.user))
        return rows.order_by("-assessed_on", "-created_at")

    @extend_schema(parameters=[SERVICE_USER])
    def list(self, request, *args, **kwargs):
        rows, requested = _person_filter(request, selectors.risk_assessments_visible_to(request.user))
        page = self.paginate_queryset(
            IdsFirst(rows.order_by("-assessed_on", "-created_at"), fetch=self._fetch())
        )
        access.audit_list_read(request.user, page, action="safety.risk_assessment.list", requested=requested)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        found = access.get_record_or_404(
            request.user,
            selectors.risk_assessments_visible_to(request.user).select_related(
                "organisation", "team", "assessed_by"
            ),
            pk,
            action="safety.risk_assessment.view",
            not_found="No such risk assessment.",
        )
        return Response(self.get_serializer(found).data)

    @extend_schema(request=RiskAssessmentCreateSerializer, responses={201: RiskAssessmentSerializer})
    def create(self, request):
        payload = RiskAssessmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        person = _person_for_writing(request.user, data["service_user"])
        domains = [services.DomainInput(**item) for item in data["domains"]]
        try:
            assessment = services.risk_assessment_record(
                service_user=person,
                by=request.user,
                assessed_on=data["assessed_on"],
                domains=domains,
                person_view=data["person_view"],
                review_due=data.get("review_due"),
            )
        except access.Refused:
            raise ValidationError(
                {"service_user": ["Only a team working with this person now can do this."]}
            ) from None
        except ApplicationError as error:
            raise validation_error(error) from None
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)


class SafetyFlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Safety flags the caller may see (risk consent; a pharmacy those of its people shared with it)."""

    permission_classes = [IsStaff]
    serializer_class = SafetyFlagSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def _visible(self):
        rows, requested = _person_filter(self.request, selectors.flags_visible_to(self.request.user))
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in ("active", "inactive"):
                raise ValidationError({"status": ["Use active or inactive."]})
            rows = rows.filter(
                status=SafetyFlag.Status.ACTIVE if wanted == "active" else SafetyFlag.Status.REMOVED
            )
        return rows.order_by("status", "-starts_on", "-created_at"), requested

    def get_queryset(self):
        return self._visible()[0]

    @extend_schema(parameters=[SERVICE_USER, STATUS])
    def list(self, request, *args, **kwargs):
        rows, requested = self._visible()
        fetch = SafetyFlag.objects.select_related("organisation", "team", "raised_by")
        page = self.paginate_queryset(IdsFirst(rows, fetch=fetch))
        access.audit_list_read(request.user, page, action="safety.flag.list", requested=requested)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _flag(self, pk, action_name):
        return access.get_record_or_404(
            self.request.user,
            selectors.flags_visible_to(self.request.user).select_related("organisation", "team", "raised_by"),
            pk,
            action=action_name,
            not_found="No such flag.",
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._flag(pk, "safety.flag.view")).data)

    def _write(self, call):
        # A refusal (another organisation's flag, a team not involved) stays a 403.
        try:
            return call()
        except StateConflict:
            raise
        except ApplicationError as error:
            raise validation_error(error) from None

    @extend_schema(request=SafetyFlagCreateSerializer, responses={201: SafetyFlagSerializer})
    def create(self, request):
        payload = SafetyFlagCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        person = _person_for_writing(request.user, data.pop("service_user"))
        if access.safety_writing_team(request.user, person) is None:
            raise ValidationError(
                {"service_user": ["Only a team working with this person now can raise a flag."]}
            )
        flag = self._write(lambda: services.safety_flag_raise(service_user=person, by=request.user, **data))
        return Response(self.get_serializer(flag).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FlagReviewSerializer, responses=SafetyFlagSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        flag = self._flag(pk, "safety.flag.review")
        payload = FlagReviewSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        flag = self._write(
            lambda: services.safety_flag_review(flag=flag, by=request.user, **payload.validated_data)
        )
        return Response(self.get_serializer(flag).data)

    @extend_schema(request=FlagRemoveSerializer, responses=FlagRemovalSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        """Remove the flag: at once on or after its review date, else a request that another staff
        member of its organisation confirms (removal_request: pending)."""
        flag = self._flag(pk, "safety.flag.remove")
        payload = FlagRemoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        flag, removal = self._write(
            lambda: services.safety_flag_remove(
                flag=flag, by=request.user, reason=payload.validated_data["reason"]
            )
        )
        flag = self._flag(flag.pk, "safety.flag.view")
        return Response(
            {"flag": self.get_serializer(flag).data, "removal_request": removal.state if removal else None}
        )

    @extend_schema(request=RemovalDecisionSerializer, responses=FlagRemovalSerializer)
    @action(detail=True, methods=["post"], url_path="decide-removal")
    def decide_removal(self, request, pk=None):
        """A second person confirms or turns down the pending request to remove the flag early."""
        flag = self._flag(pk, "safety.flag.removal_decide")
        payload = RemovalDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pending = selectors.flag_pending_removal(request.user, flag)
        if pending is None:
            raise StateConflict("No removal of this flag is waiting for a decision.", field="decision")
        decided = self._write(
            lambda: services.safety_flag_removal_decide(
                request=pending,
                by=request.user,
                confirm=payload.validated_data["decision"] == "confirm",
                note=payload.validated_data["note"],
            )
        )
        flag = self._flag(flag.pk, "safety.flag.view")
        return Response({"flag": self.get_serializer(flag).data, "removal_request": decided.state})
