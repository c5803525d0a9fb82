"""Dashboards in the API: a team's or an organisation's measures week by week with their chart
(run or XmR), limits and special causes, and the locality's de-identified aggregates.

Same rules as the pages (dualcare.access, dashboards section): team managers of the organisation;
one team's or organisation's dashboard is a 404 to anyone who does not manage it, whatever their
role; the locality view is a 403 to other staff; service users and carers get a 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dualcare import access
from dualcare.people.models import User

from . import selectors
from .selectors import Scope

WEEKS = OpenApiParameter(
    "weeks",
    OpenApiTypes.INT,
    description=f"How many whole weeks, up to the latest that has ended: one of {selectors.PERIOD_CHOICES} "
    f"(default {selectors.DEFAULT_WEEKS}).",
    enum=list(selectors.PERIOD_CHOICES),
)


class PointSerializer(serializers.Serializer):
    week = serializers.DateField(help_text="The Monday that starts the week.")
    value = serializers.FloatField(allow_null=True, help_text="Null when it could not be worked out.")
    n = serializers.IntegerField(help_text="How many people (or events) the value is worked out from.")
    mean = serializers.FloatField(
        allow_null=True,
        help_text="On a control chart, the mean in force for this week (its period's, after recalculating).",
    )
    lower_limit = serializers.FloatField(
        allow_null=True,
        help_text="The lower limit in force for this week, as drawn (within 0 to 100 for a %).",
    )
    upper_limit = serializers.FloatField(allow_null=True, help_text="The upper limit in force for this week.")
    special_cause = serializers.BooleanField(allow_null=True)
    rules = serializers.ListField(child=serializers.CharField(), help_text="The rules the point broke.")
    variation = serializers.CharField(allow_null=True, help_text="improvement, concern, neither or common.")


class BaselineSerializer(serializers.Serializer):
    first_week = serializers.DateField(allow_null=True, help_text="Null: limits from every week shown.")
    last_week = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    set_by = serializers.CharField()
    set_at = serializers.DateTimeField()


class MeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    capability = serializers.CharField()
    unit = serializers.CharField()
    improvement = serializers.CharField(help_text="Which direction is better: up, down or neither.")
    chart = serializers.ChoiceField(choices=["run", "xmr"], allow_null=True)
    centre_line = serializers.FloatField(allow_null=True, help_text="The mean (XmR) or the median (run).")
    lower_limit = serializers.FloatField(
        allow_null=True, help_text="As drawn: a percentage's limits are kept within 0 to 100."
    )
    upper_limit = serializers.FloatField(allow_null=True)
    limits_capped = serializers.BooleanField(
        help_text="True when a limit was brought back to 0 or 100, as a proportion cannot go beyond."
    )
    status = serializers.CharField(
        help_text="The latest week's variation: improvement, concern, neither, common."
    )
    summary = serializers.CharField()
    baseline = BaselineSerializer(allow_null=True)
    points = PointSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["team", "organisation"])
    id = serializers.UUIDField()
    name = serializers.CharField()
    first_week = serializers.DateField()
    last_week = serializers.DateField()
    measures = MeasureSerializer(many=True)


class LocalityCellSerializer(serializers.Serializer):
    organisation = serializers.UUIDField(allow_null=True, help_text="Null for the total.")
    value = serializers.FloatField(allow_null=True)
    n = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField(
        help_text="True when hidden: fewer than 5 people, or complementary."
    )


class LocalityWeekSerializer(serializers.Serializer):
    week = serializers.DateField()
    cells = LocalityCellSerializer(many=True)


class LocalityMeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    capability = serializers.CharField()
    unit = serializers.CharField()
    counts_people = serializers.BooleanField()
    weeks = LocalityWeekSerializer(many=True)


class LocalitySectionSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="The value of ?section= that gives this section's measures.")
    heading = serializers.CharField()


class LocalitySerializer(serializers.Serializer):
    first_week = serializers.DateField()
    last_week = serializers.DateField()
    section = serializers.CharField(help_text="The section whose measures are given (?section=).")
    sections = LocalitySectionSerializer(
        many=True, help_text="Every section, in reading order: ask for each in turn for every measure."
    )
    organisations = serializers.ListField(child=serializers.DictField())
    measures = LocalityMeasureSerializer(many=True)


SECTION = OpenApiParameter(
    "section",
    OpenApiTypes.STR,
    description="The section of measures to give (one capability's, as the page shows them one at a time): "
    "a slug from `sections`; the first section when left out.",
)


def _managed(user, *, one_dashboard: bool = False) -> set:
    """The organisations the caller manages. One team's or organisation's dashboard is a 404
    to anyone not managing it, whatever their role (as the pages: dashboards.views)."""
    if user.kind != User.Kind.STAFF or not user.is_active:
        raise Http404("No such dashboard.")
    managed = access.dashboards_managed_organisation_ids(user)
    if not managed:
        if one_dashboard:
            raise Http404("No such dashboard.")
        raise PermissionDenied("Dashboards are for team managers.")
    return managed


def _period(request) -> selectors.Period:
    return selectors.period_for(selectors.parse_weeks(request.query_params.get("weeks")))


def _measure(chart: selectors.MeasureChart) -> dict:
    analysis = chart.analysis
    is_xmr = analysis is not None and analysis.kind == "xmr"
    baseline = chart.baseline
    limits = chart.limits  # (lower, upper, capped), the same numbers as the chart and the CSV
    return {
        "key": chart.key,
        "title": chart.definition.title,
        "capability": chart.definition.capability,
        "unit": chart.definition.unit,
        "improvement": chart.definition.improvement,
        "chart": analysis.kind if analysis is not None else None,
        "centre_line": (analysis.mean if is_xmr else analysis.median) if analysis is not None else None,
        "lower_limit": limits[0] if limits else None,
        "upper_limit": limits[1] if limits else None,
        "limits_capped": bool(limits and limits[2]),
        "status": chart.status,
        "summary": chart.summary,
        "baseline": None
        if baseline is None
        else {
            "first_week": baseline.first_week,
            "last_week": baseline.last_week,
            "reason": baseline.reason,
            "set_by": baseline.created_by.display_name,
            "set_at": baseline.created_at,
        },
        "points": [
            {
                "week": row.week,
                "value": row.value,
                "n": row.n,
                "mean": row.period.mean if row.period else None,
                "lower_limit": row.shown_limits(chart.value_range)[0] if row.period else None,
                "upper_limit": row.shown_limits(chart.value_range)[1] if row.period else None,
                "special_cause": row.point.special_cause if row.point else None,
                "rules": list(row.point.rules) if row.point else [],
                "variation": row.point.variation if row.point else None,
            }
            for row in chart.rows
        ],
    }


class _ScopeView(APIView):
    kind = ""

    def scope(self, request, pk) -> Scope:
        managed = _managed(request.user, one_dashboard=True)
        organisation, team = access.dashboards_dashboard_or_404(managed, self.kind, pk)
        return Scope(organisation=organisation, team=team)

    @extend_schema(parameters=[WEEKS], responses=DashboardSerializer)
    def get(self, request, pk):
        scope = self.scope(request, pk)
        period = _period(request)
        board = selectors.dashboard(scope, period, draw=False)
        payload = {
            "scope": scope.kind,
            "id": scope.pk,
            "name": scope.name,
            "first_week": period.first,
            "last_week": period.last,
            "measures": [_measure(chart) for chart in board.charts],
        }
        return Response(DashboardSerializer(payload).data)


class TeamDashboardView(_ScopeView):
    """A team's dashboard: every measure week by week, analysed as a run or XmR chart."""

    kind = "team"


