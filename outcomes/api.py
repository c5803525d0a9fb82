"""/api/v1/outcomes/honos/, top/, dialog/, satisfaction/: create and list (DESIGN.md names).

Lists come through access.outcomes_filter (the outcomes consent scope); `service_user`
filters a list to one person. Reads are audited (access.audit_list_read: one row per person on
a page; access.get_record_or_404: one row per form read, a denied row for a hidden one).
A create with any error returns 400 {field: [message]} and saves nothing; a person the
caller cannot record for is a 400 on `service_user`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.fields import SkipField
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.api_auth import IsStaff
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.ids import is_uuid
from dualcare.people.models import ServiceUser

from . import instruments, scoring, services, validation
from .models import (
    TOP_AMOUNT_FIELDS,
    TOP_DAYS_FIELDS,
    TOP_ITEM_FIELDS,
    TOP_RATING_FIELDS,
    TOP_WEEK_FIELDS,
    TOP_WEEKLY_DAYS_FIELDS,
    TOP_WEEKS,
    TOP_YES_NO_FIELDS,
    DialogRating,
    FFTAnswer,
    HonosRating,
    HonosStage,
    Item8Type,
    RatingPeriod,
    SatisfactionResponse,
    TopForm,
    TopStage,
)

SERVICE_USER = OpenApiParameter("service_user", OpenApiTypes.UUID, description="One person's forms.")


class _Base(serializers.ModelSerializer):
    service_user = serializers.UUIDField(source="service_user_id")
    organisation = serializers.CharField(source="organisation.name", default=None)
    team = serializers.CharField(source="team.name", default=None)


class HonosSerializer(_Base):
    # Plain strings in responses: one enum per choice set in the schema (the create serializers).
    stage = serializers.CharField()
    rating_period = serializers.CharField()
    item8_type = serializers.CharField()
    items = serializers.ListField(child=serializers.IntegerField())
    total = serializers.SerializerMethodField()
    subscales = serializers.SerializerMethodField()
    unknown_items = serializers.SerializerMethodField()

    class Meta:
        model = HonosRating
        fields = [
            "id",
            "service_user",
            "rated_on",
            "stage",
            "rating_period",
            "items",
            "item8_type",
            "item8_other",
            "total",
            "subscales",
            "unknown_items",
            "organisation",
            "team",
            "created_at",
        ]

    def get_total(self, obj) -> int:
        return scoring.honos_score(obj.items).total

    def get_subscales(self, obj) -> dict[str, int]:
        return scoring.honos_score(obj.items).subscales

    def get_unknown_items(self, obj) -> int:
        return scoring.honos_score(obj.items).unknown_items


EXIT_HELP = (
    "Only after discharge: an ended involvement of your team (within OUTCOME_EXIT_ACCESS_DAYS) "
    "whose exit measure this is; the stage must then be an exit stage."
)


class HonosCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    rated_on = limits.api_date(what="the date of the rating", window=None)
    # A choice, so the schema lists the stages (an enum) rather than promising any string.
    stage = serializers.ChoiceField(
        choices=HonosStage.choices,
        error_messages={"invalid_choice": "Choose assessment, review or discharge."},
    )
    rating_period = serializers.ChoiceField(choices=RatingPeriod.choices, default=RatingPeriod.TWO_WEEKS)
    items = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=(
            "12 ratings in item order: 0 no problem, 1 minor (no action), 2 mild, 3 moderate, "
            "4 severe to very severe, or 9 not known or not applicable (never added to the total)."
        ),
    )
    item8_type = serializers.ChoiceField(
        choices=Item8Type.choices,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid_choice": "Choose a problem type from A to J."},
    )
    item8_other = limits.api_text(
        what="the other problem", max_length=200, required=False, allow_blank=True, default=""
    )
    involvement = serializers.UUIDField(
        required=False,
        help_text=EXIT_HELP,
    )


class TopSerializer(_Base):
    stage = serializers.CharField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = TopForm
        fields = [
            "id",
            "service_user",
            "completed_on",
            "stage",
            *TOP_ITEM_FIELDS,
            "days_by_week",
            "other_substance_name",
            "summary",
            "organisation",
            "team",
            "created_at",
        ]

    days_by_week = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        read_only=True,
        help_text=(
            'Section 1\'s days week by week where they were given: {"alcohol_days": [week 4, week 3, '
            "week 2, week 1]}, each 0-7, adding up to the 28-day figure; empty when only totals were given."
        ),
    )

    def get_summary(self, obj) -> dict:
        return scoring.top_summary(obj)


def _top_create_fields() -> dict:
    fields = {
        "service_user": serializers.UUIDField(),
        "completed_on": limits.api_date(what="the date the form was completed", window=None),
        "stage": serializers.ChoiceField(
            choices=TopStage.choices,
            error_messages={"invalid_choice": "Choose start, review, exit or post-treatment exit."},
        ),
        "other_substance_name": limits.api_text(
            what="the other substance's name", max_length=100, required=False, allow_blank=True, default=""
        ),
        "involvement": serializers.UUIDField(
            required=False,
            help_text=EXIT_HELP,
        ),
    }
    null = {"required": False, "allow_null": True, "default": None}
    for name in TOP_DAYS_FIELDS:
        fields[name] = serializers.IntegerField(
            help_text="Days in the past 28 (0-28); null: not answered.", **null
        )
    for name in TOP_WEEKLY_DAYS_FIELDS:
        fields[name].help_text = (
            f"Days in the past 28 (0-28); null: not answered. Or give the four weeks ({name}_week4 to "
            f"{name}_week1) and leave it null: it is their sum. Given with them, it must equal their sum."
        )
        for week in TOP_WEEKS:
            fields[f"{name}_week{week}"] = serializers.IntegerField(
                help_text=(
                    f"Days in week {week} of the four (0-7; week 4 the earliest, week 1 the latest), as "
                    "the TOP form asks them. Give all four or none."
                ),
                **null,
            )
    for name in TOP_RATING_FIELDS:
        fields[name] = serializers.IntegerField(
            help_text="0 (poor) to 20 (good); null: not answered.", **null
        )
    for name in TOP_AMOUNT_FIELDS:
        fields[name] = serializers.DecimalField(max_digits=8, decimal_places=2, **null)
    for name in TOP_YES_NO_FIELDS:
        fields[name] = serializers.BooleanField(**null)
    return fields


TopCreateSerializer = type("TopCreateSerializer", (serializers.Serializer,), _top_create_fields())


class DialogSerializer(_Base):
    items = serializers.ListField(child=serializers.IntegerField())
    quality_of_life = serializers.SerializerMethodField()
    treatment_satisfaction = serializers.SerializerMethodField()

    class Meta:
        model = DialogRating
        fields = [
            "id",
            "service_user",
            "rated_on",
            "items",
            "more_help",
            "quality_of_life",
            "treatment_satisfaction",
            "organisation",
            "team",
            "created_at",
        ]

    def get_quality_of_life(self, obj) -> str:
        return str(scoring.dialog_means(obj.items)["quality_of_life"])

    def get_treatment_satisfaction(self, obj) -> str:
        return str(scoring.dialog_means(obj.items)["treatment_satisfaction"])


class DialogCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    rated_on = limits.api_date(what="the date of the rating", window=None)
    items = serializers.ListField(child=serializers.IntegerField(), help_text="11 ratings, 1-7.")
    more_help = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=11),
        required=False,
        max_length=11,
        help_text="DIALOG+: the item numbers (1-11) the person wants more help with.",
    )


class SatisfactionSerializer(_Base):
    answer = serializers.CharField()

    class Meta:
        model = SatisfactionResponse
        fields = [
            "id",
            "service_user",
            "responded_on",
            "answer",
            "comment",
            "organisation",
            "team",
            "created_at",
        ]


class SatisfactionCreateSerializer(serializers.Serializer):
    service_user = serializers.UUIDField()
    responded_on = limits.api_date(what="the date of the answer", window=None, required=False)
    answer = serializers.ChoiceField(
        choices=FFTAnswer.choices, error_messages={"invalid_choice": validation.CHOOSE_ONE_ANSWER}
    )
    comment = limits.api_text(
        what="a comment",
        max_length=limits.LONG_TEXT,
        multiline=True,
        required=False,
        allow_blank=True,
        default="",
    )


def _items_errors(errors: dict) -> dict:
    """Per-item messages (item1..item12) belong to the API's `items` field; item8_type stays."""
    result: dict = {}
    for field, messages in errors.items():
        key = "items" if re.fullmatch(r"item\d+", field) else field
        result.setdefault(key, []).extend(messages if isinstance(messages, list) else [messages])
    return result


