"""/api/v1/me/goals/, /api/v1/me/goal-ratings/, /api/v1/me/own-words/: the person's own goals (with
how they feel they are going, 1-10), their ratings, and what they wrote for their plan, as their
pages show them (issue 20). The person's token writes them through careplans.services; a carer's
token lists nothing (access.own_words) and writes nothing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.exceptions import ApplicationError
from dualcare.people.api_me import PersonReadViewSet

from . import selectors, services
from .api import GoalRatingSerializer, OwnWordsSerializer
from .models import Domain, GoalRating, OwnWords


def _the_person(request):
    person = access.service_user_of(request.user)
    if person is None:
        raise PermissionDenied("Only the person writes their own goals and words.")
    return person


def _refusal(error: ApplicationError) -> ValidationError:
    return ValidationError(error.as_dict())


class GoalCreateSerializer(serializers.Serializer):
    text = limits.api_text(what="your goal", max_length=limits.LONG_TEXT, multiline=True)
    domain = serializers.ChoiceField(choices=Domain.choices)


class OwnWordsCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[c for c in OwnWords.Kind.choices if c[0] != OwnWords.Kind.GOAL])
    text = limits.api_text(what="what you wrote", max_length=limits.LONG_TEXT, multiline=True)


class GoalRatingCreateSerializer(serializers.Serializer):
    goal = serializers.UUIDField()
    score = serializers.IntegerField(min_value=1, max_value=10)
    rated_on = limits.api_date(what="the date", window=limits.PAST, required=False)
    note = limits.api_text(what="your note", max_length=limits.SHORT_TEXT, required=False, allow_blank=True)


class _MyWordsBase(PersonReadViewSet):
    audit_action = "me.own_words"

    def _rows(self, user):
        return (
            access.own_words_visible_to(user, OwnWords.objects.all())
            .select_related("answered_by", "answered_by_organisation")
            .prefetch_related("ratings")
            .order_by("-created_at", "pk")
        )


class MyGoalViewSet(_MyWordsBase):
    """Your own goals, the newest first, each with your ratings (1 not started, 10 fully there)."""

    serializer_class = OwnWordsSerializer
    audit_action = "me.goals"

    def rows(self, user):
        return self._rows(user).filter(kind=OwnWords.Kind.GOAL)

    @extend_schema(request=GoalCreateSerializer, responses={201: OwnWordsSerializer})
    def create(self, request):
        person = _the_person(request)
        payload = GoalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            goal = services.own_words_propose(
                service_user=person, by=request.user, kind=OwnWords.Kind.GOAL, **payload.validated_data
            )
        except ApplicationError as error:
            raise _refusal(error) from None
        return Response(
            OwnWordsSerializer(self.rows(request.user).get(pk=goal.pk)).data, status=status.HTTP_201_CREATED
        )


class MyOwnWordsViewSet(_MyWordsBase):
    """What you wrote for your plan (what matters, what helps, early signs), with your care team's
    answers; waiting ones say so."""

    serializer_class = OwnWordsSerializer

    def rows(self, user):
        return self._rows(user).exclude(kind=OwnWords.Kind.GOAL)

    @extend_schema(request=OwnWordsCreateSerializer, responses={201: OwnWordsSerializer})
    def create(self, request):
        person = _the_person(request)
        payload = OwnWordsCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            words = services.own_words_propose(service_user=person, by=request.user, **payload.validated_data)
        except ApplicationError as error:
            raise _refusal(error) from None
        return Response(
            OwnWordsSerializer(self.rows(request.user).get(pk=words.pk)).data, status=status.HTTP_201_CREATED
        )


class MyGoalRatingSerializer(GoalRatingSerializer):
    goal = serializers.UUIDField(source="goal_id")
    service_user = serializers.UUIDField(source="goal.service_user_id")

    class Meta(GoalRatingSerializer.Meta):
        fields = ["id", "goal", "service_user", "rated_on", "score", "note", "created_at"]


class MyGoalRatingViewSet(PersonReadViewSet):
    """Each rating of your goals, oldest first."""

    serializer_class = MyGoalRatingSerializer
    audit_action = "me.goal_ratings"

    def rows(self, user):
        goals = access.own_words_visible_to(user, OwnWords.objects.filter(kind=OwnWords.Kind.GOAL))
        return (
            GoalRating.objects.filter(goal__in=goals.values("pk"))
            .select_related("goal")
            .order_by("rated_on", "created_at", "pk")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        access.audit_list_read(request.user, [row.goal for row in page], action=self.audit_action)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=GoalRatingCreateSerializer, responses={201: MyGoalRatingSerializer})
    def create(self, request):
        person = _the_person(request)
        payload = GoalRatingCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        goal = selectors.goals_for(request.user, person).filter(pk=data["goal"]).first()
        if goal is None:
            raise ValidationError({"goal": ["Give the id of one of your goals."]})
        try:
            rating = services.goal_rate(
                goal=goal,
                by=request.user,
                score=data["score"],
                rated_on=data.get("rated_on"),
                note=data.get("note", ""),
            )
        except ApplicationError as error:
            raise _refusal(error) from None
        rating = GoalRating.objects.select_related("goal").get(pk=rating.pk)
        return Response(MyGoalRatingSerializer(rating).data, status=status.HTTP_201_CREATED)
