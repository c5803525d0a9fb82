"""/api/v1/incidents/: list (filters service_user, kind, harm, state, q), report, detail with its
review; review actions (add, complete), lessons learned, close. The same access and services as
the pages: an incident the caller may not read is a 404; a refusal is a 400 naming its field."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api import validation_error
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import as_uuid
from dualcare.paging import IdsFirst
from dualcare.people.models import Organisation, Team

from . import selectors, services
from .models import MAX_TEXT, MAX_TITLE, Harm, Incident, Kind, State


class ReviewActionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    text = serializers.CharField()
    owner_organisation = serializers.UUIDField(source="owner_organisation_id")
    owner_organisation_name = serializers.CharField(source="owner_organisation.name")
    owner = serializers.UUIDField(source="owner_id", allow_null=True)
    due_date = serializers.DateField()
    done = serializers.BooleanField(source="is_done")
    done_at = serializers.DateTimeField(allow_null=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class IncidentSerializer(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id", allow_null=True)
    organisation = serializers.UUIDField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    team = serializers.UUIDField(source="team_id")
    serious = serializers.BooleanField(source="is_serious")

    class Meta:
        model = Incident
        fields = [
            "id",
            "service_user",
            "kind",
            "harm",
            "serious",
            "title",
            "occurred_on",
            "state",
            "organisation",
            "organisation_name",
            "team",
            "created_at",
            "closed_at",
        ]


class IncidentDetailSerializer(IncidentSerializer):
    what_happened = serializers.CharField()
    immediate_actions = serializers.CharField()
    lessons_learned = serializers.CharField()
    closure_summary = serializers.CharField()
    actions = ReviewActionSerializer(many=True)
    shared_with = OrganisationRefSerializer(many=True)

    class Meta(IncidentSerializer.Meta):
        fields = [
            *IncidentSerializer.Meta.fields,
            "what_happened",
            "immediate_actions",
            "lessons_learned",
            "closure_summary",
            "actions",
            "shared_with",
        ]


class IncidentCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField(required=False, allow_null=True, default=None)
    team = serializers.UUIDField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Kind.choices)
    harm = serializers.ChoiceField(choices=Harm.choices)
    title = limits.api_text(what="a title", max_length=MAX_TITLE)
    occurred_on = limits.api_date(what="the date it happened", window=limits.PAST)
    what_happened = limits.api_text(what="what happened", max_length=MAX_TEXT, multiline=True)
    immediate_actions = limits.api_text(
        what="the immediate actions",
        max_length=MAX_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )


class ActionCreateSerializer(serializers.Serializer):
    text = limits.api_text(what="the action", max_length=MAX_TEXT, multiline=True)
    owner_organisation = serializers.UUIDField()
    due_date = limits.api_date(what="the due date", window=limits.APPOINTMENT)


class LessonsSerializer(serializers.Serializer):
    lessons_learned = limits.api_text(what="the lessons learned", max_length=MAX_TEXT, multiline=True)


class CloseSerializer(serializers.Serializer):
    closure_summary = limits.api_text(what="a closing summary", max_length=MAX_TEXT, multiline=True)


PARAMETERS = [
    OpenApiParameter("service_user", OpenApiTypes.UUID, description="Incidents about this person."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Kind.values),
    OpenApiParameter("harm", OpenApiTypes.STR, enum=Harm.values),
    OpenApiParameter("state", OpenApiTypes.STR, enum=State.values),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words in the title or what happened."),
]


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incidents, near misses and complaints about people and teams, as far as access allows."""

    permission_classes = [IsStaff]
    serializer_class = IncidentSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        rows = selectors.incidents_visible_to(self.request.user)
        if params.get("service_user"):
            person = as_uuid(params["service_user"])
            if person is None:
                raise ValidationError({"service_user": ["Give the id of a person."]})
            rows = rows.filter(service_user_id=person)
        for name, choices in (("kind", Kind), ("harm", Harm), ("state", State)):
            value = params.get(name)
            if value and value not in choices.values:
                raise ValidationError({name: [f"Use one of: {', '.join(choices.values)}."]})
        q = " ".join((params.get("q") or "").split())[:100]
        return selectors.filtered(
            selectors.search(rows, q),
            kind=params.get("kind") or "",
            harm=params.get("harm") or "",
            state=params.get("state") or "",
        )

    @extend_schema(parameters=PARAMETERS)
    def list(self, request, *args, **kwargs):
        """A page of incidents, the most recent first: one audit row per person on it."""
        page = self.paginate_queryset(IdsFirst(self.get_queryset(), fetch=selectors.listed()))
        requested = as_uuid(request.query_params.get("service_user") or "")
        access.audit_list_read(
            request.user,
            [row for row in page if row.service_user_id],
            action="incident.list",
            requested=requested,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _respond(self, incident: Incident, code=status.HTTP_200_OK) -> Response:
        review = selectors.review(incident)
        data = IncidentSerializer(incident).data
        for name in ("what_happened", "immediate_actions", "lessons_learned", "closure_summary"):
            data[name] = getattr(incident, name)
        data["actions"] = ReviewActionSerializer(review["actions"], many=True).data
        data["shared_with"] = OrganisationRefSerializer(review["organisations"], many=True).data
        return Response(data, status=code)

    @extend_schema(responses=IncidentDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._respond(selectors.incident_or_404(request.user, pk))

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentDetailSerializer})
    def create(self, request):
        payload = IncidentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        user = request.user
        person = None
        if data["service_user"] is not None:
            person = access.service_users_visible_to(user).filter(pk=data["service_user"]).first()
            if person is None or not access.can_act_for(user, person):
                raise ValidationError({"service_user": ["Choose a person your team works with."]})
        team = None
        if data["team"] is not None:
            team = Team.objects.filter(pk=data["team"]).first()
            if team is None:
                raise ValidationError({"team": ["Choose one of your own teams."]})
        try:
            incident = services.incident_report(
                by=user,
                service_user=person,
                team=team if person is None else None,
                kind=data["kind"],
                harm=data["harm"],
                title=data["title"],
                occurred_on=data["occurred_on"],
                what_happened=data["what_happened"],
                immediate_actions=data["immediate_actions"],
            )
        except StateConflict:
            raise
        except ApplicationError as error:
            raise validation_error(error) from None
        return self._respond(selectors.incident_or_404(user, incident.pk), status.HTTP_201_CREATED)

    def _write(self, pk, write, *, audit: str, code=status.HTTP_200_OK):
        incident = selectors.incident_or_404(self.request.user, pk, action=audit)
        try:
            write(incident)
        except StateConflict:
            raise
        except ApplicationError as error:
            raise validation_error(error) from None
        incident.refresh_from_db()
        return self._respond(incident, code)

    @extend_schema(request=ActionCreateSerializer, responses={201: IncidentDetailSerializer})
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        """Add a joint-review action: its text, the owning organisation (one the incident is
        shared with) and the due date."""
        payload = ActionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        owner = Organisation.objects.filter(pk=data["owner_organisation"]).first()

        def write(incident):
            services.incident_action_add(
                incident=incident,
                by=request.user,
                text=data["text"],
                owner_organisation=owner,
                due_date=data["due_date"],
            )

        return self._write(pk, write, audit="incident.action_add", code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_pk>[0-9a-f-]{36})/done")
    def action_done(self, request, pk=None, action_pk=None):
        """Mark a review action done (409 if it already is)."""

        def write(incident):
            found = selectors.action_of(incident, action_pk)
            if found is None:
                raise NotFound("No such action.")
            services.incident_action_complete(action=found, by=request.user)

        return self._write(pk, write, audit="incident.action_complete")

    @extend_schema(request=LessonsSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def lessons(self, request, pk=None):
        payload = LessonsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        text = payload.validated_data["lessons_learned"]
        return self._write(
            pk,
            lambda incident: services.incident_lessons_record(
                incident=incident, by=request.user, lessons_learned=text
            ),
            audit="incident.lessons",
        )

    @extend_schema(request=CloseSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        summary = payload.validated_data["closure_summary"]
        return self._write(
            pk,
            lambda incident: services.incident_close(incident=incident, by=request.user, summary=summary),
            audit="incident.close",
        )
