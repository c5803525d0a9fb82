"""The analyst's form: a series pasted or uploaded as CSV, read line by line with errors that
name the line, and the choices that shape the chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateformat import format as date_format

from dualcare.people.forms import NHSForm

from . import rules

MAX_POINTS = 1000
MAX_UPLOAD_BYTES = 512 * 1024
MAX_LABEL = 40
MAX_ERRORS_SHOWN = 10
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y")
# A label written as a date in numbers (2026-03-31, 31/03/2026, 31-3-26): it must be a real date.
DATE_SHAPED = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(\d{2})?")


@dataclass(frozen=True)
class Series:
    labels: tuple[str, ...]
    values: tuple[float, ...]

    def as_text(self) -> str:
        """The series as CSV "label,value" lines, to carry it to the download without storing it."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for label, value in zip(self.labels, self.values, strict=True):
            writer.writerow([label, repr(value)])
        return out.getvalue()


def _label(text: str) -> str | None:
    """A date written as people read it (3 Mar 2026); any other label as given; None for one
    written as a date in numbers that is no date (2026-13-45)."""
    for pattern in DATE_FORMATS:
        try:
            return date_format(dt.datetime.strptime(text, pattern).date(), "j M Y")
        except ValueError:
            continue
    return None if DATE_SHAPED.fullmatch(text) else text


