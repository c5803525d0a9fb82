"""/api/v1/conversations/: list (for a person with ?service_user=, or ?addressed=me), detail with
the messages the caller may read, create, reply and resolve. The same access and services as the
pages: a conversation the caller may not read is a 404; a refusal is a 400 naming its field."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
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
from dualcare.people.models import Team, User

from . import selectors, services
from .models import MAX_SUBJECT, MAX_TEXT, Conversation, Kind


class MessageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    author = serializers.CharField(source="author.display_name")
    organisation = serializers.CharField(source="organisation.name", default=None, allow_null=True)
    from_service_user = serializers.BooleanField()
    withdrawn = serializers.BooleanField(source="is_withdrawn")
    text = serializers.SerializerMethodField()

    def get_text(self, message) -> str:
        # A withdrawn message's words stay in the audit only.
        return "" if message.is_withdrawn else message.text


class ParticipantSerializer(serializers.Serializer):
    team = serializers.UUIDField(source="team_id")
    team_name = serializers.CharField(source="team.name")
    organisation = serializers.CharField(source="team.organisation.name")
    user = serializers.UUIDField(source="user_id", allow_null=True)


class ConversationSerializer(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id")
    organisation = serializers.CharField(source="organisation.name", default=None, allow_null=True)
    started_by = serializers.CharField(source="started_by.display_name")
    resolved = serializers.BooleanField(source="is_resolved")

    class Meta:
        model = Conversation
        fields = [
            "id",
            "service_user",
            "kind",
            "subject",
            "organisation",
            "started_by",
            "includes_service_user",
            "reply_by",
            "first_reply_at",
            "resolved",
            "last_message_at",
            "created_at",
        ]


class ConversationDetailSerializer(ConversationSerializer):
    messages = MessageSerializer(many=True)
    participants = ParticipantSerializer(many=True)
    organisations_left = serializers.ListField(child=serializers.CharField())

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "messages", "participants", "organisations_left"]


class ConversationCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    subject = limits.api_text(what="a subject", max_length=MAX_SUBJECT)
    text = limits.api_text(what="a message", max_length=MAX_TEXT, multiline=True)
    teams = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=20)
    staff = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=20)
    reply_by = serializers.DateField(required=False, allow_null=True, default=None)
    includes_service_user = serializers.BooleanField(required=False, default=False)


class ReplySerializer(serializers.Serializer):
    text = limits.api_text(what="a message", max_length=MAX_TEXT, multiline=True)


SERVICE_USER = OpenApiParameter(
    "service_user", OpenApiTypes.UUID, description="Conversations about this person."
)
ADDRESSED = OpenApiParameter(
    "addressed", OpenApiTypes.STR, enum=["me"], description="Only those addressed to the caller."
)


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Case conversations between agencies about a person, as far as consent allows."""

    permission_classes = [IsStaff]
    serializer_class = ConversationSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        user = self.request.user
        addressed = params.get("addressed") or None
        if addressed not in (None, "me"):
            raise ValidationError({"addressed": ["Use me."]})
        rows = selectors.addressed_to(user) if addressed else selectors.conversations_visible_to(user)
        if params.get("service_user"):
            person = as_uuid(params["service_user"])
            if person is None:
                raise ValidationError({"service_user": ["Give the id of a person."]})
            rows = rows.filter(service_user_id=person)
        return rows

    @extend_schema(parameters=[SERVICE_USER, ADDRESSED])
    def list(self, request, *args, **kwargs):
        """A page of conversations, newest message first: one audit row per person on it."""
        fetch = Conversation.objects.select_related("organisation", "started_by")
        page = self.paginate_queryset(IdsFirst(self.get_queryset(), fetch=fetch))
        requested = as_uuid(request.query_params.get("service_user") or "")
        access.audit_list_read(request.user, page, action="conversation.list", requested=requested)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _respond(self, conversation: Conversation, code=status.HTTP_200_OK) -> Response:
        thread = selectors.thread(self.request.user, conversation)
        data = ConversationSerializer(conversation).data
        data["messages"] = MessageSerializer(thread["thread_messages"], many=True).data
        data["participants"] = ParticipantSerializer(thread["participants"], many=True).data
        data["organisations_left"] = [org.name for org in thread["left"]]
        return Response(data, status=code)

    @extend_schema(responses=ConversationDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._respond(selectors.conversation_or_404(request.user, pk))

    @extend_schema(request=ConversationCreateSerializer, responses={201: ConversationDetailSerializer})
    def create(self, request):
        payload = ConversationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        user = request.user
        person = access.service_users_visible_to(user).filter(pk=data.pop("service_user")).first()
        if person is None:
            raise ValidationError({"service_user": ["Choose a person your team works with."]})
        teams = list(Team.objects.filter(pk__in=data["teams"]))
        staff = list(User.objects.filter(pk__in=data["staff"], kind=User.Kind.STAFF))
        if len(teams) != len(set(data["teams"])):
            raise ValidationError({"teams": ["Choose teams working with the person."]})
        if len(staff) != len(set(data["staff"])):
            raise ValidationError({"staff": ["Choose staff of teams working with the person."]})
        try:
            conversation = services.conversation_start(
                service_user=person,
                by=user,
                kind=data["kind"],
                subject=data["subject"],
                text=data["text"],
                teams=teams,
                staff=staff,
                reply_by=data["reply_by"],
                includes_service_user=data["includes_service_user"],
            )
        except StateConflict:
            raise
        except ApplicationError as error:
            raise validation_error(error) from None
        return self._respond(selectors.conversation_or_404(user, conversation.pk), status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses={201: ConversationDetailSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        conversation = selectors.conversation_or_404(request.user, pk, action="conversation.reply")
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.message_reply(
                conversation=conversation, by=request.user, text=payload.validated_data["text"]
            )
        except StateConflict:
            raise
        except ApplicationError as error:
            raise validation_error(error) from None
        conversation.refresh_from_db()
        return self._respond(conversation, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ConversationDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        conversation = selectors.conversation_or_404(request.user, pk, action="conversation.resolve")
        services.conversation_resolve(conversation=conversation, by=request.user)  # 409 if resolved
        conversation.refresh_from_db()
        return self._respond(conversation)
