"""Reads of care plans, already filtered by what the viewer may see (dualcare.access, "Care plans").

Entries of the working plan and of published versions go through the same rule
(CarePlanAccess.sees_entry): own organisation's always, another organisation's with the
person's consent (care_plan; risk for the risk history); the person sees their own
published plan, a carer only the sections the person's grant opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format

from dualcare.access import CarePlanAccess
from dualcare.people.models import ServiceUser

from .models import (
    FIELD_LABELS,
    READER_FIELD_LABELS,
    READER_OWNERS,
    READER_SECTION_LABELS,
    READER_TEXT_LABELS,
    SECTION_FIELDS,
    SECTION_TEXT_LABEL,
    Agreement,
    CarePlan,
    PlanEntry,
    PlanVersion,
    Section,
)


def field_label(section: str, name: str, *, reader: str | None = None, known_as: str = "") -> str:
    """A field's label; for a `reader` ("person" or "carer") in words that speak to them."""
    if reader:
        words = READER_TEXT_LABELS[reader].get(section) if name == "text" else None
        words = words or READER_FIELD_LABELS[reader].get(name)
        if words:
            return words.format(name=known_as)
    if name == "text":
        return SECTION_TEXT_LABEL.get(section, FIELD_LABELS["text"])
    return FIELD_LABELS[name]


def _reader_value(name: str, value, *, reader: str | None, known_as: str):
    if reader and name == "owner_kind" and value in READER_OWNERS[reader]:
        return READER_OWNERS[reader][value].format(name=known_as)
    return readable(value)


@dataclass
class SectionView:
    key: str
    label: str
    entries: list = field(default_factory=list)
    hidden_count: int = 0  # entries of other organisations this viewer may not see
    in_sentence: str = ""  # the label inside a sentence ("your crisis ...", "Sam's crisis ...")


def plan_of(service_user: ServiceUser) -> CarePlan | None:
    return CarePlan.objects.filter(service_user=service_user).first()


def working_sections(acc: CarePlanAccess, plan: CarePlan | None) -> list[SectionView]:
    """The working (unpublished) plan, for staff: visible entries by section, one query."""
    sections = [SectionView(key=value, label=label) for value, label in Section.choices]
    if plan is None or acc.published_only:
        return sections
    by_key = {view.key: view for view in sections}
    entries = (
        PlanEntry.objects.filter(plan=plan, removed_at__isnull=True)
        .select_related("organisation", "author", "updated_by", "owner_worker")
        .order_by("created_at")
    )
    for entry in entries:
        view = by_key[entry.section]
        if acc.sees_entry(entry.section, entry.organisation_id):
            entry.may_edit = acc.may_edit(entry.organisation_id)
            entry.rows = [
                (field_label(entry.section, name), readable(value))
                for name, value in entry.field_values().items()
                if value
            ]
            view.entries.append(entry)
        else:
            view.hidden_count += 1
    risk = by_key[Section.RISK]
    risk.entries.sort(key=lambda entry: entry.recorded_on or timezone.localdate(), reverse=True)
    return sections


def readable(value):
    """Dates as people write them ("22 February 2027"), whether a date or a snapshot's ISO string."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return date_format(value, "j F Y")
    return value


def version_sections(
    acc: CarePlanAccess, version: PlanVersion, *, reader: str | None = None, known_as: str = ""
) -> list[SectionView]:
    """A published version's content as this viewer may see it. `reader` "person" or "carer"
    words the labels to them (the person's known-as name `known_as` for the carer)."""
    sections = []
    for key, label in Section.choices:
        if not acc.sees_section(key):
            continue
        in_sentence = label[:1].lower() + label[1:]
        if reader:
            label = READER_SECTION_LABELS[reader].get(key, label).format(name=known_as)
            # A name keeps its capital.
            in_sentence = (
                label if reader == "carer" and key in READER_SECTION_LABELS["carer"] else label.lower()
            )
        view = SectionView(key=key, label=label, in_sentence=in_sentence)
        for entry in version.entries(key):
            if acc.sees_entry(key, entry["organisation_id"]):
                view.entries.append(
                    {
                        **entry,
                        "rows": [
                            (
                                field_label(key, name, reader=reader, known_as=known_as),
                                _reader_value(name, value, reader=reader, known_as=known_as),
                            )
                            for name, value in entry["fields"].items()
                            if value
                        ],
                    }
                )
            else:
                view.hidden_count += 1
        if key == Section.RISK:
            view.entries.sort(key=lambda entry: entry["fields"].get("recorded_on", ""), reverse=True)
        sections.append(view)
    return sections


def current_version(plan: CarePlan | None) -> PlanVersion | None:
    if plan is None or not plan.current_version_number:
        return None
    return PlanVersion.objects.filter(plan=plan, number=plan.current_version_number).first()


def versions_of(plan: CarePlan | None):
    """The plan's versions, newest first, each with its latest answer from the person (one query)."""
    if plan is None:
        return PlanVersion.objects.none()
    latest = Agreement.objects.filter(
        version=OuterRef("pk"), kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CHANGES]
    ).order_by("-recorded_at")
    return (
        PlanVersion.objects.filter(plan=plan)
        .select_related("published_by", "published_by_organisation")
        .annotate(answer=Subquery(latest.values("kind")[:1]))
        .defer("content")
        .order_by("-number")
    )


