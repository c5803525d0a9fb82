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
    rebase = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        max_length=MAX_VALUES,
        help_text=(
            "Recalculate the limits from these points: indices from 0 where a new period starts "
            "(NHSRplotthedots' rebase). Each period has its own mean and limits, worked out from its "
            "own points, and the rules run within each period; each period needs at least 2 points. "
            "With a baseline, the baseline must lie within one period and sets that period's limits. "
            "Default: one period."
        ),
    )
    screen_moving_ranges = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave out moving ranges of 3.267 times their mean or more when working out the limits.",
    )

    def validate(self, attrs):
        baseline = attrs.get("baseline")
        count = len(attrs["values"])
        rebase = attrs.get("rebase") or []
        bad = [index for index in rebase if index >= count]
        if bad:
            raise serializers.ValidationError(
                {"rebase": [f"A new period must start at a value from 0 to {count - 1}; {bad[0]} given."]}
            )
        starts = sorted({0, *rebase, count})
        short = next((a for a, b in zip(starts, starts[1:], strict=False) if b - a < 2), None)
        if short is not None:
            raise serializers.ValidationError(
                {"rebase": [f"Each period needs at least 2 values: the one from value {short} has 1."]}
            )
        if baseline is not None and rebase and baseline[0] < baseline[1] <= count:
            first, last = baseline
            if any(first < start < last for start in rebase):
                raise serializers.ValidationError(
                    {"baseline": ["The baseline must lie within one period: a new period starts inside it."]}
                )
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
    mean = serializers.FloatField(help_text="The mean in force for this point (its period's).")
    upper_limit = serializers.FloatField(help_text="The upper process limit in force for this point.")
    lower_limit = serializers.FloatField(help_text="The lower process limit in force for this point.")
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


class SpcPeriodSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Index of the period's first value (from 0).")
    end = serializers.IntegerField(help_text="Index after its last value.")
    baseline = serializers.ListField(
        child=serializers.IntegerField(), help_text="[first, last) of the values its limits come from."
    )
    mean = serializers.FloatField()
    upper_limit = serializers.FloatField()
    lower_limit = serializers.FloatField()
    upper_near = serializers.FloatField()
    lower_near = serializers.FloatField()
    mean_moving_range = serializers.FloatField()


class SpcResultSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='Always "xmr" (a run chart is not offered here).')
    improvement = serializers.ChoiceField(choices=IMPROVEMENT_CHOICES)
    mean = serializers.FloatField(help_text="The mean of the last period (each point gives its own).")
    upper_limit = serializers.FloatField(
        help_text="Mean + 2.66 × mean moving range, of the last period (each point gives its own)."
    )
    lower_limit = serializers.FloatField(
        help_text="Mean − 2.66 × mean moving range, of the last period (each point gives its own)."
    )
    upper_near = serializers.FloatField(help_text="Start of the near-limit zone above the mean.")
    lower_near = serializers.FloatField(help_text="Start of the near-limit zone below the mean.")
    mean_moving_range = serializers.FloatField()
    baseline = serializers.ListField(
        child=serializers.IntegerField(), help_text="[first, last) used for the last period's limits."
    )
    screened = serializers.BooleanField()
    rebase = serializers.ListField(
        child=serializers.IntegerField(), help_text="Where each period after the first starts (from 0)."
    )
    periods = SpcPeriodSerializer(many=True, help_text="Each period, oldest first: one without rebase.")
    points = SpcPointSerializer(many=True)


def _period(period: spc_rules.Period) -> dict:
    return {
        "start": period.start,
        "end": period.end,
        "baseline": list(period.baseline),
        "mean": period.mean,
        "upper_limit": period.upper_limit,
        "lower_limit": period.lower_limit,
        "upper_near": period.upper_near,
        "lower_near": period.lower_near,
        "mean_moving_range": period.mean_moving_range,
    }


def result(chart: spc_rules.XmR) -> dict:
    in_force = [chart.period_of(index) for index in range(len(chart.points))]
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
        "rebase": list(chart.rebase),
        "periods": [_period(period) for period in chart.periods],
        "points": [
            {
                "value": p.value,
                "mean": period.mean,
                "upper_limit": period.upper_limit,
                "lower_limit": period.lower_limit,
                "special_cause": p.special_cause,
                "rules": list(p.rules),
                "variation": p.variation,
            }
            for p, period in zip(chart.points, in_force, strict=True)
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
            "limit on one side). With rebase, the limits are recalculated where each new period "
            "starts: every period has its own mean and limits and the rules run within it; each "
            "point gives the mean and limits in force for it, and the top-level figures are those "
            "of the last period. The answer is always an XmR chart, even for short series (any "
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
            rebase=data.get("rebase") or None,
            screen_moving_ranges=data["screen_moving_ranges"],
        )
        return Response(result(chart))
