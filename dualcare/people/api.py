"""API for the directory (organisations, teams), the caller (/me/) and service users."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare import access
from dualcare.api_auth import IsStaff

from . import extensions
from .models import Consent, Involvement, Organisation, Team, User


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "ods_code", "phone", "email", "out_of_hours_phone"]


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]


class TeamSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "organisation", "description", "phone", "email", "is_active"]


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    team = serializers.UUIDField(source="team_id")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")
    kind = serializers.CharField()
    roles = RoleSerializer(many=True)
    teams = TeamSerializer(many=True)


class MeView(APIView):
    """The caller: who they are, their roles and teams."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        roles = list(access.active_roles(user).order_by("start")) if user.kind == User.Kind.STAFF else []
        teams = list(access.teams_of(user)) if roles else []
        payload = {
            "username": user.username,
            "display_name": user.display_name,
            "kind": user.kind,
            "roles": roles,
            "teams": teams,
        }
        return Response(MeSerializer(payload).data)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """The directory of participating organisations, for every staff member."""

    serializer_class = OrganisationSerializer
    permission_classes = [IsStaff]
    queryset = Organisation.objects.order_by("name")
    filterset_fields = ["kind"]


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    permission_classes = [IsStaff]
    queryset = Team.objects.select_related("organisation").order_by("organisation__name", "name")
    filterset_fields = ["organisation", "is_active"]


class InvolvementSerializer(serializers.ModelSerializer):
    team = TeamSerializer(read_only=True)
    key_worker = serializers.CharField(source="key_worker.display_name", default=None)

    class Meta:
        model = Involvement
        fields = ["id", "team", "key_worker", "start", "end", "end_reason"]


class ConsentSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer(read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.display_name")
    withdrawn_by = serializers.CharField(source="withdrawn_by.display_name", default=None)

    class Meta:
        model = Consent
        fields = [
            "id",
            "organisation",
            "scope",
            "method",
            "recorded_by",
            "recorded_at",
            "withdrawn_at",
            "withdrawn_by",
        ]


class ServiceUserListSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    nhs_number = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    preferred_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    current_quadrant = serializers.CharField(allow_null=True)
    current_quadrant_on = serializers.DateField(allow_null=True)


class ServiceUserDetailSerializer(ServiceUserListSerializer):
    pronouns = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    preferred_contact_method = serializers.CharField()
    ok_to_leave_messages = serializers.BooleanField()
    contact_notes = serializers.CharField()
    involvements = InvolvementSerializer(many=True)
    consents = ConsentSerializer(many=True)
    shared_scopes = serializers.SerializerMethodField(
        help_text="Kinds of information from other organisations the caller may see, by the person's consent."
    )

    def get_shared_scopes(self, obj) -> list[str]:
        return sorted(access.visible_scopes(self.context["request"].user, obj))


class ServiceUserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People visible to the caller. Reading one person is audited; a hidden one is a 404. Staff
    only: the record in full (quadrant, consents, contact notes) is more than a person's or
    carer's pages show them; their token reads /api/v1/me/... instead."""

    permission_classes = [IsStaff]
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        people = access.service_users_visible_to(self.request.user)
        nhs_number = self.request.query_params.get("nhs_number")
        if nhs_number:
            people = people.filter(nhs_number=nhs_number.replace(" ", ""))
        return extensions.current_quadrant(people, user=self.request.user).order_by(
            "family_name", "given_name", "id"
        )

    def get_serializer_class(self):
        return ServiceUserDetailSerializer if self.action == "retrieve" else ServiceUserListSerializer

    def list(self, request, *args, **kwargs):
        """A page of people: one audit row per person on it (rule 6)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        access.audit_list_read(request.user, page, action="service_user.list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        service_user = access.get_service_user_or_404(
            self.request.user, self.kwargs["pk"], action="service_user.view"
        )
        return (
            extensions.current_quadrant(
                type(service_user).objects.filter(pk=service_user.pk), user=self.request.user
            )
            .prefetch_related(
                Prefetch(
                    "involvements",
                    queryset=Involvement.objects.select_related("team__organisation", "key_worker").order_by(
                        "end", "-start"
                    ),
                ),
                Prefetch(
                    "consents",
                    queryset=Consent.objects.select_related("organisation", "recorded_by", "withdrawn_by"),
                ),
            )
            .get()
        )
