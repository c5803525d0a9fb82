"""/api/v1/link-workers/ (the register, appoint, end, coverage) and /api/v1/link-meetings/
(each meeting with its agenda, attendance, minutes and actions).

Same rules as the pages: someone with no part in the link system gets a 404; an admin of
another organisation appointing gets a 400 on "team"; lists use a fixed number of queries.
"""

from django.db.models import Prefetch
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from dualcare import access, limits
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.people.models import Team, User

from . import selectors, services
from .models import Action, AgendaItem, Appointment, Attendance, Meeting


class _Viewer(BasePermission):
    check = staticmethod(access.linkworkers_can_view_register)

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated and self.check(request.user)):
            raise NotFound("No such page.")
        return True


class RegisterViewer(_Viewer):
    check = staticmethod(access.linkworkers_can_view_register)


class MeetingViewer(_Viewer):
    check = staticmethod(access.linkworkers_can_view_meetings)


def _person(user):
    return {"id": str(user.pk), "name": user.display_name} if user is not None else None


def _team(team):
    org = team.organisation
    return {
        "id": str(team.pk),
        "name": team.name,
        "organisation": {"id": str(org.pk), "name": org.name, "kind": org.kind},
    }


class AppointmentSerializer(serializers.ModelSerializer):
    team = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    deputy = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = ["id", "team", "user", "deputy", "start", "end"]

    def get_team(self, obj) -> dict:
        return _team(obj.team)

    def get_user(self, obj) -> dict:
        return _person(obj.user)

    def get_deputy(self, obj) -> dict | None:
        return _person(obj.deputy)


class AppointmentCreateSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.select_related("organisation"))
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(kind=User.Kind.STAFF))
    deputy = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(kind=User.Kind.STAFF), required=False, allow_null=True
    )
    start = limits.api_date(what="the start date", required=False)
    end = limits.api_date(what="the end date", required=False, allow_null=True)


class EndSerializer(serializers.Serializer):
    end = limits.api_date(what="the end date", required=False)


class LinkWorkerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appointments of link workers, current and past (?current=1 for those in post today)."""

    permission_classes = [RegisterViewer]
    serializer_class = AppointmentSerializer
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        rows = selectors.appointments_list()
        if self.request.query_params.get("current") in ("1", "true"):
            from django.utils import timezone

            rows = rows.filter(selectors.in_force_on(timezone.localdate()))
        return rows

    def create(self, request):
        data = AppointmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            appointment = services.appointment_create(by=request.user, **data.validated_data)
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise ValidationError(error.as_dict()) from error
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        appointment = self.get_object()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not access.linkworkers_can_appoint(request.user, appointment.team):
            return Response({"detail": "Only an admin of the team's organisation can end this."}, status=403)
        try:
            services.appointment_end(
                appointment=appointment, end=data.validated_data.get("end"), by=request.user
            )
        except StateConflict:
            raise  # dualcare.api.exception_handler answers it 409
        except ApplicationError as error:
            raise ValidationError(error.as_dict()) from error
        appointment.refresh_from_db()
        return Response(AppointmentSerializer(appointment).data)

    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """Every active team of every organisation with its link worker(s), or a gap."""
        teams = selectors.coverage()
        results = [
            {
                **_team(team),
                "gap": team.gap,
                "all_leaving": team.all_leaving,
                "link_workers": [
                    {
                        "appointment": str(a.pk),
                        "user": _person(a.user),
                        "deputy": _person(a.deputy),
                        "start": a.start,
                        "end": a.end,
                        "leaving_on": a.leaving_on,
                    }
                    for a in team.link_workers
                ],
            }
            for team in teams
        ]
        return Response(
            {"count": len(results), "covered": sum(1 for r in results if not r["gap"]), "results": results}
        )


class ActionSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "description", "owner", "due_on", "status", "done_on", "item"]

    def get_owner(self, obj) -> dict:
        return _person(obj.owner)


class MeetingListSerializer(serializers.ModelSerializer):
    chair = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = ["id", "title", "starts_at", "ends_at", "location", "chair", "state", "finalised_at"]

    def get_chair(self, obj) -> dict:
        return _person(obj.chair)


class LinkMeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [MeetingViewer]
    serializer_class = MeetingListSerializer
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return Meeting.objects.select_related("chair").order_by("-starts_at", "id")

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset().prefetch_related(
            Prefetch("items", queryset=AgendaItem.objects.order_by("position")),
            Prefetch("attendance", queryset=Attendance.objects.select_related("user", "deputy")),
            Prefetch("actions", queryset=Action.objects.select_related("owner")),
        )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([self._summary(m) for m in page])

    def _summary(self, meeting) -> dict:
        return {
            **MeetingListSerializer(meeting).data,
            "agenda": [
                {
                    "id": str(i.pk),
                    "position": i.position,
                    "kind": i.kind,
                    "title": i.title,
                    "minutes": i.minutes,
                    "decisions": i.decisions,
                }
                for i in meeting.items.all()
            ],
            "attendance": [
                {"user": _person(a.user), "status": a.status, "deputy": _person(a.deputy)}
                for a in meeting.attendance.all()
            ],
            "actions": ActionSerializer(meeting.actions.all(), many=True).data,
        }

    def retrieve(self, request, *args, **kwargs):
        meeting = self.get_object()
        context = selectors.meeting_context(meeting, viewer=request.user)
        selectors.meeting_people_audit(request.user, context, action="linkworkers.meeting.view")
        data = {
            **MeetingListSerializer(meeting).data,
            "agenda": [
                {
                    "id": str(item.pk),
                    "position": item.position,
                    "kind": item.kind,
                    "title": item.title,
                    "minutes": item.minutes,
                    "decisions": item.decisions,
                    "case": {
                        "label": item.case.label,
                        "identified": item.case.identified,
                        "service_user": str(item.case.service_user_id) if item.case.identified else None,
                        "team": item.case.team.name,
                        "notified_at": item.case.notified_at,
                        "brief_history": item.case.brief_history,
                        "mental_health": item.case.mental_health,
                        "substance_use": item.case.substance_use,
                        "current_concerns": item.case.current_concerns,
                        "question": item.case.question,
                    }
                    if item.case
                    else None,
                }
                for item in context["items"]
            ],
            "attendance": [
                {
                    "team": _team(a.team),
                    "user": _person(a.user),
                    "status": a.attendance.status if a.attendance else None,
                    "deputy": _person(a.attendance.deputy) if a.attendance else None,
                }
                for a in context["link_workers"]
            ],
            "actions": ActionSerializer(context["actions"], many=True).data,
            "carried_forward": ActionSerializer(context["carried"], many=True).data,
        }
        return Response(data)
