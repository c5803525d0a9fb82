"""/api/v1/referrals/: create, list (direction, state, team filters), detail and the moves.

Lists come from selectors (already permission-filtered); a referral the caller may not
read is a 404; a move the caller may see but not make is a 403; a move the state does not
allow is a 400 with the reason.
"""

from django.db.models import F, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.paging import IdsFirst
from dualcare.people.api import OrganisationBriefSerializer
from dualcare.people.api_search import SEARCH_SCHEMA, search_param
from dualcare.people.models import Team, User

from . import selectors, services
from .models import Handover, Referral, ReferralEvent, State, Urgency


class TeamBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    # The people API's brief (id, name, kind), typed in the schema where a method's dict was an
    # object of anything.
    organisation = OrganisationBriefSerializer(read_only=True)


class PersonBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    nhs_number = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.display_name", default=None)
    # Plain strings (the values of `state`): one enum in the schema, not three with one meaning.
    from_state = serializers.CharField()
    to_state = serializers.CharField()

    class Meta:
        model = ReferralEvent
        fields = ["at", "by", "from_state", "to_state", "note"]


class HandoverSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.display_name")

    class Meta:
        model = Handover
        fields = [
            "id",
            "held_on",
            "referrer_attended",
            "receiver_attended",
            "service_user_attended",
            "others_attending",
            "agreed",
            "recorded_by",
        ]


class ReferralSerializer(serializers.ModelSerializer):
    service_user = PersonBriefSerializer()
    from_team = TeamBriefSerializer()
    to_team = TeamBriefSerializer()
    referrer = serializers.CharField(source="referrer.display_name")
    consent_confirmed_by = serializers.SerializerMethodField()
    receiving_key_worker = serializers.SerializerMethodField()
    signposting = serializers.CharField(source="signposting_service")
    next_due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "state",
            "urgency",
            "service_user",
            "from_team",
            "referrer",
            "to_team",
            "reason",
            "person_wants",
            "mental_health_needs",
            "substance_use",
            "risk_summary",
            "consent_confirmed",
            "consent_confirmed_by",
            "consent_confirmed_at",
            "created_at",
            "sent_at",
            "acknowledged_at",
            "accepted_at",
            "declined_at",
            "withdrawn_at",
            "closed_at",
            "acknowledge_due_at",
            "decide_due_at",
            "next_due_at",
            "is_overdue",
            "decline_reason",
            "signposting",
            "signposting_next_steps",
            "receiving_key_worker",
        ]

    def get_consent_confirmed_by(self, referral) -> str | None:
        # The id only: the list stays one query, and the name is on the detail.
        return str(referral.consent_confirmed_by_id) if referral.consent_confirmed_by_id else None

    def get_receiving_key_worker(self, referral) -> str | None:
        return str(referral.receiving_key_worker_id) if referral.receiving_key_worker_id else None

    def get_is_overdue(self, referral) -> bool:
        return referral.is_overdue()


class ReferralDetailSerializer(ReferralSerializer):
    events = EventSerializer(many=True)
    handovers = HandoverSerializer(many=True)

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "events", "handovers"]


class ReferralCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField(error_messages={"invalid": "Choose a person your team works with."})
    to_team = serializers.UUIDField(error_messages={"invalid": "Choose the team you are referring to."})
    from_team = serializers.UUIDField(required=False, help_text="Your team, when you are in more than one.")
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="May be left out of a draft; needed to send.",
    )
    reason = limits.api_text(what="a reason", max_length=limits.LONG_TEXT, multiline=True)
    person_wants = limits.api_text(
        what="what they want",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )
    mental_health_needs = limits.api_text(
        what="their mental health needs",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )
    substance_use = limits.api_text(
        what="their drug and alcohol use",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )
    risk_summary = limits.api_text(
        what="the current risk",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )
    consent_confirmed = serializers.BooleanField(required=False, default=False)
    send = serializers.BooleanField(
        required=False, default=False, help_text="Send at once instead of a draft."
    )


