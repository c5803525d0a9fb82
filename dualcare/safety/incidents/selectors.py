"""Reading incidents, always through access (dualcare/access/incidents.py)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.ids import is_uuid
from dualcare.people.models import Organisation, ServiceUser, User

from .models import Harm, Incident, Kind, ReviewAction, State

MAX_WORDS = 8


def incidents_visible_to(user: User, *, service_user: ServiceUser | None = None) -> QuerySet[Incident]:
    """The incidents the user may read now, the most recent first."""
    return access.incidents_visible_to(user, Incident.objects.all(), service_user=service_user).order_by(
        "-occurred_on", "-created_at", "-pk"
    )


def search(incidents: QuerySet[Incident], words: str) -> QuerySet[Incident]:
    """Incidents whose title or account has every word (case-insensitive)."""
    for word in words.split()[:MAX_WORDS]:
        incidents = incidents.filter(Q(title__icontains=word) | Q(what_happened__icontains=word))
    return incidents


def filtered(incidents: QuerySet[Incident], *, kind: str = "", harm: str = "", state: str = "") -> QuerySet:
    if kind:
        incidents = incidents.filter(kind=kind)
    if harm:
        incidents = incidents.filter(harm=harm)
    if state:
        incidents = incidents.filter(state=state)
    return incidents


def listed() -> QuerySet[Incident]:
    """What a list's page shows of each incident (read by id after the page's ids)."""
    return Incident.objects.select_related("service_user", "organisation", "team")


def incident_or_404(user: User, pk, *, action: str = "incident.view") -> Incident:
    """One incident the user may read, audited as a read (of its person, if it has one); otherwise
    404, audited as denied (with the person, if it exists)."""
    found = (
        access.incidents_visible_to(user, Incident.objects.filter(pk=pk))
        .select_related("service_user", "organisation", "team", "reported_by", "closed_by")
        .first()
        if is_uuid(pk)
        else None
    )
    if found is None:
        hidden = Incident.objects.filter(pk=pk).only("service_user").first() if is_uuid(pk) else None
        audit_record(
            actor=user,
            action=action,
            service_user=hidden.service_user if hidden is not None else None,
            denied=True,
            detail={"requested_id": str(pk)[:64]},
        )
        raise access.Hidden("No such incident.")
    audit_record(actor=user, action=action, target=found, service_user=found.service_user)
    return found


def review(incident: Incident) -> dict:
    """What the incident page shows beside it: its review actions in due order, and the
    organisations it is shared with now. Three queries."""
    actions = list(
        incident.actions.select_related("owner_organisation", "owner", "done_by").order_by(
            "due_date", "created_at"
        )
    )
    ids = access.incident_organisation_ids(
        service_user_id=incident.service_user_id, kind=incident.kind, reporter_id=incident.organisation_id
    )
    organisations = list(Organisation.objects.filter(pk__in=ids).order_by("name"))
    return {"actions": actions, "organisations": organisations}


def action_of(incident: Incident, pk) -> ReviewAction | None:
    return incident.actions.filter(pk=pk).first() if is_uuid(pk) else None


def incidents_for_timeline(viewer: User, service_user: ServiceUser) -> QuerySet[Incident]:
    """The incidents about the person the viewer may read, for the person's timeline."""
    return access.incidents_visible_to(
        viewer, Incident.objects.all(), service_user=service_user
    ).select_related("organisation")


# ---------------------------------------------------------------------------
# The Shared Care meeting pack (dualcare/dashboards/pack.py): de-identified, for managers of the
# participating organisations; no person, no title (a title may say who), no day.

PACK_ROWS = 50  # lessons and open actions shown in a pack; the count says how many in all


def pack_counts(team_ids, first: dt.date, last: dt.date) -> dict:
    """{(organisation id, kind, harm): n} of the incidents the teams reported as happening from
    `first` to `last` (both included). One query."""
    rows = (
        Incident.objects.filter(team_id__in=list(team_ids), occurred_on__gte=first, occurred_on__lte=last)
        .values("organisation_id", "kind", "harm")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["organisation_id"], row["kind"], row["harm"]): row["n"] for row in rows}


def pack_lessons(team_ids, first: dt.date, last: dt.date) -> tuple[list[dict], int]:
    """The lessons learned from incidents the teams reported as happening in the period: each with
    its organisation, kind, harm and month only; (the first PACK_ROWS, how many in all). Two queries."""
    rows = Incident.objects.filter(
        team_id__in=list(team_ids), occurred_on__gte=first, occurred_on__lte=last
    ).exclude(lessons_learned="")
    shown = list(
        rows.order_by("-occurred_on", "pk").values(
            "organisation__name", "kind", "harm", "occurred_on", "lessons_learned", "state"
        )[:PACK_ROWS]
    )
    for row in shown:
        row["kind_label"] = Kind(row["kind"]).label
        row["harm_label"] = Harm(row["harm"]).label
    return shown, rows.count() if len(shown) == PACK_ROWS else len(shown)


def pack_open_actions(team_ids, today: dt.date) -> tuple[list[dict], int]:
    """The open review actions of incidents the teams reported, soonest due first: the action, its
    owning organisation, the due date and whether it is overdue; (the first PACK_ROWS, how many in
    all). Two queries."""
    rows = ReviewAction.objects.filter(
        incident__team_id__in=list(team_ids),
        done_at__isnull=True,
        incident__state__in=[State.OPEN, State.REVIEW],
    )
    shown = list(
        rows.order_by("due_date", "pk").values(
            "text", "owner_organisation__name", "due_date", "incident__kind"
        )[:PACK_ROWS]
    )
    for row in shown:
        row["overdue"] = row["due_date"] < today
        row["kind_label"] = Kind(row["incident__kind"]).label
    return shown, rows.count() if len(shown) == PACK_ROWS else len(shown)
