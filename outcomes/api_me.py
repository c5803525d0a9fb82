"""/api/v1/me/progress/: the TOP ratings the person's "How you are getting on" page shows them
(outcomes.selectors.progress_forms), or, for a carer, those of each person who granted them
their progress scores. The three ratings only: no substance-use answers, stage, team or who
recorded it, which the person's page does not show."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dualcare.people.api_me import PersonReadViewSet

from . import selectors


class RatingSerializer(serializers.Serializer):
    about = serializers.CharField(help_text="What the score is about, in plain words.")
    score = serializers.IntegerField(
        allow_null=True, help_text="0 (poor) to 20 (good); null: no score given."
    )


class MyProgressSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    person = serializers.UUIDField(source="service_user_id", help_text="Whose form it is.")
    filled_in_on = serializers.DateField(source="completed_on")
    ratings = serializers.SerializerMethodField()

    @extend_schema_field(RatingSerializer(many=True))
    def get_ratings(self, form) -> list:
        return [{"about": words, "score": getattr(form, name)} for name, words in selectors.PROGRESS_RATINGS]


class MyProgressViewSet(PersonReadViewSet):
    """Each Treatment Outcomes Profile filled in, oldest first, with its three scores."""

    serializer_class = MyProgressSerializer
    audit_action = "me.progress"

    def rows(self, user):
        return selectors.progress_forms(user).order_by("completed_on", "created_at", "pk")
