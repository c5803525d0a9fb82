"""The core's own timeline sources: teams starting and ending care (the record summary's rule) and
the viewer's alerts about the person (their own, as the alert pages show them: a team member's
alerts page lists the alerts sent to them, not their team's, dualcare/notifications/selectors.py)."""

from __future__ import annotations

from django.db.models import Case, F, Q, Value, When
from django.urls import reverse

from dualcare import access
from dualcare.notifications.selectors import alerts_for
from dualcare.people.models import Involvement

from . import sources
from .sources import entries, text


def _involvements(viewer, service_user):
    # Exempt from consent (access.ORG_WRITTEN "people.involvement"): who is involved is what every
    # team that may see the record needs to coordinate care.
    if not access.is_active_staff(viewer) or not access.can_view_record(viewer, service_user):
        return None
    return Involvement.objects.filter(service_user=service_user)


def involvement_starts(viewer, service_user):
    rows = _involvements(viewer, service_user)
    if rows is None:
        return None
    return entries(
        rows,
        key="people.involvement_start",
        at="start",
        timed=False,
        organisation="team__organisation_id",
        organisation_name="team__organisation__name",
        title=text(F("team__name"), " started working with them"),
        detail=Case(
            When(
                key_worker__isnull=False,
                then=text("Key worker: ", F("key_worker__first_name"), " ", F("key_worker__last_name")),
            ),
            default=Value(""),
        ),
        ref="service_user_id",
    )


def involvement_ends(viewer, service_user):
    rows = _involvements(viewer, service_user)
    if rows is None:
        return None
    return entries(
        rows.filter(end__isnull=False),
        key="people.involvement_end",
        at="end",
        timed=False,
        organisation="team__organisation_id",
        organisation_name="team__organisation__name",
        title=text(F("team__name"), " stopped working with them"),
        detail=Case(When(~Q(end_reason=""), then=text("Reason: ", F("end_reason"))), default=Value("")),
        ref="service_user_id",
    )


def alerts(viewer, service_user):
    """The viewer's own alerts about the person, and how each was dealt with: the rows their alerts
    page lists (alerts_for), so a conversation's message, told apart in the conversations inbox,
    is not an alert here too (its link would be a 404)."""
    if not access.is_active_staff(viewer):
        return None
    rows = alerts_for(viewer, service_user=service_user.pk)
    dealt_with = Case(
        When(
            acknowledged_at__isnull=False,
            then=text(
                "Dealt with by ",
                F("acknowledged_by__first_name"),
                " ",
                F("acknowledged_by__last_name"),
                ": ",
                F("acknowledgement_note"),
            ),
        ),
        When(needs_action=True, then=Value("Not dealt with yet")),
        default=Value(""),
    )
    return entries(
        rows,
        key="notifications.alert",
        at="created_at",
        organisation="team__organisation_id",
        organisation_name="team__organisation__name",
        title="subject",
        detail=dealt_with,
    )


def _record(ref) -> str:
    return reverse("service_user_detail", kwargs={"pk": ref})


sources.register(
    "people.involvement_start", kind="involvement", rows=involvement_starts, link=_record, timed=False
)
sources.register(
    "people.involvement_end", kind="involvement", rows=involvement_ends, link=_record, timed=False
)
sources.register(
    "notifications.alert",
    kind="alert",
    rows=alerts,
    link=lambda ref: reverse("alerts:detail", kwargs={"pk": ref}),
)
