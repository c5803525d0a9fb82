"""POST /api/v1/spc/: an XmR chart of any series, for analysts and other QI tools.

Nothing is stored and no record is read: the values come in the request and the analysis goes
back in the response.
"""

from __future__ import annotations

import math

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare.api_auth import IsStaff

from . import rules as spc_rules

MAX_VALUES = 5000
# Far beyond any measure, and small enough that limits and moving ranges cannot overflow to
# infinity (which JSON cannot carry: a 500 before this bound).
MAX_MAGNITUDE = 1e12

IMPROVEMENT_CHOICES = [
    ("up", "Higher is better"),
    ("down", "Lower is better"),
    ("neither", "Neither direction is better"),
]


class ValuesField(serializers.ListField):
    """A list of finite numbers whose errors name the value: {"values": ["Value 3 is not a number."]}."""

    child = serializers.FloatField(min_value=-MAX_MAGNITUDE, max_value=MAX_MAGNITUDE)

    def to_internal_value(self, data):
        if isinstance(data, (str, dict)) or not hasattr(data, "__iter__"):
            raise serializers.ValidationError("Give the values as a list of numbers.")
        messages = []
        for position, value in enumerate(data, start=1):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                messages.append(f"Value {position} is not a number.")
            elif abs(value) > MAX_MAGNITUDE:
                messages.append(
                    f"Value {position} is too large: keep values within a million million either way."
                )
        if messages:
            raise serializers.ValidationError(messages[:10])
        return super().to_internal_value(data)


class SpcRequestSerializer(serializers.Serializer):
    values = ValuesField(
        min_length=2,
        max_length=MAX_VALUES,
        help_text="The measure, oldest first. At least 2 numbers.",
        error_messages={
            "min_length": "Give at least 2 values.",
            "max_length": f"Give {MAX_VALUES} values or fewer.",
            "empty": "Give at least 2 values.",
        },
    )
    improvement = serializers.ChoiceField(
        choices=IMPROVEMENT_CHOICES,
        help_text="Which way is better: up, down, or neither.",
        error_messages={"invalid_choice": "Improvement must be up, down or neither."},
    )
    baseline = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        min_length=2,
        max_length=2,
        required=False,
        help_text=(
            "Work out the limits from these points only: [first, last), indices from 0, last not "
            "included; for example [0, 12] is the first 12 points. Default: every point."
        ),
    )
    screen_moving_ranges = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave out moving ranges of 3.267 times their mean or more when working out the limits.",
    )

    def validate(self, attrs):
        baseline = attrs.get("baseline")
        if baseline is not None:
            first, last = baseline
            count = len(attrs["values"])
            if not first < last <= count:
                raise serializers.ValidationError(
                    {"baseline": [f"The baseline must lie within the {count} values, first before last."]}
                )
            if last - first < 2:
                raise serializers.ValidationError(
                    {"baseline": ["The baseline must cover at least 2 values."]}
                )
        return attrs


class SpcPointSerializer(serializers.Serializer):
    value = serializers.FloatField()
    special_cause = serializers.BooleanField(help_text="True when the point broke any rule.")
    rules = serializers.ListField(
        child=serializers.ChoiceField(choices=list(spc_rules.RULES_XMR)),
        help_text="The rules the point broke: outside_limits, shift, trend, two_of_three.",
    )
    variation = serializers.ChoiceField(
        choices=list(spc_rules.VARIATIONS),
        help_text=(
            "improvement or concern (special cause on the better or worse side), neither (special "
            "cause when no direction is better), or common (common cause)."
        ),
    )


class SpcResultSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='Always "xmr" (a run chart is not offered here).')
    improvement = serializers.ChoiceField(choices=IMPROVEMENT_CHOICES)
    mean = serializers.FloatField()
    upper_limit = serializers.FloatField(help_text="Mean + 2.66 × mean moving range.")
    lower_limit = serializers.FloatField(help_text="Mean − 2.66 × mean moving range.")
    upper_near = serializers.FloatField(help_text="Start of the near-limit zone above the mean.")
    lower_near = serializers.FloatField(help_text="Start of the near-limit zone below the mean.")
    mean_moving_range = serializers.FloatField()
    baseline = serializers.ListField(
        child=serializers.IntegerField(), help_text="[first, last) used for the limits."
    )
    screened = serializers.BooleanField()
    points = SpcPointSerializer(many=True)


def result(chart: spc_rules.XmR) -> dict:
    return {
        "kind": chart.kind,
        "improvement": chart.improvement,
        "mean": chart.mean,
        "upper_limit": chart.upper_limit,
        "lower_limit": chart.lower_limit,
        "upper_near": chart.upper_near,
        "lower_near": chart.lower_near,
        "mean_moving_range": chart.mean_moving_range,
        "baseline": list(chart.baseline),
        "screened": chart.screened,
        "points": [
            {
                "value": p.value,
                "special_cause": p.special_cause,
                "rules": list(p.rules),
                "variation": p.variation,
            }
            for p in chart.points
        ],
    }


class SpcView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="spc_analyse",
        summary="Analyse a series as an XmR control chart",
        description=(
            "Returns the mean, process limits and each point's special causes by the NHS Making "
            "Data Count rules: outside_limits, shift (7 in a row on one side of the mean), trend "
            "(7 points all rising or all falling) and two_of_three (two of three points near a "
            "limit on one side). The answer is always an XmR chart, even for short series (any "
            "2 values or more); the pages show a run chart instead below 15 points. Nothing is stored."
        ),
        request=SpcRequestSerializer,
        responses={
            200: SpcResultSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"values": ["Value 3 is not a number."]}'),
        },
        examples=[
            OpenApiExample(
                "Request", value={"values": [10, 12, 11, 13, 9], "improvement": "up"}, request_only=True
            )
        ],
        tags=["spc"],
    )
    def post(self, request):
        serializer = SpcRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        chart = spc_rules.xmr(
            data["values"],
            improvement=data["improvement"],
            baseline=tuple(data["baseline"]) if data.get("baseline") else None,
            screen_moving_ranges=data["screen_moving_ranges"],
        )
        return Response(result(chart))
