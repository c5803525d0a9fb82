"""Reading contacts: permission-filtered through dualcare.access, with what the pages and API need."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from dualcare import access
from dualcare.people.models import Involvement, ServiceUser, User

from .models import APPOINTMENT_KINDS, Contact, Kind, Outcome

LIST_RELATED = ("service_user", "team__organisation", "staff", "schedule", "outcome_recorded_by")


def contacts_for(user: User) -> QuerySet[Contact]:
    return access.contacts_visible_to(user).select_related(*LIST_RELATED)


def pharmacy_today(user: User, *, day: dt.date | None = None) -> QuerySet[Contact]:
    """Collections due today at the user's pharmacies, unrecorded first, then by name."""
    day = day or timezone.localdate()
    teams = access.contact_teams_of(user, collections=True).values("pk")
    return (
        contacts_for(user)
        .filter(kind=Kind.COLLECTION, due_on=day, team_id__in=teams)
        .order_by("service_user__family_name", "service_user__given_name")
    )


def pharmacy_not_recorded(user: User, *, day: dt.date | None = None, days: int = 7) -> QuerySet[Contact]:
    """Collections at the user's pharmacies from the `days` days before `day` still not recorded,
    oldest first: what a "not recorded" alert asks the pharmacist to put right."""
    day = day or timezone.localdate()
    teams = access.contact_teams_of(user, collections=True).values("pk")
    return (
        contacts_for(user)
        .filter(
            kind=Kind.COLLECTION,
            outcome="",
            due_on__lt=day,
            due_on__gte=day - dt.timedelta(days=days),
            team_id__in=teams,
        )
        .order_by("due_on", "service_user__family_name", "service_user__given_name")
    )


def team_appointments(user: User, *, start: dt.date, days: int = 7) -> QuerySet[Contact]:
    """Appointments of the user's clinical teams from `start`, for `days` days."""
    teams = access.contact_teams_of(user, collections=False).values("pk")
    return (
        contacts_for(user)
        .filter(
            kind__in=APPOINTMENT_KINDS,
            team_id__in=teams,
            due_on__gte=start,
            due_on__lt=start + dt.timedelta(days=days),
        )
        .order_by("starts_at")
    )


def my_appointments(user: User) -> QuerySet[Contact]:
    """A person's own appointments from today on (not their collections, which they know)."""
    if user.kind != User.Kind.SERVICE_USER:
        return Contact.objects.none()
    return (
        access.contacts_visible_to(user)
        .filter(kind__in=APPOINTMENT_KINDS, due_on__gte=timezone.localdate())
        .exclude(outcome__in=[Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE])
        .select_related("team__organisation")
        .order_by("starts_at")
    )


def disengaged_people(user: User, *, days: int, now: dt.datetime | None = None) -> QuerySet[ServiceUser]:
    """People the user may see, in someone's care, with no attended contact with any agency for
    `days` days (counted from their first open involvement when they have had none).

    Annotated with last_attended and involved_since; one query however many people."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    last_attended = (
        Contact.objects.filter(service_user=OuterRef("pk"), outcome=Outcome.ATTENDED)
        .order_by()
        .values("service_user")
        .annotate(last=Max("starts_at"))
        .values("last")
    )
    involved_since = (
        Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)
        .order_by()
        .values("service_user")
        .annotate(first=Min("start"))
        .values("first")
    )
    return (
        access.service_users_visible_to(user)
        .filter(Exists(Involvement.objects.filter(service_user=OuterRef("pk"), end__isnull=True)))
        .annotate(
            last_attended=Subquery(last_attended, output_field=DateTimeField()),
            involved_since=Subquery(involved_since),
        )
        .filter(
            Q(last_attended__lt=cutoff) | Q(last_attended__isnull=True, involved_since__lte=cutoff.date())
        )
        .order_by(Coalesce("last_attended", Cast("involved_since", DateTimeField())).asc(), "family_name")
    )


def outcome_history(contact: Contact):
    return contact.outcome_events.select_related("by").order_by("at", "pk")