@dataclass
class AgreementStatus:
    state: str  # "agreed", "changes", "waiting", "none"
    answer: Agreement | None = None
    carer_views: list = field(default_factory=list)

    @property
    def agreed(self) -> bool:
        return self.state == "agreed"


def agreement_status(version: PlanVersion | None) -> AgreementStatus:
    """Whether the person has agreed this version: their latest answer counts."""
    if version is None:
        return AgreementStatus(state="none")
    answers = list(version.agreements.select_related("recorded_by").order_by("recorded_at"))
    mine = [a for a in answers if a.kind in (Agreement.Kind.AGREED, Agreement.Kind.CHANGES)]
    carers = [a for a in answers if a.kind == Agreement.Kind.CARER_VIEWS]
    if not mine:
        return AgreementStatus(state="waiting", carer_views=carers)
    return AgreementStatus(state=mine[-1].kind, answer=mine[-1], carer_views=carers)


@dataclass
class EntryChange:
    kind: str  # "added", "removed", "changed"
    organisation: str
    rows: list  # (label, before, after)


def compare(
    acc: CarePlanAccess, older: PlanVersion, newer: PlanVersion
) -> list[tuple[str, list[EntryChange]]]:
    """What changed between two versions, section by section, in what this viewer may see.
    Values are compared as stored and shown as people read them (dates "2 December 2026")."""
    result = []
    for key, label in Section.choices:
        if not acc.sees_section(key):
            continue
        before = {e["id"]: e for e in older.entries(key) if acc.sees_entry(key, e["organisation_id"])}
        after = {e["id"]: e for e in newer.entries(key) if acc.sees_entry(key, e["organisation_id"])}
        changes = []
        names = SECTION_FIELDS[key]
        for entry_id, entry in after.items():
            old = before.get(entry_id)
            if old is None:
                rows = [
                    (field_label(key, n), "", readable(entry["fields"].get(n, "")))
                    for n in names
                    if entry["fields"].get(n)
                ]
                changes.append(EntryChange("added", entry["organisation"], rows))
            else:
                rows = [
                    (
                        field_label(key, n),
                        readable(old["fields"].get(n, "")),
                        readable(entry["fields"].get(n, "")),
                    )
                    for n in names
                    if old["fields"].get(n, "") != entry["fields"].get(n, "")
                ]
                if rows:
                    changes.append(EntryChange("changed", entry["organisation"], rows))
        for entry_id, entry in before.items():
            if entry_id not in after:
                rows = [
                    (field_label(key, n), readable(entry["fields"].get(n, "")), "")
                    for n in names
                    if entry["fields"].get(n)
                ]
                changes.append(EntryChange("removed", entry["organisation"], rows))
        result.append((label, changes))
    return result


def plans_for_list(plans):
    """Care plans with what a list shows, in a constant number of queries."""
    return plans.select_related("service_user").prefetch_related(
        Prefetch("versions", queryset=PlanVersion.objects.defer("content").order_by("-number"))
    )


# ---------------------------------------------------------------------------
# Measures (for the dashboards): aggregates only, no person named


