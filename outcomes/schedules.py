"""When each measure is due (CLINICAL.md): pure date arithmetic, unit-tested across month ends.

TOP: at the start of treatment, every N months (OUTCOME_TOP_REVIEW_MONTHS, default 6), at exit.
HoNOS: at assessment, at review (OUTCOME_HONOS_REVIEW_MONTHS, default 6), at discharge.
A due item has a tolerance window either side of its date (OUTCOME_TOLERANCE_DAYS, default 14):
it shows as due from the window's start and is overdue once the window has closed. A review
counts from the latest baseline or review form of the episode, so a late review moves the next.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings

BASELINE_STAGES = {"top": {"start"}, "honos": {"assessment"}}
REVIEW_STAGES = {"top": {"review"}, "honos": {"review"}}
EXIT_STAGES = {"top": {"exit", "post_treatment_exit"}, "honos": {"discharge"}}
KIND_WORDS = {
    "top": {"baseline": "starting TOP", "review": "TOP review", "exit": "exit TOP"},
    "honos": {"baseline": "first HoNOS", "review": "HoNOS review", "exit": "discharge HoNOS"},
}


def review_months(instrument: str) -> int:
    name = "OUTCOME_TOP_REVIEW_MONTHS" if instrument == "top" else "OUTCOME_HONOS_REVIEW_MONTHS"
    return int(getattr(settings, name, 6))


def tolerance_days() -> int:
    return int(getattr(settings, "OUTCOME_TOLERANCE_DAYS", 14))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day N months on, or the month's last day when it has no such day (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    instrument: str
    kind: str  # baseline, review, exit
    due_on: dt.date
    window_start: dt.date
    window_end: dt.date
    state: str  # upcoming, due, overdue

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"

    @property
    def words(self) -> str:
        return KIND_WORDS[self.instrument][self.kind]

    def days_late(self, today: dt.date) -> int:
        return max(0, (today - self.due_on).days)


def next_due(
    *,
    instrument: str,
    started_on: dt.date,
    ended_on: dt.date | None,
    done: list[tuple[dt.date, str]],
    today: dt.date,
    interval_months: int | None = None,
    tolerance: int | None = None,
) -> Due | None:
    """The next measure due in a treatment episode, given the (date, stage) forms already done."""
    interval_months = review_months(instrument) if interval_months is None else interval_months
    tolerance = tolerance_days() if tolerance is None else tolerance
    window = dt.timedelta(days=tolerance)
    episode = [(day, stage) for day, stage in done if day >= started_on - window]

    def make(kind: str, due_on: dt.date) -> Due:
        start, end = due_on - window, due_on + window
        state = "upcoming" if today < start else ("overdue" if today > end else "due")
        return Due(instrument, kind, due_on, start, end, state)

    if ended_on is not None:
        if any(stage in EXIT_STAGES[instrument] for _, stage in episode):
            return None
        return make("exit", ended_on)
    counted = [
        day for day, stage in episode if stage in BASELINE_STAGES[instrument] | REVIEW_STAGES[instrument]
    ]
    if not any(stage in BASELINE_STAGES[instrument] for _, stage in episode):
        return make("baseline", started_on)
    return make("review", add_months(max(counted), interval_months))
