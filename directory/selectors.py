"""Reads of the service directory: the search (by need, place, who is eligible, open now, words)
and one entry with what its page shows. Entries name no person; who may read them is
access.directory_can_read (any member of staff), checked by the views and the API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Location, Need, OpeningTime, Service

# An outward code (NT1, NT12, SW1A) on its own, as a search by place takes it.
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


@dataclass(frozen=True)
class Search:
    words: str = ""
    need: Need | None = None
    place: str = ""  # a postcode district ("NT1"), a full postcode, or a locality ("Northtown")
    age: int | None = None
    gender: str = ""  # "women" or "men": entries for anyone, or for them
    area: str = ""
    open_now: bool = False
    include_closed: bool = False


def district_of(place: str) -> str | None:
    """The postcode district a place names ("NT1" of "nt1" or "NT1 4AB"), or None for a locality."""
    compact = re.sub(r"\s+", "", place.upper())
    if DISTRICT.match(compact):
        return compact
    if len(compact) > 3 and DISTRICT.match(compact[:-3]) and re.match(r"^[0-9][A-Z]{2}$", compact[-3:]):
        return compact[:-3]
    return None


def open_at(moment: dt.datetime) -> Q:
    """Entries open at this moment (London wall-clock time, as their opening times are)."""
    local = timezone.localtime(moment)
    return Q(
        Exists(
            OpeningTime.objects.filter(
                service=OuterRef("pk"),
                weekday=local.weekday(),
                opens_at__lte=local.time(),
                closes_at__gt=local.time(),
            )
        )
    )


def services_search(search: Search, *, now: dt.datetime | None = None) -> QuerySet[Service]:
    """Entries matching every part of the search, by name. Each part is one indexed condition
    (an EXISTS on the places or opening times, or a column of the entry)."""
    rows = Service.objects.all()
    if not search.include_closed:
        rows = rows.filter(status=Service.Status.ACTIVE)
    for word in search.words.lower().split()[:8]:
        rows = rows.filter(search_text__contains=word)
    if search.need is not None:
        rows = rows.filter(
            Exists(Service.needs.through.objects.filter(service=OuterRef("pk"), need=search.need))
        )
    if search.place:
        district = district_of(search.place)
        if district:
            places = Location.objects.filter(service=OuterRef("pk"), postcode_district=district)
        else:
            places = Location.objects.filter(service=OuterRef("pk"), locality__iexact=search.place.strip())
        rows = rows.filter(Exists(places) | Q(area__iexact=search.place.strip()))
    if search.age is not None:
        rows = rows.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=search.age))
        rows = rows.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=search.age))
    if search.gender in (Service.Gender.WOMEN, Service.Gender.MEN):
        rows = rows.filter(gender__in=[Service.Gender.ANY, search.gender])
    if search.area:
        rows = rows.filter(Q(area="") | Q(area__iexact=search.area.strip()))
    if search.open_now:
        rows = rows.filter(open_at(now or timezone.now()))
    return rows.order_by("name", "pk")


def listed(rows: QuerySet[Service]) -> QuerySet[Service]:
    """What a page of results shows: the provider and team, the needs and places."""
    return rows.select_related("provider", "team").prefetch_related(
        "needs", Prefetch("locations", queryset=Location.objects.order_by("name", "address"))
    )


def entry(pk) -> Service | None:
    """One entry with everything its page and its Open Referral shape show."""
    return (
        Service.objects.select_related("provider", "team", "keeper")
        .prefetch_related("needs", "locations", "opening_times")
        .filter(pk=pk)
        .first()
    )


def full(rows: QuerySet[Service]) -> QuerySet[Service]:
    return rows.select_related("provider", "team", "keeper").prefetch_related(
        "needs", "locations", "opening_times"
    )


def needs() -> QuerySet[Need]:
    return Need.objects.order_by("name")


def kept_by(organisation_ids) -> QuerySet[Service]:
    return Service.objects.filter(keeper_id__in=organisation_ids).select_related("provider", "team", "keeper")


def team_entries(team_id) -> QuerySet[Service]:
    """A participating team's own entries (what a referrer reads before sending to it)."""
    return Service.objects.filter(team_id=team_id).exclude(status=Service.Status.DEFUNCT).order_by("name")


def team_criteria(team_ids) -> dict:
    """Each participating team's own entries (who it takes), by team id, in one query: what a
    referrer reads before sending to that team."""
    criteria: dict = {}
    rows = Service.objects.filter(team_id__in=team_ids).exclude(status=Service.Status.DEFUNCT)
    for service in rows.select_related("team").order_by("team__name", "name"):
        criteria.setdefault(service.team_id, []).append(service)
    return criteria
