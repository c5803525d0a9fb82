"""/api/v1/me/...: what a service user's or a carer's token reads, exactly what their portal pages
show them, through the same selectors those pages use, read only.

Each capability app declares its endpoint (`<app>/api_me.py`) on `PersonReadViewSet`; this module
holds the shared rule (who may call them, how a page is audited) and the person's care team.
Staff tokens are refused with 403: staff read people through the staff endpoints.
"""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission

from dualcare import access

from . import selectors
from .models import User


class IsPersonReading(BasePermission):
    """A service user or a carer, reading (the views have no other method)."""

    message = "These endpoints are for service users and carers. Staff use the other endpoints."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.kind in (User.Kind.SERVICE_USER, User.Kind.CARER))


class PersonReadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A paginated, read-only list of what the caller's portal shows them. Subclasses give
    `rows(user)` (built on the portal's selector) and `audit_action`; each page is audited as the
    care-plans person API audits its lists: one row per person shown."""

    permission_classes = [IsPersonReading]
    filter_backends: list = []
    audit_action = ""

    def rows(self, user: User):
        raise NotImplementedError

    def get_queryset(self):
        return self.rows(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        about_someone = [row for row in page if getattr(row, "service_user_id", None)]
        access.audit_list_read(request.user, about_someone, action=self.audit_action)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CareTeamSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="This part of your care team (one service working with you).")
    organisation = serializers.CharField(source="team.organisation.name")
    team = serializers.CharField(source="team.name")
    key_worker = serializers.CharField(
        source="key_worker.display_name", default=None, help_text="null: not named yet."
    )
    phone = serializers.SerializerMethodField(help_text="The team's phone, else the organisation's.")
    email = serializers.SerializerMethodField()
    since = serializers.DateField(source="start", help_text="Working with you since.")

    def get_phone(self, involvement) -> str | None:
        return involvement.team.phone or involvement.team.organisation.phone or None

    def get_email(self, involvement) -> str | None:
        return involvement.team.email or None


class MyCareTeamViewSet(PersonReadViewSet):
    """The services working with you now, and who to contact at each (your home page, "Your
    care team"). A carer's pages show no care team, so a carer's token gets an empty list."""

    serializer_class = CareTeamSerializer
    audit_action = "me.care_team"

    def rows(self, user):
        person = access.service_user_of(user)
        return selectors.care_team_of(person) if person is not None else []


class RecordVisitSerializer(serializers.Serializer):
    started = serializers.DateTimeField()
    ended = serializers.DateTimeField()
    who = serializers.SerializerMethodField(help_text="Who it was.")
    where_they_work = serializers.SerializerMethodField()
    what_they_did = serializers.ListField(source="did", child=serializers.CharField())

    def get_who(self, visit) -> str:
        return visit.actor.display_name if visit.actor else "DualCare (automatic)"

    def get_where_they_work(self, visit) -> str:
        # The words of the "Who has looked at your record" page.
        if visit.organisation_name:
            return visit.organisation_name
        if visit.actor is not None and visit.actor.kind == User.Kind.CARER:
            return "Your carer"
        return "DualCare"


class MyRecordViewsViewSet(PersonReadViewSet):
    """Who has looked at or changed your record: each visit, newest first (your "Who has looked
    at your record" page). A carer's pages have no such list, so a carer's token gets an empty one."""

    serializer_class = RecordVisitSerializer
    audit_action = "me.record_views"

    def list(self, request, *args, **kwargs):
        person = access.service_user_of(request.user)
        visits = selectors.record_views(person) if person is not None else []
        page = self.paginate_queryset(visits)
        described = selectors.record_visits_described(person, page) if person is not None else []
        access.audit_list_read(request.user, [person] if described else [], action=self.audit_action)
        return self.get_paginated_response(self.get_serializer(described, many=True).data)
