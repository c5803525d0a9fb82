"""CSV export of a team's forms over a date range, and CSV import with a row-by-row report.

An import checks every row first (person, permission, every instrument rule) and writes only
when all rows are good, in one transaction: a bad file writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dualcare import access

from . import scoring, services, validation
from .models import (
    TOP_AMOUNT_FIELDS,
    TOP_ITEM_FIELDS,
    TOP_WEEK_FIELDS,
    TOP_WEEKLY_DAYS_FIELDS,
    TOP_WEEKS,
    TOP_YES_NO_FIELDS,
)

HONOS_COLUMNS = [
    "nhs_number",
    "rated_on",
    "stage",
    "rating_period",
    *[f"item{n}" for n in range(1, 13)],
    "item8_type",
    "item8_other",
]
TOP_COLUMNS = ["nhs_number", "completed_on", "stage", *TOP_ITEM_FIELDS, "other_substance_name"]
# Optional columns: section 1's days week by week (alcohol_days_week4 ... _week1, 0-7 each). A file
# without them (the 28-day totals alone, as most returns are) imports as before; the export writes
# them last, blank where a form was given as totals.
TOP_OPTIONAL_COLUMNS = TOP_WEEK_FIELDS
MAX_ROWS = 2000


def _yes_no(value) -> str:
    return "" if value is None else ("Y" if value else "N")


def export_rows(instrument: str, records) -> list[list]:
    """Header and one row per form; blank cells are "not answered" (TOP) and never 0."""
    if instrument == "honos":
        header = [
            *HONOS_COLUMNS,
            "total",
            "unknown_items",
            "behaviour",
            "impairment",
            "symptoms",
            "social",
            "team",
        ]
        rows = [header]
        for r in records:
            score = scoring.honos_score(r.items)
            rows.append(
                [
                    r.service_user.nhs_number,
                    r.rated_on.isoformat(),
                    r.stage,
                    r.rating_period,
                    *r.items,
                    r.item8_type,
                    r.item8_other,
                    score.total,
                    score.unknown_items,
                    *score.subscales.values(),
                    r.team.name if r.team else "",
                ]
            )
        return rows
    rows = [[*TOP_COLUMNS, "team", *TOP_OPTIONAL_COLUMNS]]
    for form in records:
        cells = [form.service_user.nhs_number, form.completed_on.isoformat(), form.stage]
        for name in TOP_ITEM_FIELDS:
            value = getattr(form, name)
            cells.append(_yes_no(value) if name in TOP_YES_NO_FIELDS else ("" if value is None else value))
        cells += [form.other_substance_name, form.team.name if form.team else ""]
        for name in TOP_WEEKLY_DAYS_FIELDS:
            cells += form.days_by_week.get(name) or [""] * len(TOP_WEEKS)
        rows.append(cells)
    return rows


def to_csv(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        # A leading = + - @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@" else c for c in row])
    return out.getvalue()


@dataclass
class RowReport:
    number: int
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[RowReport]
    saved: int = 0
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not row.errors for row in self.rows)


def _date(value):
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _int(value, errors, name):
    value = (value or "").strip()
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        errors.setdefault(name, []).append("Enter a whole number.")
        return None


def _parse_honos(row: dict, errors: dict) -> dict:
    items = []
    for n in range(1, 13):
        value = _int(row.get(f"item{n}"), errors, f"item{n}")
        items.append(value)
    return {
        "rated_on": _date(row.get("rated_on")),
        "stage": (row.get("stage") or "").strip(),
        "rating_period": (row.get("rating_period") or "two_weeks").strip(),
        "items": items,
        "item8_type": (row.get("item8_type") or "").strip().upper(),
        "item8_other": (row.get("item8_other") or "").strip(),
    }


def _parse_top(row: dict, errors: dict) -> dict:
    values: dict = {
        "completed_on": _date(row.get("completed_on")),
        "stage": (row.get("stage") or "").strip(),
        "other_substance_name": (row.get("other_substance_name") or "").strip(),
    }
    for name in TOP_ITEM_FIELDS:
        raw = (row.get(name) or "").strip()
        if name in TOP_YES_NO_FIELDS:
            if raw.upper() in ("Y", "YES"):
                values[name] = True
            elif raw.upper() in ("N", "NO"):
                values[name] = False
            elif raw == "":
                values[name] = None
            else:
                errors.setdefault(name, []).append("Use Y, N or leave blank for not answered.")
        elif name in TOP_AMOUNT_FIELDS:
            try:
                values[name] = Decimal(raw) if raw else None
            except InvalidOperation:
                errors.setdefault(name, []).append("Enter an amount as a number.")
        else:
            values[name] = _int(raw, errors, name)
    for name in TOP_OPTIONAL_COLUMNS:
        if name in row:
            values[name] = _int((row.get(name) or "").strip(), errors, name)
    return values


def import_csv(*, user, instrument: str, text: str) -> ImportReport:
    """Check every row; save all of them (one transaction) only when none has an error."""
    reader = csv.DictReader(io.StringIO(text))
    expected = HONOS_COLUMNS if instrument == "honos" else TOP_COLUMNS
    missing = [c for c in expected if c not in (reader.fieldnames or [])]
    if missing:
        return ImportReport(rows=[], file_errors=[f"Missing columns: {', '.join(missing)}."])
    rows = list(reader)
    if not rows:
        return ImportReport(rows=[], file_errors=["The file has no rows."])
    if len(rows) > MAX_ROWS:
        return ImportReport(rows=[], file_errors=[f"Import at most {MAX_ROWS} rows at a time."])
    people = {
        person.nhs_number: person
        for person in access.service_users_visible_to(user).filter(
            nhs_number__in=[(r.get("nhs_number") or "").strip() for r in rows]
        )
    }
    today = timezone.localdate()
    parsed, reports = [], []
    acting: dict = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        errors: dict = {}
        person = people.get((row.get("nhs_number") or "").strip())
        if person is None:
            errors["nhs_number"] = ["No person with this NHS number on your teams' caseloads."]
        elif person.pk not in acting:
            acting[person.pk] = access.can_act_for(user, person)
        if person is not None and not acting.get(person.pk):
            errors.setdefault("nhs_number", []).append(
                "Only staff of an involved team can record for this person."
            )
        if instrument == "honos":
            values = _parse_honos(row, errors)
            checked = validation.validate_honos(today=today, **values)
        else:
            values = _parse_top(row, errors)
            answers = {k: v for k, v in values.items() if k not in ("completed_on", "stage")}
            checked = validation.validate_top(
                completed_on=values["completed_on"], stage=values["stage"], answers=answers, today=today
            )
        for name, messages in checked.items():
            if name not in errors:
                errors[name] = messages
        reports.append(RowReport(number=number, errors=errors))
        parsed.append((person, values))
    report = ImportReport(rows=reports)
    if not report.ok:
        return report
    with transaction.atomic():
        for person, values in parsed:
            if instrument == "honos":
                services.honos_record(service_user=person, by=user, **values)
            else:
                services.top_record(service_user=person, by=user, **values)
    report.saved = len(parsed)
    return report
