"""Reads of the carers app; the caller has checked access to the person."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from dualcare.people.models import Carer, CarerPermission, ServiceUser

from .models import AssessmentOffer, CarerNeeds


def carers_of(person: ServiceUser, *, words: str = "") -> QuerySet[Carer]:
    """The person's carers; with `words`, those whose name (their own or their login's) or
    relationship holds every word."""
    rows = Carer.objects.filter(service_user=person, ended_at__isnull=True)
    for word in words.split()[:5]:
        rows = rows.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(relationship__icontains=word)
        )
    return (
        rows.select_related("user")
        .prefetch_related(
            Prefetch(
                "permissions",
                queryset=CarerPermission.objects.filter(revoked_at__isnull=True),
                to_attr="active_permissions",
            )
        )
        .order_by("created_at", "pk")
    )


@dataclass
class CarerRow:
    carer: Carer
    assessment: AssessmentOffer | None
    needs_recorded: bool


def carer_rows(carers) -> list[CarerRow]:
    """A page of carers with the latest assessment state and whether needs are recorded: two queries."""
    carers = list(carers)
    ids = [carer.pk for carer in carers]
    latest: dict = {}
    for offer in AssessmentOffer.objects.filter(carer_id__in=ids).order_by("carer_id", "-on", "-created_at"):
        latest.setdefault(offer.carer_id, offer)
    with_needs = set(
        CarerNeeds.objects.filter(carer_id__in=ids).values_list("carer_id", flat=True).distinct()
    )
    return [CarerRow(carer, latest.get(carer.pk), carer.pk in with_needs) for carer in carers]


def carer_history(carer: Carer) -> dict:
    return {
        "needs": list(CarerNeeds.objects.filter(carer=carer).select_related("recorded_by")[:10]),
        "offers": list(
            AssessmentOffer.objects.filter(carer=carer).select_related("recorded_by", "organisation")[:10]
        ),
    }
