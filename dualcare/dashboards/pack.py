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

from . import selectors
from .selectors import LocalityCell, Period, suppress_row

INCIDENTS_SECTION = selectors.section_slug("Incidents")


@dataclass
class PackRow:
    label: str
    cells: list[LocalityCell]  # one per organisation
    total: LocalityCell


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
    return Pack(
        period=period,
        organisations=organisations,
        incident_rows=rows,
        lessons=lessons,
        lessons_count=lessons_count,
        actions=actions,
        actions_count=actions_count,
        locality=selectors.locality(period, legend=False, section=section),
    )
