"""Reads of care plans, already filtered by what the viewer may see (dualcare.access, "Care plans").

Entries of the working plan and of published versions go through the same rule
(CarePlanAccess.sees_entry): own organisation's always, another organisation's with the
person's consent (care_plan; risk for the risk history); the person sees their own
published plan, a carer only the sections the person's grant opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Exists, OuterRef, Prefetch, QuerySet, Subquery, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from dualcare import access
from dualcare.access import CarePlanAccess
from dualcare.people.models import ServiceUser, User
from outcomes.charts import line_chart

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
    GoalRating,
    OwnWords,
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
            return str(words).format(name=known_as)
    if name == "text":
        return str(SECTION_TEXT_LABEL.get(section, FIELD_LABELS["text"]))
    return str(FIELD_LABELS[name])


def reader_owner(owner_kind_label: str, *, reader: str = "person", known_as: str = "") -> str:
    """Who does an action, in words to the reader ("You", "Your carer"); a snapshot keeps the
    owner's staff label, in English, so it is looked up (and translated) here."""
    words = READER_OWNERS[reader].get(owner_kind_label)
    return str(words).format(name=known_as) if words else gettext(owner_kind_label)


def _reader_value(name: str, value, *, reader: str | None, known_as: str):
    if reader and name == "owner_kind" and value in READER_OWNERS[reader]:
        return str(READER_OWNERS[reader][value]).format(name=known_as)
    if name in _CHOICE_FIELDS and isinstance(value, str):
        return gettext(value)  # the snapshot keeps the choice's English label
    return readable(value)


# Fields whose snapshot value is a choice's label (PlanEntry.snapshot_fields), in English.
_CHOICE_FIELDS = ("domain", "owner_kind", "status")


@dataclass
class SectionView:
    key: str
    label: str
    entries: list = field(default_factory=list)
    hidden_count: int = 0  # entries of other organisations this viewer may not see
    in_sentence: str = ""  # the label inside a sentence ("your crisis ...", "Sam's crisis ...")


def with_review_overdue(people: QuerySet, *, user, today: dt.date) -> QuerySet:
    """People annotated with review_overdue: a care plan the user may see whose review date has
    passed (dualcare/people/extensions.py). One EXISTS, served by the plan's review_due index."""
    overdue = access.care_plans_visible_to(
        user, CarePlan.objects.filter(service_user=OuterRef("pk"), review_due__lt=today)
    )
    return people.annotate(review_overdue=Exists(overdue))


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
        label = str(label)
        in_sentence = label[:1].lower() + label[1:]
        if reader:
            label = str(READER_SECTION_LABELS[reader].get(key, label)).format(name=known_as)
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


# ---------------------------------------------------------------------------
# The person's own words and goals (issue 20 item 1)


def own_words_for(user: User, person: ServiceUser) -> QuerySet[OwnWords]:
    """The person's own words the user may see (access.own_words_visible_to): waiting ones first,
    then the newest, with who answered them."""
    rows = OwnWords.objects.filter(service_user=person).exclude(kind=OwnWords.Kind.GOAL)
    return (
        access.own_words_visible_to(user, rows)
        .select_related("answered_by", "answered_by_organisation")
        .order_by(Case(When(state=OwnWords.State.PROPOSED, then=0), default=1), "-created_at")
    )


def goals_for(user: User, person: ServiceUser) -> QuerySet[OwnWords]:
    """The person's own goals the user may see, the newest first, each with its ratings (one query
    more for a page of goals, whatever the ratings)."""
    rows = OwnWords.objects.filter(service_user=person, kind=OwnWords.Kind.GOAL)
    return (
        access.own_words_visible_to(user, rows)
        .select_related("answered_by", "answered_by_organisation")
        .prefetch_related(Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_on", "created_at")))
        .order_by("-created_at")
    )


def goal_progress(goals, *, reader: str = "staff") -> list[OwnWords]:
    """Each goal with its chart (SVG, as the outcome charts are drawn) and the same figures as rows
    for the table beside it; the latest score as `latest`."""
    for goal in goals:
        ratings = list(goal.ratings.all())
        goal.latest = ratings[-1] if ratings else None
        title = (
            _("How you feel you are going: %(goal)s")
            if reader == "person"
            else "How they feel they are going: %(goal)s"
        ) % {"goal": Truncator(goal.text).chars(60)}
        goal.chart = line_chart(
            title=str(title),
            series=[(str(_("Score out of 10")), [(r.rated_on, r.score) for r in ratings])],
            low=1,
            high=10,
        )
        goal.table = ratings
    return goals


def own_words_waiting_count(user: User, person: ServiceUser) -> int:
    return access.own_words_visible_to(
        user, OwnWords.objects.filter(service_user=person, state=OwnWords.State.PROPOSED)
    ).count()