class IsStaffOrPersonAnswering(IsStaff):
    """Staff; and a service user giving their own feedback (create only). A person's progress is
    read at /me/progress/, in their page's words, not through the staff lists."""

    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        user = request.user
        return bool(
            user and user.is_authenticated and user.kind == user.Kind.SERVICE_USER and view.action == "create"
        )


class _OutcomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # Staff only: the forms in full are not what a person's or carer's pages show them.
    permission_classes = [IsStaff]
    lookup_value_regex = "[0-9a-f-]{36}"
    filter_backends: list = []
    instrument = ""
    model = None
    create_serializer = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not instruments.instrument_enabled(self.instrument):
            raise NotFound(f"{instruments.INSTRUMENT_NAMES[self.instrument]} is switched off here.")

    def get_queryset(self):
        records = access.outcomes_filter(
            self.request.user, self.model.objects.select_related("organisation", "team")
        )
        wanted = self.request.query_params.get("service_user")
        if wanted:
            if not is_uuid(wanted):
                raise ValidationError({"service_user": ["Give a person's id."]})
            records = records.filter(service_user_id=wanted)
        return records

    @extend_schema(parameters=[SERVICE_USER])
    def list(self, request, *args, **kwargs):
        """A page of forms: one audit row per person on it (rule 6), in a constant number of queries."""
        page = self.paginate_queryset(self.get_queryset())
        access.audit_list_read(
            request.user,
            page,
            action=f"outcomes.{self.instrument}.list",
            requested=request.query_params.get("service_user") or None,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        """One form, audited as a read of its person; one the caller may not see is a 404 (audited)."""
        record = access.get_record_or_404(
            request.user, self.get_queryset(), pk, action=f"outcomes.{self.instrument}.view"
        )
        return Response(self.get_serializer(record).data)

    def _service_user(self, pk) -> ServiceUser:
        person = access.service_users_visible_to(self.request.user).filter(pk=pk).first()
        if person is None and self.instrument == "satisfaction":
            own = access.service_user_of(self.request.user)
            person = own if own is not None and own.pk == pk else None
        if person is None:
            raise ValidationError({"service_user": ["Choose a person your team works with."]})
        return person

    def _ended_involvement(self, pk, service_user_pk):
        """An involvement of the caller's team that ended within the exit window (access rule)."""
        involvement = (
            access.outcomes_exit_involvements(self.request.user)
            .select_related("service_user", "team__organisation")
            .filter(pk=pk)
            .first()
        )
        if involvement is None:
            raise ValidationError(
                {"involvement": ["Choose an involvement of your team that ended in the last few weeks."]}
            )
        if involvement.service_user_id != service_user_pk:
            raise ValidationError({"service_user": ["This is not the person of that involvement."]})
        return involvement

    # a field whose rule reads other fields: {field: (fields it reads, ...)}
    DEPENDS_ON: dict[str, tuple[str, ...]] = {}

    def problems(self, readable: dict) -> dict[str, list[str]]:
        """outcomes.validation's errors over the fields that could be read."""
        raise NotImplementedError

    def _every_error(self, payload) -> dict:
        """The serializer's errors and, as the pages do (outcomes.forms.InstrumentForm), the
        instrument's own rules on the fields it could read, skipping a rule that reads a field
        that could not be read: every error in one answer."""
        errors = dict(payload.errors)
        if not isinstance(payload.initial_data, Mapping):
            return errors  # not an object at all (a list, say): the serializer has said so
        readable = {}
        for name, field in payload.fields.items():
            if name in errors:
                continue
            try:
                readable[name] = field.run_validation(field.get_value(payload.initial_data))
            except (serializers.ValidationError, SkipField):
                continue
        for name, messages in _items_errors(self.problems(readable)).items():
            if name in errors or any(other in errors for other in self.DEPENDS_ON.get(name, ())):
                continue
            errors[name] = messages
        return errors

    def create(self, request):
        if self.instrument != "satisfaction" and request.user.kind != request.user.Kind.STAFF:
            # Staff rate HoNOS, TOP and DIALOG; a person may only answer the satisfaction question.
            raise PermissionDenied(f"Only staff record {instruments.INSTRUMENT_NAMES[self.instrument]}.")
        payload = self.create_serializer(data=request.data)
        if not payload.is_valid():
            raise ValidationError(self._every_error(payload))
        data = dict(payload.validated_data)
        if data.get("involvement") is not None:
            involvement = self._ended_involvement(data.pop("involvement"), data["service_user"])
            person = involvement.service_user
            data.pop("service_user")
            data["exit_from"] = involvement
        else:
            data.pop("involvement", None)
            person = self._service_user(data.pop("service_user"))
        try:
            record = self.record(person, data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise ValidationError(_items_errors(error.as_dict())) from None
        record = self.model.objects.select_related("organisation", "team").get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class HonosViewSet(_OutcomeViewSet):
    """HoNOS ratings (© Royal College of Psychiatrists). Totals never include 9s, never prorated."""

    instrument = "honos"
    model = HonosRating
    serializer_class = HonosSerializer
    create_serializer = HonosCreateSerializer

    @extend_schema(request=HonosCreateSerializer, responses={201: HonosSerializer})
    def create(self, request):
        return super().create(request)

    DEPENDS_ON = {"item8_type": ("items",), "item8_other": ("items", "item8_type")}

    def problems(self, readable):
        return validation.validate_honos(
            rated_on=readable.get("rated_on"),
            stage=readable.get("stage"),
            items=readable.get("items"),
            item8_type=readable.get("item8_type") or "",
            item8_other=readable.get("item8_other") or "",
            rating_period=readable.get("rating_period"),
            today=timezone.localdate(),
        )

    def record(self, person, data):
        return services.honos_record(service_user=person, by=self.request.user, **data)


class TopViewSet(_OutcomeViewSet):
    """Treatment Outcomes Profiles. null is "not answered", which is not 0."""

    instrument = "top"
    model = TopForm
    serializer_class = TopSerializer
    create_serializer = TopCreateSerializer

    @extend_schema(request=TopCreateSerializer, responses={201: TopSerializer})
    def create(self, request):
        return super().create(request)

    DEPENDS_ON = validation.TOP_DEPENDS_ON

    def problems(self, readable):
        answers = {
            name: value
            for name, value in readable.items()
            if name in TOP_ITEM_FIELDS or name in TOP_WEEK_FIELDS
        }
        answers["other_substance_name"] = readable.get("other_substance_name") or ""
        return validation.validate_top(
            completed_on=readable.get("completed_on"),
            stage=readable.get("stage"),
            answers=answers,
            today=timezone.localdate(),
        )

    def record(self, person, data):
        return services.top_record(service_user=person, by=self.request.user, **data)


class DialogViewSet(_OutcomeViewSet):
    """DIALOG ratings, 11 items 1-7, with the quality-of-life and treatment-satisfaction means."""

    instrument = "dialog"
    model = DialogRating
    serializer_class = DialogSerializer
    create_serializer = DialogCreateSerializer

    @extend_schema(request=DialogCreateSerializer, responses={201: DialogSerializer})
    def create(self, request):
        return super().create(request)

    def problems(self, readable):
        return validation.validate_dialog(
            rated_on=readable.get("rated_on"), items=readable.get("items"), today=timezone.localdate()
        )

    def record(self, person, data):
        return services.dialog_record(service_user=person, by=self.request.user, **data)


class SatisfactionViewSet(_OutcomeViewSet):
    """Friends and Family Test answers about joint care; a service user may answer for themselves."""

    permission_classes = [IsStaffOrPersonAnswering]
    instrument = "satisfaction"
    model = SatisfactionResponse
    serializer_class = SatisfactionSerializer
    create_serializer = SatisfactionCreateSerializer

    @extend_schema(request=SatisfactionCreateSerializer, responses={201: SatisfactionSerializer})
    def create(self, request):
        return super().create(request)

    def problems(self, readable):
        return validation.validate_satisfaction(
            responded_on=readable.get("responded_on") or timezone.localdate(),
            answer=readable.get("answer"),
            comment=readable.get("comment") or "",
            today=timezone.localdate(),
        )

    def record(self, person, data):
        return services.satisfaction_record(service_user=person, by=self.request.user, **data)