class ReferralUpdateSerializer(serializers.Serializer):
    """Changes to a draft; only the fields given change."""

    to_team = serializers.UUIDField(required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_blank=True)
    reason = limits.api_text(what="a reason", max_length=limits.LONG_TEXT, multiline=True, required=False)
    person_wants = limits.api_text(
        what="what they want", max_length=limits.LONG_TEXT, multiline=True, required=False, allow_blank=True
    )
    mental_health_needs = limits.api_text(
        what="their mental health needs",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
    )
    substance_use = limits.api_text(
        what="their drug and alcohol use",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
    )
    risk_summary = limits.api_text(
        what="the current risk", max_length=limits.LONG_TEXT, multiline=True, required=False, allow_blank=True
    )
    consent_confirmed = serializers.BooleanField(required=False)


class NoteSerializer(serializers.Serializer):
    note = limits.api_text(
        what="a note", max_length=limits.NOTE, multiline=True, required=False, allow_blank=True, default=""
    )


class SendSerializer(NoteSerializer):
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a draft saved without one: chosen as it is sent.",
    )


class AcceptSerializer(NoteSerializer):
    key_worker = serializers.UUIDField(required=False, allow_null=True, help_text="The receiving key worker.")


class DeclineSerializer(NoteSerializer):
    reason = limits.api_text(
        what="a reason",
        max_length=limits.LONG_TEXT,
        multiline=True,
        error_messages={"required": "Say why your team cannot take this referral."},
    )
    signposting = limits.api_text(
        what="the service",
        max_length=200,
        help_text="The service the person should go to instead, or what the referrer should do next.",
        error_messages={
            "required": "Name the service the person should go to instead, or say what to do next.",
            "blank": "Name the service the person should go to instead, or say what to do next.",
        },
    )
    next_steps = limits.api_text(
        what="how they get there",
        max_length=limits.NOTE,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )
    directory_services = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=10,
        help_text="Directory services (ids of /api/v1/directory/services/) the person should go to; "
        "recorded as the decline's signpost, its follow-up due in SIGNPOST_FOLLOW_UP_DAYS.",
    )


# The service's field names, as the API spells them.
_API_FIELD = {"signposting_service": "signposting", "signposting_next_steps": "next_steps"}


def _as_validation_error(error: ApplicationError) -> ValidationError:
    if error.field:
        return ValidationError({_API_FIELD.get(error.field, error.field): [error.message]})
    return ValidationError({"detail": error.message})


