"""Signposting in the API (issue 18 item 4): /api/v1/signposts/ lists and shows the signposts the
caller may see (access.signposts_visible_to), adds signposting to a referral the caller's team
declined, and records a follow-up (/api/v1/signposts/{id}/follow-up/). Reads are audited, one row
per person on a page; the same services as the pages write."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dualcare import access, clock, limits
from dualcare.api import validation_error
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError
from dualcare.ids import as_uuid

from . import signposting
from .models import Signpost, SignpostFollowUp
from .signpost_views import with_services

SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID, description="One person's signposts.")
DUE = OpenApiParameter(
    "due", OpenApiTypes.BOOL, description="Only those whose follow-up is due and not recorded."
)


class SignpostedServiceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="service.pk")
    name = serializers.CharField(source="service.name")
    provider = serializers.CharField(source="service.provider.name")
    phone = serializers.CharField(source="service.phone")
    email = serializers.CharField(source="service.email")
    url = serializers.CharField(source="service.url")
    how_to_refer = serializers.CharField(source="service.how_to_refer")


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignpostFollowUp
        fields = ["id", "outcome", "note", "created_at"]


class SignpostSerializer(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id")
    team = serializers.UUIDField(source="team_id")
    referral = serializers.UUIDField(source="referral_id", allow_null=True)
    services = SignpostedServiceSerializer(source="picks", many=True)
    follow_ups = FollowUpSerializer(many=True)

    class Meta:
        model = Signpost
        fields = [
            "id",
            "service_user",
            "team",
            "occasion",
            "referral",
            "services",
            "other",
            "next_steps",
            "follow_up_due",
            "reminded_at",
            "followed_up_at",
            "connected_at",
            "follow_ups",
            "created_at",
        ]


class SignpostCreateSerializer(serializers.Serializer):
    referral = serializers.UUIDField(help_text="A referral your team declined.")
    services = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=signposting.MOST_SERVICES
    )
    other = limits.api_text(
        what="the other service", max_length=200, required=False, allow_blank=True, default=""
    )
    next_steps = limits.api_text(
        what="how they get there",
        max_length=limits.NOTE,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )


class FollowUpCreateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=SignpostFollowUp.Outcome.choices,
        error_messages={"invalid_choice": "Choose connected, not_yet, declined or unreachable."},
    )
    note = limits.api_text(
        what="a note", max_length=limits.NOTE, multiline=True, required=False, allow_blank=True, default=""
    )


class SignpostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where teams pointed people after a decline or the end of care, and whether they got there."""

    permission_classes = [IsStaff]
    serializer_class = SignpostSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        signposts = with_services(access.signposts_visible_to(self.request.user, Signpost.objects.all()))
        signposts = signposts.prefetch_related("follow_ups")
        wanted = self.request.query_params.get("service_user")
        if wanted:
            if as_uuid(wanted) is None:
                raise ValidationError({"service_user": ["Give a person's id."]})
            signposts = signposts.filter(service_user_id=wanted)
        if self.request.query_params.get("due") in ("true", "1", "True"):
            signposts = signposts.filter(follow_up_due__lte=clock.today(), followed_up_at__isnull=True)
        return signposts.order_by("-created_at", "pk")

    @extend_schema(parameters=[SERVICE_USER, DUE], operation_id="signposts_list")
    def list(self, request, *args, **kwargs):
        """A page of signposts: one audit row per person on it (rule 6), constant queries."""
        page = self.paginate_queryset(self.get_queryset())
        access.audit_list_read(
            request.user,
            page,
            action="signposts.list",
            requested=request.query_params.get("service_user") or None,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(operation_id="signposts_retrieve")
    def retrieve(self, request, pk=None):
        """One signpost, audited as a read of its person; a hidden one is a 404 (audited)."""
        signpost = access.get_record_or_404(request.user, self.get_queryset(), pk, action="signpost.view")
        return Response(self.get_serializer(signpost).data)

    @extend_schema(
        request=SignpostCreateSerializer, responses={201: SignpostSerializer}, operation_id="signposts_create"
    )
    def create(self, request):
        """Signpost a referral your team declined to more services (its follow-up falls due anew)."""
        payload = SignpostCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        referral = self._declined_referral(data["referral"])
        try:
            signpost = signposting.signpost_add_to_decline(
                referral=referral,
                by=request.user,
                services=data["services"],
                other=data["other"],
                next_steps=data["next_steps"],
            )
        except ApplicationError as error:
            raise validation_error(error) from None
        signpost = self.get_queryset().get(pk=signpost.pk)
        return Response(self.get_serializer(signpost).data, status=status.HTTP_201_CREATED)

    def _declined_referral(self, pk):
        from referrals.models import Referral

        referral = (
            access.referrals_visible_to(self.request.user, Referral.objects.all()).filter(pk=pk).first()
        )
        if referral is None:
            raise ValidationError({"referral": ["Choose a referral your team declined."]})
        return referral

    @extend_schema(
        request=FollowUpCreateSerializer,
        responses={201: SignpostSerializer},
        operation_id="signposts_follow_up",
    )
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, pk=None):
        """Record whether the person got there (the signposting team only)."""
        signpost = access.get_record_or_404(request.user, self.get_queryset(), pk, action="signpost.view")
        payload = FollowUpCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not access.signposts_can_follow_up(request.user, signpost):
            raise access.Refused("Only the team that signposted the person records the follow-up.")
        try:
            signposting.signpost_follow_up_record(
                signpost=signpost,
                by=request.user,
                outcome=payload.validated_data["outcome"],
                note=payload.validated_data["note"],
            )
        except ApplicationError as error:
            raise validation_error(error) from None
        signpost = self.get_queryset().get(pk=signpost.pk)
        return Response(self.get_serializer(signpost).data, status=status.HTTP_201_CREATED)
