"""The Shared Care meeting pack (issue 19 item 4): for the locality (every participating
organisation, as the locality dashboard) and a period, what a Shared Care meeting or a biannual
meeting works from. Each organisation's performance on the dashboards' measures (the locality's
figures by organisation, with their charts), incidents and near misses by level of harm and
complaints by organisation, the lessons learned, and the review actions still open.

De-identified: counts by organisation, and for lessons and actions their words, organisation,
kind and month only, never the person, the incident's title or its day. Counts of incidents use the
locality view's small-number suppression (selectors.suppress_row): a count of 1 to 4 shows as
"fewer than 5", with complementary cells, so none can be worked out from the total.
"""

from __future__ import annotations

from dataclasses import dataclass

from dualcare import clock
from dualcare.access import dashboards_participating_organisations
from dualcare.dashboards.measures import Cell
from dualcare.safety.incidents import selectors as incidents
from dualcare.safety.incidents.models import Harm, Kind
from dualcare.safety.incidents.monthly import MonthlyChart, monthly_harm_chart

from . import selectors
from .models import AgreedMeasure
from .selectors import LocalityCell, Period, suppress_row

INCIDENTS_SECTION = selectors.section_slug("Incidents")


@dataclass
class PackRow:
    label: str
    cells: list[LocalityCell]  # one per organisation
    total: LocalityCell


@dataclass
class AgreedRow:
    """How one organisation did on one measure it agreed: its latest week's figure, and in how
    many of the period's weeks it met its target (weeks whose figure is shown; a suppressed or
    missing week is neither met nor missed)."""

    agreed: AgreedMeasure
    definition: object  # MeasureDef
    latest: LocalityCell | None
    latest_week: object  # date | None
    weeks_met: int | None  # None: no target, or a measure with no better direction
    weeks_shown: int

    @property
    def target_text(self) -> str:
        if self.agreed.target is None:
            return "No target"
        value = selectors.format_value(float(self.agreed.target), self.definition.unit)
        return {"up": f"at least {value}", "down": f"at most {value}"}.get(self.definition.improvement, value)


@dataclass
class AgreedGroup:
    organisation: object
    rows: list[AgreedRow]


@dataclass
class Pack:
    period: Period
    organisations: list
    incident_rows: list[PackRow]
    lessons: list[dict]
    lessons_count: int
    actions: list[dict]
    actions_count: int
    locality: selectors.Locality
    agreed: list[AgreedGroup]
    monthly: MonthlyChart  # incidents with harm per 1,000 a month, the last 24 complete months


def _row(label: str, counts: list[int]) -> PackRow:
    cells = [Cell(n, n) for n in counts]
    total = Cell(sum(counts), sum(counts))
    hidden, total_hidden = suppress_row(cells, total)
    shown = [
        LocalityCell(None, None, True) if i in hidden else LocalityCell(cell.value, cell.n)
        for i, cell in enumerate(cells)
    ]
    return PackRow(
        label=label,
        cells=shown,
        total=LocalityCell(None, None, True) if total_hidden else LocalityCell(total.value, total.n),
    )


def _met(value: float, target: float, improvement: str) -> bool | None:
    if improvement == "up":
        return value >= target
    if improvement == "down":
        return value <= target
    return None


def agreed_groups(locality: selectors.Locality) -> list[AgreedGroup]:
    """Each participating organisation's agreed measures in force (one query), with its figures from
    the locality's (already suppressed) cells: what a Shared Care meeting holds it to."""
    index = {o.pk: i for i, o in enumerate(locality.organisations)}
    by_key = {m.definition.key: m for m in locality.measures}
    agreed: dict = {}
    for row in AgreedMeasure.objects.filter(
        organisation_id__in=list(index), withdrawn_at__isnull=True
    ).order_by("measure_key"):
        agreed.setdefault(row.organisation_id, []).append(row)
    groups = []
    for organisation in locality.organisations:
        rows = []
        for row in agreed.get(organisation.pk, []):
            measure = by_key.get(row.measure_key)
            if measure is None:  # a measure no longer offered: nothing to show it against
                continue
            i = index[organisation.pk]
            shown = [
                (week.week, week.cells[i])
                for week in measure.weeks
                if week.cells[i] is not None
                and not week.cells[i].suppressed
                and week.cells[i].value is not None
            ]
            latest_week, latest = shown[-1] if shown else (None, None)
            weeks_met = None
            if row.target is not None and measure.definition.improvement in ("up", "down"):
                target = float(row.target)
                weeks_met = sum(
                    1 for _, cell in shown if _met(cell.value, target, measure.definition.improvement)
                )
            rows.append(
                AgreedRow(
                    agreed=row,
                    definition=measure.definition,
                    latest=latest,
                    latest_week=latest_week,
                    weeks_met=weeks_met,
                    weeks_shown=len(shown),
                )
            )
        groups.append(AgreedGroup(organisation=organisation, rows=rows))
    return groups


def pack(period: Period, *, section: str | None = INCIDENTS_SECTION) -> Pack:
    """The pack over the period. `section`: the dashboards' section whose charts are drawn (the
    page draws the incidents' and links to the others; the PDF, None, draws every one)."""
    organisations = list(dashboards_participating_organisations())
    team_ids = selectors.locality_team_ids()
    last_day = period.ends
    counts = incidents.pack_counts(team_ids, period.first, last_day)

    def row(label, kind, harms):
        return _row(label, [sum(counts.get((o.pk, kind, h), 0) for h in harms) for o in organisations])

    rows = [row(f"Incidents: {label.lower()}", Kind.INCIDENT, [value]) for value, label in Harm.choices]
    rows.append(row("Near misses", Kind.NEAR_MISS, Harm.values))
    rows.append(row("Complaints", Kind.COMPLAINT, Harm.values))
    lessons, lessons_count = incidents.pack_lessons(team_ids, period.first, last_day)
    actions, actions_count = incidents.pack_open_actions(team_ids, clock.today())
    locality = selectors.locality(period, legend=False, section=section)
    return Pack(
        period=period,
        organisations=organisations,
        incident_rows=rows,
        lessons=lessons,
        lessons_count=lessons_count,
        actions=actions,
        actions_count=actions_count,
        locality=locality,
        agreed=agreed_groups(locality),
        monthly=monthly_harm_chart(
            team_ids, today=clock.today(), scope_name="every participating organisation"
        ),
    )