def _month_ends(start, end) -> list:
    import datetime as dt

    from dateutil.relativedelta import relativedelta

    months = []
    first = start.replace(day=1)
    while first <= end:
        last = first + relativedelta(months=1) - dt.timedelta(days=1)
        months.append((first, min(last, end)))
        first += relativedelta(months=1)
    return months


def _share(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def care_plan_measures(*, teams, start, end) -> list[dict]:
    """Per team and month, measured on the month's last day (or `end`): of the people the team was
    working with, how many had a published plan, agreed by them, with entries from two or more
    organisations, and not past its review date. Counts and shares; nobody is named.

    Four queries whatever the number of people (teams, involvements, versions, answers).
    """
    from dualcare.people.models import Involvement

    team_list = list(teams)
    team_ids = [team.pk for team in team_list]
    involvements = list(
        Involvement.objects.filter(team_id__in=team_ids, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .values("team_id", "service_user_id", "start", "end")
    )
    people = {row["service_user_id"] for row in involvements}
    versions: dict = {}
    for row in PlanVersion.objects.filter(plan__service_user_id__in=people).values(
        "pk", "plan__service_user_id", "number", "published_at", "review_due", "contributors"
    ):
        row["published_on"] = timezone.localtime(row["published_at"]).date()
        row["organisations"] = sum(1 for org in row["contributors"] if org.get("wrote_entries"))
        versions.setdefault(row["plan__service_user_id"], []).append(row)
    answers: dict = {}
    for row in (
        Agreement.objects.filter(
            version__plan__service_user_id__in=people,
            kind__in=[Agreement.Kind.AGREED, Agreement.Kind.CHANGES],
        )
        .order_by("recorded_at")
        .values("version_id", "kind", "recorded_at")
    ):
        answers.setdefault(row["version_id"], []).append(row)

    rows = []
    for team in team_list:
        team_involvements = [row for row in involvements if row["team_id"] == team.pk]
        for first, last in _month_ends(start, end):
            active = {
                row["service_user_id"]
                for row in team_involvements
                if row["start"] <= last and (row["end"] is None or row["end"] > last)
            }
            counts = {"published": 0, "agreed": 0, "multi_agency": 0, "reviewed_on_time": 0}
            for person_id in active:
                published = [v for v in versions.get(person_id, []) if v["published_on"] <= last]
                if not published:
                    continue
                current = max(published, key=lambda v: v["number"])
                counts["published"] += 1
                said = [
                    a
                    for a in answers.get(current["pk"], [])
                    if timezone.localtime(a["recorded_at"]).date() <= last
                ]
                if said and said[-1]["kind"] == Agreement.Kind.AGREED:
                    counts["agreed"] += 1
                if current["organisations"] >= 2:
                    counts["multi_agency"] += 1
                if current["review_due"] >= last:
                    counts["reviewed_on_time"] += 1
            rows.append(
                {
                    "team_id": team.pk,
                    "team": team.name,
                    "month": first,
                    "active": len(active),
                    **counts,
                    **{f"{name}_share": _share(count, len(active)) for name, count in counts.items()},
                }
            )
    return rows


# ---------------------------------------------------------------------------
# Dashboard measures (dualcare.dashboards.measures): weekly, aggregated in the database


from zoneinfo import ZoneInfo  # noqa: E402

from django.db.models import Count, DateField, Exists, F, IntegerField  # noqa: E402
from django.db.models.functions import Coalesce, TruncDate, TruncWeek  # noqa: E402

from dualcare.dashboards.measures import Cell, MeasureDef, percent, week_bounds, week_start  # noqa: E402

LONDON = ZoneInfo("Europe/London")
AGREEMENT_WINDOW = dt.timedelta(days=28)
_CAPABILITY = "Care plans"

DASHBOARD_MEASURES = [
    MeasureDef(
        key="careplans.published",
        title="Care plans published",
        capability=_CAPABILITY,
        unit="plans",
        improvement="neither",
        description=(
            "New versions of shared care plans published that week for people the team was working with."
        ),
    ),
    MeasureDef(
        key="careplans.agreed",
        title="Care plans agreed by the person within 4 weeks",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan versions published that week (at least 4 weeks ago), the share the person "
            "agreed, in DualCare or in person, within 4 weeks of publishing."
        ),
    ),
    MeasureDef(
        key="careplans.multi_agency",
        title="Care plans written by two or more organisations",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan versions published that week, the share with entries from at least two "
            "organisations when they were published."
        ),
    ),
    MeasureDef(
        key="careplans.reviews_on_time",
        title="Care plan reviews on time",
        capability=_CAPABILITY,
        unit="%",
        improvement="up",
        description=(
            "Of the care plan reviews due that week, the share where a new version was published by the "
            "review date."
        ),
    ),
]