class OrganisationDashboardView(_ScopeView):
    """An organisation's dashboard: its teams together, every measure week by week."""

    kind = "organisation"


class LocalityDashboardView(APIView):
    """Every participating organisation, per organisation and in total, one section of measures at
    a time (all of them, 104 weeks of twenty organisations, were 1.5 MB); a cell from fewer than 5
    people (and a complementary cell) is suppressed: value and n null, suppressed true."""

    @extend_schema(
        parameters=[WEEKS, SECTION],
        responses={
            200: LocalitySerializer,
            400: OpenApiResponse(
                description='Field errors, e.g. {"section": ["Use one of: referrals, ..."]}'
            ),
        },
    )
    def get(self, request):
        managed = _managed(request.user)
        if not access.dashboards_can_view_locality(request.user, managed):
            raise PermissionDenied("The locality view is for managers of participating organisations.")
        every = selectors.sections()
        section = request.query_params.get("section")
        if section is None:
            section = every[0] if every else ""
        elif section not in every:
            raise ValidationError({"section": [f"Use one of: {', '.join(every)}."]})
        place = selectors.locality(_period(request), draw=False)
        # The answer depends only on the worked-out locality and the section: made once per
        # locality the memo keeps (serialising a section's 5,000-odd cells is most of the request),
        # and kept as its JSON (a few hundred KB, where the serialised dicts would be megabytes).
        answer = place.rendered.get(("api", section))
        if answer is None:
            answer = place.rendered[("api", section)] = JSONRenderer().render(
                self._answer(place, section, every)
            )
        return HttpResponse(answer, content_type="application/json")

    @staticmethod
    def _answer(place, section: str, every: list[str]) -> dict:
        ids = [o.pk for o in place.organisations]
        headings = {selectors.section_slug(heading): heading for heading, _ in place.groups}
        in_section = [
            m for heading, ms in place.groups if selectors.section_slug(heading) == section for m in ms
        ]

        def cell(organisation_id, item):
            return {
                "organisation": organisation_id,
                "value": None if item.suppressed else item.value,
                "n": None if item.suppressed else item.n,
                "suppressed": item.suppressed,
            }

        payload = {
            "first_week": place.period.first,
            "last_week": place.period.last,
            "section": section,
            "sections": [{"slug": slug, "heading": headings.get(slug, slug)} for slug in every],
            "organisations": [{"id": str(o.pk), "name": o.name} for o in place.organisations],
            "measures": [
                {
                    "key": m.definition.key,
                    "title": m.definition.title,
                    "capability": m.definition.capability,
                    "unit": m.definition.unit,
                    "counts_people": m.definition.counts_people,
                    "weeks": [
                        {
                            "week": week.week,
                            "cells": [
                                cell(org_id, item)
                                for org_id, item in zip(ids, week.cells, strict=True)
                                if item is not None
                            ]
                            + ([cell(None, week.total)] if week.total is not None else []),
                        }
                        for week in m.weeks
                    ],
                }
                for m in in_section
            ],
        }
        return LocalitySerializer(payload).data
