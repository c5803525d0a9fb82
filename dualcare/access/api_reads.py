"""Audited reads through the API (outcomes, quadrant assessments, contacts).

Part of dualcare.access (see its __init__ for the rules as a whole)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from dualcare.ids import is_uuid
from dualcare.people.models import (
    ServiceUser,
    User,
)

from .records import can_view_record, carer_link_for
from .roles import active_roles, is_active_staff

# ---------------------------------------------------------------------------
# Audited reads through the API (outcomes, quadrant assessments, contacts)
#
# Rule 6: every read of a person's record is audited. A record fetched by id is one row for its
# person (a hidden or missing one: a denied row, and a 404). A page of an API list is a read of
# every person on it: one row per distinct person, written together in a constant number of
# queries (the caller's roles once, one insert), with the organisation acting_organisation gives.
# A list filtered to a person whose record the caller may not see is a denied attempt.


def _acting_organisation_ids(user: User, service_user_ids: list) -> dict:
    """acting_organisation for many people in one query: {person id: organisation id}; the
    key None holds the organisation for a person none of the caller's teams is involved with."""
    from django.db.models import FilteredRelation

    if not is_active_staff(user):
        return {}
    rows = (
        active_roles(user)
        .annotate(
            open_involvement=FilteredRelation(
                "team__involvements",
                condition=Q(
                    team__involvements__end__isnull=True,
                    team__involvements__service_user_id__in=service_user_ids,
                ),
            )
        )
        .order_by("start", "pk")
        .values_list("team__organisation_id", "open_involvement__service_user_id")
    )
    organisations: dict = {}
    for organisation_id, service_user_id in rows:
        organisations.setdefault(None, organisation_id)
        if service_user_id is not None:
            organisations.setdefault(service_user_id, organisation_id)
    return organisations


def audit_list_read(user: User, rows: Iterable, *, action: str, requested=None) -> None:
    """Audit a page of an API list: one row per distinct person among `rows` (records with a
    `service_user_id`), naming the records' kind and how many of that person's were read.
    `requested`: the person the list was filtered to; if none of theirs came back and the caller
    may not see their record, that is written as a denied attempt. Rows may be people themselves."""
    from dualcare.audit.services import audit_reads, audit_record

    counts: dict = {}
    target_type = ""
    for row in rows:
        person_id = row.pk if isinstance(row, ServiceUser) else row.service_user_id
        counts[person_id] = counts.get(person_id, 0) + 1
        target_type = row._meta.label_lower
    if requested is not None and not counts:
        person = ServiceUser.objects.filter(pk=requested).first() if is_uuid(requested) else None
        may_see = person is not None and (
            can_view_record(user, person) or carer_link_for(user, person) is not None
        )
        if not may_see:
            audit_record(
                actor=user,
                action=action,
                service_user=person,
                denied=True,
                detail={"requested_id": str(requested)[:64]},
            )
        return
    if not counts:
        return
    audit_reads(
        actor=user,
        action=action,
        target_type=target_type,
        read=counts,
        organisations=_acting_organisation_ids(user, list(counts)),
    )