DIRECTION = OpenApiParameter("direction", OpenApiTypes.STR, enum=["incoming", "outgoing"])
STATE = OpenApiParameter("state", OpenApiTypes.STR, enum=[*State.values, "open"])
TEAM = OpenApiParameter("team", OpenApiTypes.UUID, description="Referrals to or from this team.")
SEARCH = OpenApiParameter(
    "search",
    SEARCH_SCHEMA,
    description="Referrals of the people this names: a name (each word starts a given, family or "
    "preferred name), an NHS number (with or without spaces) or a date of birth (14/03/1985, 1985-03-14).",
)


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals between teams. Staff see their teams' referrals, sent and received."""

    permission_classes = [IsStaff]
    serializer_class = ReferralSerializer
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []  # filtering is the selector's, below

    def get_queryset(self):
        params = self.request.query_params
        direction = params.get("direction") or None
        if direction not in (None, "incoming", "outgoing"):
            raise ValidationError({"direction": ["Use incoming or outgoing."]})
        state = params.get("state") or None
        if state not in (None, "open", *State.values):
            raise ValidationError({"state": [f"Use one of: open, {', '.join(State.values)}."]})
        team = None
        if params.get("team"):
            team = (
                access.referral_teams_of(self.request.user).filter(pk=_uuid_or_none(params["team"])).first()
            )
            if team is None:
                raise ValidationError({"team": ["Choose one of your teams."]})
        search = search_param(params)
        referrals = selectors.referrals_for_user(
            self.request.user, direction=direction, state=state, team=team, search=search
        )
        if direction == "incoming":
            return referrals.order_by(F("next_due").asc(nulls_last=True), "-sent_at")
        return referrals.order_by("-created_at")

    @extend_schema(parameters=[DIRECTION, STATE, TEAM, SEARCH])
    def list(self, request, *args, **kwargs):
        """A page of referrals: one audit row per person on it (rule 6)."""
        page = self.paginate_queryset(IdsFirst(self.get_queryset(), fetch=selectors.referrals_listed()))
        access.audit_list_read(request.user, page, action="referral.list")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _get(self, pk) -> Referral:
        return selectors.referral_or_404(self.request.user, pk)

    def _respond(self, referral: Referral, code=status.HTTP_200_OK) -> Response:
        referral = selectors.with_next_due(Referral.objects.filter(pk=referral.pk))
        referral = referral.select_related(*selectors.LIST_RELATED).prefetch_related(
            Prefetch("events", queryset=ReferralEvent.objects.select_related("by").order_by("at", "pk")),
            "handovers__recorded_by",
        )
        return Response(ReferralDetailSerializer(referral.get()).data, status=code)

    @extend_schema(responses=ReferralDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._respond(self._get(pk))

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralDetailSerializer})
    def create(self, request):
        payload = ReferralCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        user = request.user
        service_user = access.service_users_visible_to(user).filter(pk=data.pop("service_user")).first()
        if service_user is None:
            raise ValidationError({"service_user": ["Choose a person your team works with."]})
        to_team = Team.objects.select_related("organisation").filter(pk=data.pop("to_team")).first()
        if to_team is None:
            raise ValidationError({"to_team": ["Choose the team you are referring to."]})
        from_team_id = data.pop("from_team", None)
        from_team = None
        if from_team_id:
            from_team = access.referral_teams_of(user).filter(pk=from_team_id).first()
            if from_team is None:
                raise ValidationError({"from_team": ["Choose one of your teams."]})
        try:
            referral = services.referral_create(
                by=user, service_user=service_user, to_team=to_team, from_team=from_team, **data
            )
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return self._respond(referral, status.HTTP_201_CREATED)

    @extend_schema(request=ReferralUpdateSerializer, responses=ReferralDetailSerializer)
    def partial_update(self, request, pk=None):
        """Change a draft (the referring team only). A sent referral stands as sent."""

        def run(referral, data):
            if "to_team" in data:
                data["to_team"] = Team.objects.filter(pk=data["to_team"]).first()
            return services.referral_update(referral=referral, by=request.user, **data)

        return self._move(request, pk, ReferralUpdateSerializer, run)

    def _move(self, request, pk, serializer_class, run):
        referral = self._get(pk)
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            referral = run(referral, dict(payload.validated_data))
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise _as_validation_error(error) from None
        return self._respond(referral)

    @extend_schema(request=SendSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._move(
            request, pk, SendSerializer, lambda r, d: services.referral_send(referral=r, by=request.user, **d)
        )

    @extend_schema(request=NoteSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._move(
            request,
            pk,
            NoteSerializer,
            lambda r, d: services.referral_acknowledge(referral=r, by=request.user, **d),
        )

    @extend_schema(request=AcceptSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        def run(referral, data):
            key_worker_id = data.pop("key_worker", None)
            key_worker = None
            if key_worker_id:
                key_worker = User.objects.filter(pk=key_worker_id, kind=User.Kind.STAFF).first()
                if key_worker is None:
                    raise ApplicationError("Choose a member of the receiving team.", field="key_worker")
            return services.referral_accept(referral=referral, by=request.user, key_worker=key_worker, **data)

        return self._move(request, pk, AcceptSerializer, run)

    @extend_schema(request=DeclineSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        def run(referral, data):
            return services.referral_decline(
                referral=referral,
                by=request.user,
                reason=data["reason"],
                signposting_service=data["signposting"],
                signposting_next_steps=data["next_steps"],
                note=data["note"],
                directory_services=data["directory_services"],
            )

        return self._move(request, pk, DeclineSerializer, run)

    @extend_schema(request=NoteSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._move(
            request,
            pk,
            NoteSerializer,
            lambda r, d: services.referral_withdraw(referral=r, by=request.user, **d),
        )

    @extend_schema(request=NoteSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._move(
            request,
            pk,
            NoteSerializer,
            lambda r, d: services.referral_close(referral=r, by=request.user, **d),
        )


def _uuid_or_none(value):
    from uuid import UUID

    try:
        return UUID(str(value))
    except ValueError:
        return None