def _number(text: str) -> float | None:
    cleaned = text.strip().removesuffix("%").replace(",", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _cells(line: str) -> list[str]:
    # a spreadsheet pastes tab-separated columns; a CSV file uses commas (and quotes)
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")]
    return [cell.strip() for cell in next(csv.reader([line]))]


def parse_series(text: str) -> Series:
    """Read "date,value" lines, or values alone, in time order. A first line whose value
    column holds no digit is a heading and is skipped; blank lines are skipped.

    Raises ValidationError with one message per bad line (the first ten), naming the line.
    """
    labels: list[str] = []
    values: list[float] = []
    errors: list[str] = []
    lines = text.splitlines()
    heading_allowed = True
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        # Only the first line that holds anything may be a heading; after it, a line that
        # cannot be read is named, never skipped unseen.
        may_be_heading, heading_allowed = heading_allowed, False
        cells = _cells(line)
        while len(cells) > 2 and cells[-1] == "":
            cells.pop()  # trailing commas from a spreadsheet export
        if len(cells) == 2 and not cells[1] and _number(cells[0]) is not None:
            cells.pop()  # a value with a trailing comma, not a date without its value
        if len(cells) > 2:
            errors.append(
                f"Line {number} has {len(cells)} columns: give a date and a value, or a value alone."
            )
            continue
        raw_value = cells[-1]
        if may_be_heading and not any(ch.isdigit() for ch in raw_value):
            continue  # the heading, such as "date,value"
        value = _number(raw_value)
        if value is None:
            shown = raw_value if len(raw_value) <= 20 else raw_value[:20] + "…"
            errors.append(
                f"Line {number}: the value is missing."
                if not raw_value
                else f"Line {number}: '{shown}' is not a number."
            )
            continue
        label = cells[0] if len(cells) == 2 else ""
        if len(label) > MAX_LABEL:
            errors.append(f"Line {number}: the date or label must be {MAX_LABEL} characters or fewer.")
            continue
        shown_label = _label(label) if label else ""
        if shown_label is None:
            errors.append(f"Line {number}: '{label}' is not a date. Write it like 2026-03-31 or 31/03/2026.")
            continue
        labels.append(shown_label)
        values.append(value)
    if errors:
        more = len(errors) - MAX_ERRORS_SHOWN
        shown = errors[:MAX_ERRORS_SHOWN]
        if more > 0:
            shown.append(f"And {more} more line{'s' if more != 1 else ''} with errors.")
        raise ValidationError(shown)
    if len(values) < 2:
        raise ValidationError(f"Enter at least 2 values to chart; you entered {len(values)}.")
    if len(values) > MAX_POINTS:
        raise ValidationError(f"Enter {MAX_POINTS} values or fewer; you entered {len(values)}.")
    labels = [label or f"Point {i}" for i, label in enumerate(labels, start=1)]
    return Series(labels=tuple(labels), values=tuple(values))


class SeriesForm(NHSForm):
    data = forms.CharField(
        label="Paste your data",
        help_text=(
            "One point a line, oldest first: a date and a value separated by a comma (for example "
            "2026-03-02,45), or a value alone. You can paste 2 columns from a spreadsheet. "
            "A heading line is skipped."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        # room for MAX_POINTS lines of a label and a value; the lines themselves are checked below
        max_length=MAX_POINTS * (MAX_LABEL + 30),
    )
    file = forms.FileField(
        label="Or upload a CSV file",
        help_text="The same layout: a date and a value on each row, or a value alone. Up to 500 KB.",
        required=False,
    )
    improvement = forms.ChoiceField(
        label="Which way is better?",
        choices=[
            ("up", "Higher is better"),
            ("down", "Lower is better"),
            ("neither", "Neither: show changes without calling them better or worse"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select which way is better."},
    )
    baseline = forms.IntegerField(
        label="Work out the limits from the first points only (optional)",
        help_text=(
            "How many points, from the first, make the baseline period. Leave blank to use every "
            "point. Used for control charts (15 points or more)."
        ),
        required=False,
        min_value=2,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "The number of baseline points must be a whole number, like 12.",
            "min_value": "The baseline needs at least 2 points.",
        },
    )
    recalculate = forms.CharField(
        label="Recalculate the limits from these points (optional)",
        help_text=(
            "When the process changed (a new way of working, say), the point numbers where each new "
            "period starts, counting the first point as 1, separated by commas: for example 20 or "
            "20, 41. Each period gets its own average and limits. Used for control charts."
        ),
        required=False,
        max_length=200,
    )
    screen = forms.BooleanField(
        label="Leave out unusually large moving ranges when working out the limits",
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file must be 500 KB or smaller.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The file must be a CSV file saved as text (UTF-8).") from None
        return parse_series(text)

    def clean_recalculate(self) -> list[int]:
        """Point numbers from 1, as people count them; kept as indices from 0 (rules.xmr's rebase)."""
        text = (self.cleaned_data.get("recalculate") or "").strip()
        if not text:
            return []
        starts = []
        for part in re.split(r"[,\s]+", text):
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(
                    "Give the point numbers as whole numbers separated by commas, like 20, 41."
                )
            starts.append(int(part))
        if any(start < 2 for start in starts):
            raise ValidationError("A new period starts at point 2 or later: point 1 starts the first.")
        return sorted({start - 1 for start in starts})

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("data") or "").strip()
        has_file = bool(self.files.get("file"))
        if text and has_file:
            self.add_error("file", "Paste your data or upload a file, not both.")
            return cleaned
        if not text and not has_file:
            self.add_error("data", "Paste your data or choose a CSV file.")
            return cleaned
        if text:
            try:
                cleaned["series"] = parse_series(text)
            except ValidationError as error:
                self.add_error("data", error)
                return cleaned
        elif "file" in cleaned and cleaned["file"] is not None:
            cleaned["series"] = cleaned["file"]
        series = cleaned.get("series")
        baseline = cleaned.get("baseline")
        if series is not None and baseline is not None and baseline > len(series.values):
            self.add_error(
                "baseline",
                f"The baseline cannot be more points than the data has ({len(series.values)}).",
            )
        starts = cleaned.get("recalculate") or []
        if series is not None and starts:
            bounds = [0, *starts, len(series.values)]
            if starts[-1] >= len(series.values):
                self.add_error(
                    "recalculate",
                    f"The data has {len(series.values)} points: a new period must start within them.",
                )
            elif any(b - a < 2 for a, b in zip(bounds, bounds[1:], strict=False)):
                self.add_error("recalculate", "Each period needs at least 2 points.")
            elif baseline is not None and baseline > starts[0]:
                self.add_error(
                    "baseline",
                    f"The baseline must end before the first recalculation (point {starts[0] + 1}).",
                )
        return cleaned

    def analysis(self) -> rules.XmR | rules.RunChart:
        """The chart the cleaned data call for: a run chart under 15 points, else XmR."""
        series: Series = self.cleaned_data["series"]
        improvement = self.cleaned_data["improvement"]
        if len(series.values) < rules.MIN_POINTS_FOR_XMR:
            return rules.run_chart(series.values, improvement=improvement)
        baseline = self.cleaned_data.get("baseline")
        return rules.xmr(
            series.values,
            improvement=improvement,
            baseline=(0, baseline) if baseline else None,
            rebase=self.cleaned_data.get("recalculate") or None,
            screen_moving_ranges=self.cleaned_data.get("screen", False),
        )
