"""/api/v1/care-plans/: list (service_user filter), detail with the entries the caller may see,
and publish, versions and pdf actions. Same rules as the pages (dualcare.access, "Care plans")."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api_auth import IsStaffOrPersonReading
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import is_uuid

from . import selectors, services
from .models import Agreement, CarePlan, GoalRating, OwnWords, PlanVersion


class CarePlanSerializer(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id")
    current_version = serializers.IntegerField(source="current_version_number")
    review_overdue = serializers.SerializerMethodField()
    agreed = serializers.SerializerMethodField()
    has_unpublished_changes = serializers.BooleanField()

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "service_user",
            "current_version",
            "review_due",
            "review_overdue",
            "agreed",
            "has_unpublished_changes",
            "created_at",
            "updated_at",
        ]

    def get_review_overdue(self, plan) -> bool:
        return plan.review_overdue()

    def get_agreed(self, plan) -> bool:
        return getattr(plan, "current_answer", None) == Agreement.Kind.AGREED


class EntrySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organisation = serializers.CharField()
    organisation_id = serializers.UUIDField()
    author = serializers.CharField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField(
        help_text="The entry's edit count; for a service user or carer, the published version's number."
    )
    may_edit = serializers.BooleanField()
    fields = serializers.DictField(child=serializers.CharField(allow_blank=True))


class SectionSerializer(serializers.Serializer):
    section = serializers.CharField()
    label = serializers.CharField()
    entries = EntrySerializer(many=True)
    hidden_entries = serializers.IntegerField()


class CarePlanDetailSerializer(CarePlanSerializer):
    sections = serializers.SerializerMethodField()

    class Meta(CarePlanSerializer.Meta):
        fields = [*CarePlanSerializer.Meta.fields, "sections"]

    @extend_schema(responses=SectionSerializer(many=True))
    def get_sections(self, plan) -> list:
        acc = self.context["acc"]
        if acc.published_only:
            return _published_sections(acc, plan)
        return [
            {
                "section": view.key,
                "label": view.label,
                "hidden_entries": view.hidden_count,
                "entries": [
                    {
                        "id": str(entry.pk),
                        "organisation": entry.organisation.name,
                        "organisation_id": str(entry.organisation_id),
                        "author": entry.author.display_name,
                        "updated_at": entry.updated_at,
                        "version": entry.version,
                        "may_edit": entry.may_edit,
                        "fields": entry.field_values(),
                    }
                    for entry in view.entries
                ],
            }
            for view in selectors.working_sections(acc, plan)
        ]


def _published_sections(acc, plan) -> list:
    """A service user or carer reads the current published version as their portal page shows
    it (the sections and entries they may see, labelled to them), never the working draft."""
    version = selectors.current_version(plan)
    if version is None:
        return []
    reader = "person" if acc.kind == "service_user" else "carer"
    return [
        {
            "section": view.key,
            "label": view.label,
            "hidden_entries": view.hidden_count,
            "entries": [
                {
                    "id": entry["id"],
                    "organisation": entry["organisation"],
                    "organisation_id": entry["organisation_id"],
                    "author": entry["author"],
                    "updated_at": entry["updated_at"],
                    "version": version.number,
                    "may_edit": False,
                    "fields": entry["fields"],
                }
                for entry in view.entries
            ],
        }
        for view in selectors.version_sections(
            acc, version, reader=reader, known_as=plan.service_user.known_as
        )
    ]


class VersionSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by.display_name")
    organisation = serializers.CharField(source="published_by_organisation.name")
    answer = serializers.CharField(allow_null=True, help_text="agreed, changes or null")
    pdf_ready = serializers.SerializerMethodField()

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "number",
            "published_at",
            "published_by",
            "organisation",
            "review_due",
            "answer",
            "pdf_ready",
        ]

    def get_pdf_ready(self, version) -> bool:
        return bool(version.pdf)


class PublishSerializer(serializers.Serializer):
    review_due = limits.api_date(
        what="the review date", required=False, allow_null=True, help_text="Default: six months on."
    )


class GoalRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalRating
        fields = ["id", "rated_on", "score", "note", "created_at"]


class OwnWordsSerializer(serializers.ModelSerializer):
    """Something the person wrote for their plan (a goal has its ratings, 1-10, oldest first)."""

    service_user = serializers.UUIDField(source="service_user_id")
    answered_by = serializers.CharField(source="answered_by.display_name", default=None)
    answered_by_organisation = serializers.CharField(source="answered_by_organisation.name", default=None)
    plan_entry = serializers.UUIDField(source="plan_entry_id", allow_null=True)
    ratings = GoalRatingSerializer(many=True, read_only=True)

    class Meta:
        model = OwnWords
        fields = [
            "id",
            "service_user",
            "kind",
            "text",
            "domain",
            "state",
            "reply",
            "answered_by",
            "answered_by_organisation",
            "answered_at",
            "plan_entry",
            "ratings",
            "created_at",
        ]


class OwnWordsAnswerSerializer(serializers.Serializer):
    words = serializers.UUIDField(help_text="Which of the person's words (an id from own-words).")
    decision = serializers.ChoiceField(choices=["accept", "answer"])
    reply = limits.api_text(what="your reply", max_length=limits.LONG_TEXT, required=False, allow_blank=True)


def _with_answer(plans):
    answer = Agreement.objects.filter(
        version__plan=OuterRef("pk"),
        version__number=OuterRef("current_version_number"),
        kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CHANGES],
    ).order_by("-recorded_at")
    return plans.annotate(current_answer=Subquery(answer.values("kind")[:1]))


SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID, description="Only this person's plan.")


class CarePlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shared care plans of the people whose record the caller may see. A service user's token
    reads their own plan (detail: the current published version), its versions and PDFs; a
    carer's the plans they were granted, as on the carer's page (no versions or PDF)."""

    permission_classes = [IsStaffOrPersonReading]
    serializer_class = CarePlanSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        plans = access.care_plans_visible_to(self.request.user, CarePlan.objects.all())
        wanted = self.request.query_params.get("service_user")
        if wanted:
            if not is_uuid(wanted):
                raise ValidationError({"service_user": ["Give the id of a person."]})
            plans = plans.filter(service_user_id=wanted)
        return _with_answer(plans).order_by("-updated_at")

    @extend_schema(parameters=[SERVICE_USER])
    def list(self, request, *args, **kwargs):
        """A page of plans: one audit row per person on it (rule 6); a person filtered to whose
        record the caller may not see is a denied attempt."""
        page = self.paginate_queryset(self.get_queryset())
        access.audit_list_read(
            request.user,
            page,
            action="careplan.list",
            requested=request.query_params.get("service_user") or None,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _plan(self, pk, action: str):
        user = self.request.user
        if user.kind != user.Kind.STAFF:
            # Their own plan, or one they were granted: the same rule as the portal, audited.
            # A carer's page has no versions or PDF, so neither has their token.
            plans = access.care_plans_visible_to(user, CarePlan.objects.all())
            if user.kind == user.Kind.CARER and action in ("careplan.versions", "careplan.pdf"):
                plans = plans.none()
            plan = access.get_record_or_404(
                user, _with_answer(plans), pk, action=action, not_found="No such care plan."
            )
            return plan, plan.service_user
        plan = _with_answer(CarePlan.objects.filter(pk=pk)).first() if is_uuid(pk) else None
        if plan is None:
            raise NotFound("No such care plan.")
        # A person the caller may not see: Http404, which DRF answers as a 404 (audited as denied).
        person = access.get_service_user_or_404(self.request.user, plan.service_user_id, action=action)
        return plan, person

    @extend_schema(responses=CarePlanDetailSerializer)
    def retrieve(self, request, pk=None):
        plan, person = self._plan(pk, "careplan.view")
        acc = access.care_plan_access(request.user, person)
        return Response(CarePlanDetailSerializer(plan, context={"acc": acc}).data)

    @extend_schema(request=PublishSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan, person = self._plan(pk, "careplan.publish")
        payload = PublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            version = services.careplan_publish(
                service_user=person, by=request.user, review_due=payload.validated_data.get("review_due")
            )
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            # A refusal of who may publish is Django's PermissionDenied, which DRF answers with 403.
            raise ValidationError(error.as_dict()) from None
        version = selectors.versions_of(plan).get(pk=version.pk)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=VersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        plan, person = self._plan(pk, "careplan.versions")
        versions = selectors.versions_of(plan)
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("version", OpenApiTypes.INT, description="Default: the current version.")
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: OpenApiResponse(description="Being prepared: try again shortly."),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The person's copy of a published version, rendered once and stored."""
        plan, person = self._plan(pk, "careplan.pdf")
        number = request.query_params.get("version") or plan.current_version_number
        try:
            number = int(number)
        except ValueError:
            raise ValidationError({"version": ["Give a version number."]}) from None
        version = PlanVersion.objects.filter(plan=plan, number=number).first()
        if version is None:
            raise NotFound("This plan has no such published version.")
        acc = access.care_plan_access(request.user, person)
        if not acc.may_download(version):
            raise PermissionDenied(
                "This copy includes parts of the plan your organisation has no consent to see."
            )
        if not version.pdf:
            # Rendered on publishing; an older version without one (an import, say) is rendered now.
            services.queue_pdf(version.pk)
            response = Response(
                {"detail": "The PDF is being prepared. Try again in a minute."},
                status=status.HTTP_202_ACCEPTED,
            )
            response["Retry-After"] = "30"
            return response
        response = FileResponse(
            version.pdf.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"care-plan-version-{version.number}.pdf",
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(responses=OwnWordsSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="own-words")
    def own_words(self, request, pk=None):
        """What the person wrote for their plan and their own goals with their ratings, waiting ones
        first (issue 20): to the person, and to staff who may see their record; a carer sees none."""
        plan, person = self._plan(pk, "careplan.own_words_view")
        rows = OwnWords.objects.filter(service_user=person)
        rows = (
            access.own_words_visible_to(request.user, rows)
            .select_related("answered_by", "answered_by_organisation")
            .prefetch_related("ratings")
            .order_by("state", "-created_at", "pk")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(OwnWordsSerializer(page, many=True).data)

    @extend_schema(request=OwnWordsAnswerSerializer, responses={200: OwnWordsSerializer})
    @action(detail=True, methods=["post"], url_path="own-words/answer")
    def own_words_answer(self, request, pk=None):
        """Accept one of the person's words into the working plan (in their words), or answer it."""
        plan, person = self._plan(pk, "careplan.own_words_answer")
        payload = OwnWordsAnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        words = (
            access.own_words_visible_to(request.user, OwnWords.objects.filter(service_user=person))
            .filter(pk=data["words"])
            .first()
        )
        if words is None:
            raise ValidationError({"words": ["Give the id of something this person wrote."]})
        try:
            if data["decision"] == "accept":
                words = services.own_words_accept(
                    own_words=words, by=request.user, reply=data.get("reply", "")
                )
            else:
                words = services.own_words_answer(
                    own_words=words, by=request.user, reply=data.get("reply", "")
                )
        except StateConflict:
            raise
        except ApplicationError as error:
            raise ValidationError(error.as_dict()) from None
        words = OwnWords.objects.select_related("answered_by", "answered_by_organisation").get(pk=words.pk)
        return Response(OwnWordsSerializer(words).data)
