"""API for the directory (organisations, teams), the caller (/me/) and service users."""

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare import access
from dualcare.api_auth import IsStaff

from . import extensions, selectors
from .models import Consent, Involvement, Organisation, ServiceUser, Team, User
from .search import nhs_number_digits


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
    review_overdue = serializers.BooleanField(
        help_text="A care plan the caller may see is past its review date."
    )
    measure_overdue = serializers.BooleanField(
        help_text="A TOP or HoNOS is overdue for one of the caller's teams (the outcomes due list's rule)."
    )


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


class ServiceUserFilter(django_filters.FilterSet):
    """The caseload page's search and filters (selectors.people_filtered), for the people API."""

    search = django_filters.CharFilter(
        method="_keep",
        max_length=100,
        help_text="A name (each word starts a given, family or preferred name), an NHS number (with or "
        "without spaces) or a date of birth (14/03/1985, 1985-03-14, 14 March 1985).",
    )
    nhs_number = django_filters.CharFilter(method="_nhs_number", help_text="With or without spaces.")
    date_of_birth = django_filters.DateFilter(field_name="date_of_birth")
    # Its values (an enum in the schema, checked before the view) come from the extensions: list().
    quadrant = django_filters.CharFilter(method="_keep", help_text="The current quadrant.")
    mine = django_filters.BooleanFilter(method="_keep", help_text="People the caller is key worker for.")
    team = django_filters.UUIDFilter(
        method="_keep", help_text="People with an open involvement of this team."
    )
    review_overdue = django_filters.BooleanFilter(method="_keep")
    measure_overdue = django_filters.BooleanFilter(method="_keep")
    not_seen_days = django_filters.NumberFilter(
        method="_keep",
        min_value=1,
        max_value=3650,
        help_text="No attended contact (that the caller may see) for this many days.",
    )

    class Meta:
        model = ServiceUser
        fields: list[str] = []

    def _keep(self, queryset, name, value):
        return queryset  # applied together in filter_queryset, by the caseload's own selector

    def _nhs_number(self, queryset, name, value):
        return queryset.filter(nhs_number=nhs_number_digits(value) or value)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        wanted = selectors.CaseloadFilter(
            show=selectors.Show.MINE if data.get("mine") else selectors.Show.TEAMS,
            team=data.get("team"),
            search=data.get("search") or "",
            quadrant=data.get("quadrant") or "",
            review_overdue=bool(data.get("review_overdue")),
            measure_overdue=bool(data.get("measure_overdue")),
            not_seen_days=int(data["not_seen_days"]) if data.get("not_seen_days") else None,
        )
        return selectors.people_filtered(self.request.user, queryset, wanted)


class ServiceUserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People visible to the caller. Reading one person is audited; a hidden one is a 404. Staff
    only: the record in full (quadrant, consents, contact notes) is more than a person's or
    carer's pages show them; their token reads /api/v1/me/... instead."""

    permission_classes = [IsStaff]
    lookup_value_regex = "[0-9a-f-]{36}"
    filterset_class = ServiceUserFilter

    def get_queryset(self):
        # The filterset annotates the columns and orders (selectors.people_filtered).
        return access.service_users_visible_to(self.request.user)

    def get_serializer_class(self):
        return ServiceUserDetailSerializer if self.action == "retrieve" else ServiceUserListSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "not_seen_days",
                {"type": "integer", "minimum": 1, "maximum": 3650},
                description="No attended contact (that the caller may see) for this many days.",
            ),
            OpenApiParameter(
                "quadrant",
                OpenApiTypes.STR,
                enum=[value for value, _ in extensions.quadrant_choices()] or None,
                description="The current quadrant.",
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        """A page of people: one audit row per person on it (rule 6)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        access.audit_list_read(request.user, page, action="service_user.list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        service_user = access.get_service_user_or_404(
            self.request.user, self.kwargs["pk"], action="service_user.view"
        )
        user, today = self.request.user, timezone.localdate()
        one = extensions.current_quadrant(type(service_user).objects.filter(pk=service_user.pk), user=user)
        one = extensions.review_overdue(one, user=user, today=today)
        one = extensions.measure_overdue(one, user=user, today=today)
        return one.prefetch_related(
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
        ).get()