def _involved_on(day_field: str, team_ids) -> Q:
    """The plan's person had an involvement with one of the teams on the date in `day_field`."""
    prefix = "plan__service_user__involvements__"
    return Q(**{f"{prefix}team_id__in": team_ids, f"{prefix}start__lte": F(day_field)}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": F(day_field)})
    )


def weekly_measures(team_ids, start: dt.date, end: dt.date, *, group: str = "all") -> dict:
    """The care plan measures (see DASHBOARD_MEASURES). A plan counts for a team when its person
    was involved with the team on the day it was published (or its review was due). Two queries."""
    team_ids = list(team_ids)
    first, after = week_bounds(start, end)
    now = timezone.now()
    keys = {}
    if group == "organisation":
        keys["group_key"] = F("plan__service_user__involvements__team__organisation_id")
    # Organisations with entries in the plan at the moment of publishing.
    organisations = (
        PlanEntry.objects.filter(plan=OuterRef("plan"), created_at__lte=OuterRef("published_at"))
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gt=OuterRef("published_at")))
        .order_by()
        .values("plan")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    agreed = Agreement.objects.filter(
        version=OuterRef("pk"),
        kind=Agreement.Kind.AGREED,
        recorded_at__lte=OuterRef("published_at") + AGREEMENT_WINDOW,
    )
    published = (
        PlanVersion.objects.filter(published_at__gte=first, published_at__lt=after)
        .annotate(
            published_on=TruncDate("published_at", tzinfo=LONDON),
            organisations=Coalesce(Subquery(organisations, output_field=IntegerField()), 0),
            agreed=Exists(agreed),
        )
        .filter(_involved_on("published_on", team_ids))
        .values(week=TruncWeek("published_at", tzinfo=LONDON, output_field=DateField()), **keys)
        .annotate(
            published=Count("pk", distinct=True),
            answerable=Count("pk", distinct=True, filter=Q(published_at__lte=now - AGREEMENT_WINDOW)),
            agreed_n=Count(
                "pk", distinct=True, filter=Q(published_at__lte=now - AGREEMENT_WINDOW, agreed=True)
            ),
            multi_agency=Count("pk", distinct=True, filter=Q(organisations__gte=2)),
        )
        .order_by()
    )
    result: dict[str, dict] = {measure.key: {} for measure in DASHBOARD_MEASURES}
    for row in published:
        key = (row.get("group_key"), week_start(row["week"]))
        result["careplans.published"][key] = Cell(row["published"], row["published"])
        result["careplans.multi_agency"][key] = Cell(
            percent(row["multi_agency"], row["published"]), row["published"]
        )
        if row["answerable"]:
            result["careplans.agreed"][key] = Cell(
                percent(row["agreed_n"], row["answerable"]), row["answerable"]
            )

    # A review is done on time when a later version is published on or before the review date.
    later = PlanVersion.objects.annotate(on=TruncDate("published_at", tzinfo=LONDON)).filter(
        plan=OuterRef("plan"), number__gt=OuterRef("number"), on__lte=OuterRef("review_due")
    )
    last_day = min(end + dt.timedelta(days=6), timezone.localdate() - dt.timedelta(days=1))
    reviews = (
        PlanVersion.objects.filter(review_due__gte=start, review_due__lte=last_day)
        .annotate(done=Exists(later))
        .filter(_involved_on("review_due", team_ids))
        .values(week=TruncWeek("review_due"), **keys)
        .annotate(due=Count("pk", distinct=True), on_time=Count("pk", distinct=True, filter=Q(done=True)))
        .order_by()
    )
    for row in reviews:
        key = (row.get("group_key"), week_start(row["week"]))
        result["careplans.reviews_on_time"][key] = Cell(percent(row["on_time"], row["due"]), row["due"])
    return result
