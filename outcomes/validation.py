"""Field-level validation of every instrument against its real ranges (CLINICAL.md).

Each function returns {field: [message]}; empty means valid. Services refuse to save on any
error, so pages and the API show every problem at once and nothing is half-written.

CLINICAL notes on TOP as the form is filled in (issue 17; the TOP community form, NTA):
- Section 1's days are asked week by week, four boxes of 0-7; the 28-day total is their sum
  and stays the stored figure. The total may also be given alone (imports, the API, a form
  copied from paper with only totals); given both, they must agree.
- An average amount on a using day needs the days: an amount with the days not answered is
  refused at the amount; with 0 days, the amount must be left blank (as before).
- Section 2: the form says "if no, enter zero and 'N'" for the sharing questions after 0 days
  of injecting. So with 0 days (or days not answered) a sharing answer of no (N) is accepted,
  as transcribed; only yes is refused, as it contradicts the 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dualcare import limits

from .models import (
    DIALOG_ITEMS,
    HONOS_VALUES,
    TOP_AMOUNT_FIELDS,
    TOP_DAYS_FIELDS,
    TOP_RATING_FIELDS,
    TOP_SUBSTANCES,
    TOP_WEEKLY_DAYS_FIELDS,
    TOP_WEEKS,
    TOP_YES_NO_FIELDS,
    FFTAnswer,
    HonosStage,
    Item8Type,
    RatingPeriod,
    TopStage,
)

MAX_AMOUNT = Decimal("999")
CHOOSE_ONE_ANSWER = "Choose one answer."
COMMENT_TOO_LONG = "Keep the comment to 5,000 characters or fewer."


def honos_item_message(number: int) -> str:
    """An item rated outside the scale (or not as a number), naming the item."""
    return f"Item {number} must be 0, 1, 2, 3, 4, or 9 if not known."


def dialog_item_message(number: int) -> str:
    """A DIALOG item missing or outside 1 to 7, naming what it rates."""
    return f"Rate {DIALOG_ITEMS[number - 1].lower()} from 1 to 7."


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_date(errors: dict, field: str, value, today: dt.date, what: str) -> None:
    if not isinstance(value, dt.date):
        _add(errors, field, f"Enter the date {what}.")
    elif value > today:
        _add(errors, field, f"The date {what} cannot be in the future.")
    elif value < limits.PAST.earliest():
        _add(errors, field, f"The date {what} must be in 2000 or later.")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_honos(
    *, rated_on, stage, items, item8_type, item8_other, rating_period, today: dt.date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_date(errors, "rated_on", rated_on, today, "of the rating")
    if stage not in HonosStage.values:
        _add(errors, "stage", "Choose assessment, review or discharge.")
    if rating_period not in RatingPeriod.values:
        _add(errors, "rating_period", "Choose the period rated.")
    if not isinstance(items, list | tuple) or len(items) != 12:
        _add(errors, "items", "Rate all 12 items.")
        return errors
    for number, value in enumerate(items, start=1):
        if value is None or value == "":
            _add(errors, f"item{number}", f"Rate item {number} (0 to 4, or 9 if not known).")
        elif not _is_int(value) or value not in HONOS_VALUES:
            _add(errors, f"item{number}", honos_item_message(number))
    item8 = items[7]
    if _is_int(item8) and 1 <= item8 <= 4:
        if not item8_type:
            _add(errors, "item8_type", "Item 8 is rated as a problem: choose the type of problem (A to J).")
        elif item8_type not in Item8Type.values:
            _add(errors, "item8_type", "Choose a problem type from A to J.")
        elif item8_type == Item8Type.J and not (item8_other or "").strip():
            _add(errors, "item8_other", "Problem type J (other): say what the problem is.")
    elif item8_type:
        _add(errors, "item8_type", "Give a problem type only when item 8 is rated 1 to 4.")
    if item8_type != Item8Type.J and (item8_other or "").strip() and "item8_type" not in errors:
        _add(errors, "item8_other", "Describe the problem only for type J (other).")
    return errors


def top_weeks(answers: dict, name: str) -> list | None:
    """The four week boxes of a days answer, week 4 first, or None when none was given."""
    weeks = [answers.get(f"{name}_week{week}") for week in TOP_WEEKS]
    return None if all(value is None for value in weeks) else weeks


def top_days_with_weeks(answers: dict) -> tuple[dict, dict]:
    """The days answers with each total worked out from its four weeks where those were given,
    and the weeks themselves ({"alcohol_days": [w4, w3, w2, w1]}). For valid answers only."""
    totals, by_week = {}, {}
    for name in TOP_WEEKLY_DAYS_FIELDS:
        weeks = top_weeks(answers, name)
        if weeks is not None:
            by_week[name] = weeks
            totals[name] = sum(weeks)
    return totals, by_week


def _check_weeks(errors: dict, answers: dict) -> dict:
    """The week boxes' errors; returns the days each answer comes to (the weeks' sum, or the
    total given alone), for the rules that read them."""
    days = {name: answers.get(name) for name in TOP_DAYS_FIELDS}
    for name in TOP_WEEKLY_DAYS_FIELDS:
        weeks = top_weeks(answers, name)
        if weeks is None:
            continue
        bad = False
        for week, value in zip(TOP_WEEKS, weeks, strict=True):
            field = f"{name}_week{week}"
            if value is None:
                _add(
                    errors,
                    field,
                    f"Enter the days in week {week} (0 to 7): give all four weeks, or the total alone.",
                )
                bad = True
            elif not _is_int(value) or not 0 <= value <= 7:
                _add(errors, field, f"Enter a number of days from 0 to 7 for week {week}.")
                bad = True
        if bad:
            days[name] = None
            continue
        total = answers.get(name)
        if total is not None and _is_int(total) and total != sum(weeks):
            _add(
                errors,
                name,
                f"The four weeks add up to {sum(weeks)} days but the total says {total}: correct one, "
                "or leave the total blank and it is worked out from the weeks.",
            )
        days[name] = sum(weeks)
    return days


def validate_top(*, completed_on, stage, answers: dict, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_date(errors, "completed_on", completed_on, today, "the form was completed")
    if stage not in TopStage.values:
        _add(errors, "stage", "Choose start, review, exit or post-treatment exit.")
    for name in TOP_DAYS_FIELDS:
        value = answers.get(name)
        if value is not None and (not _is_int(value) or not 0 <= value <= 28):
            _add(errors, name, "Enter a number of days from 0 to 28, or leave it as not answered.")
    for name in TOP_RATING_FIELDS:
        value = answers.get(name)
        if value is not None and (not _is_int(value) or not 0 <= value <= 20):
            _add(errors, name, "Enter a rating from 0 (poor) to 20 (good), or leave it as not answered.")
    for name in TOP_AMOUNT_FIELDS:
        value = answers.get(name)
        if value is None:
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            _add(errors, name, "Enter an amount as a number, for example 2.5.")
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            _add(errors, name, "Enter an amount from 0 to 999.")
    days = _check_weeks(errors, answers)
    for prefix, label, suffix, unit in TOP_SUBSTANCES:
        used, amount, field = (
            days.get(f"{prefix}_days"),
            answers.get(f"{prefix}_{suffix}"),
            f"{prefix}_{suffix}",
        )
        if amount is None or field in errors or f"{prefix}_days" in errors:
            continue
        if used == 0:
            _add(errors, field, f"{label} was not used on any day: leave the amount blank.")
        elif used is None and not any(f"{prefix}_days_week{week}" in errors for week in TOP_WEEKS):
            _add(
                errors,
                field,
                f"Enter the days {label.lower()} was used in the past 28 as well as the {unit} on a using "
                "day, or leave the amount blank.",
            )
    if (days.get("other_substance_days") or 0) > 0 and not (
        answers.get("other_substance_name") or ""
    ).strip():
        _add(errors, "other_substance_name", "Name the other substance used.")
    for name in TOP_YES_NO_FIELDS:
        value = answers.get(name)
        if value is not None and not isinstance(value, bool):
            _add(errors, name, "Answer yes or no, or leave it as not answered.")
    injecting = answers.get("injecting_days")
    for name in ("shared_needle", "shared_paraphernalia"):
        # "if no, enter zero and 'N'" (the TOP form): no is the answer after 0 days; yes is refused
        if answers.get(name) is True and (injecting is None or injecting == 0) and name not in errors:
            _add(
                errors,
                name,
                "Answer yes only when the person injected on at least one day: with 0 days of "
                "injecting, the answer is no (N).",
            )
    return errors


# An answer whose TOP rule reads other answers: {field: (fields it reads, ...)}. A page or the API
# that could not read one of those skips the rule rather than judge by a missing answer.
TOP_DEPENDS_ON = {
    "shared_needle": ("injecting_days",),
    "shared_paraphernalia": ("injecting_days",),
    "other_substance_name": ("other_substance_days",),
    **{
        f"{prefix}_{suffix}": (f"{prefix}_days", *(f"{prefix}_days_week{week}" for week in TOP_WEEKS))
        for prefix, _label, suffix, _unit in TOP_SUBSTANCES
    },
    # a total is checked against its weeks
    **{name: tuple(f"{name}_week{week}" for week in TOP_WEEKS) for name in TOP_WEEKLY_DAYS_FIELDS},
}


def validate_dialog(*, rated_on, items, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_date(errors, "rated_on", rated_on, today, "of the rating")
    if not isinstance(items, list | tuple) or len(items) != len(DIALOG_ITEMS):
        _add(errors, "items", "Rate all 11 items.")
        return errors
    for number, value in enumerate(items, start=1):
        if not _is_int(value) or not 1 <= value <= 7:
            _add(errors, f"item{number}", dialog_item_message(number))
    return errors


def validate_more_help(more_help) -> dict[str, list[str]]:
    """DIALOG+: the items the person wants more help with, as item numbers 1-11."""
    errors: dict[str, list[str]] = {}
    if not isinstance(more_help, list | tuple) or not all(
        _is_int(number) and 1 <= number <= len(DIALOG_ITEMS) for number in more_help
    ):
        _add(errors, "more_help", "Choose the items they want more help with, by number from 1 to 11.")
    return errors


DIALOG_PLUS_MAX_ACTIONS = 3


def validate_dialog_plus(
    *, item, more_help, understanding, looking_forward, options, actions, owners
) -> dict[str, list[str]]:
    """The four DIALOG+ steps for one item: each step written, and 1 to 3 agreed actions."""
    errors: dict[str, list[str]] = {}
    if not _is_int(item) or item not in (more_help or []):
        _add(errors, "item", "Choose an item the person said they want more help with.")
    steps = {
        "understanding": (understanding, "Write what you understood together (step 1)."),
        "looking_forward": (looking_forward, "Write how they would like things to be (step 2)."),
        "options": (options, "Write the options you explored (step 3)."),
    }
    for name, (value, message) in steps.items():
        if not isinstance(value, str) or not value.strip():
            _add(errors, name, message)
        elif len(value) > 5000:
            _add(errors, name, "Keep this under 5000 characters.")
    if not actions:
        _add(errors, "action1_text", "Agree at least one action (step 4).")
    elif len(actions) > DIALOG_PLUS_MAX_ACTIONS:
        _add(errors, "actions", f"Agree at most {DIALOG_PLUS_MAX_ACTIONS} actions for one item.")
    else:
        for number, action in enumerate(actions, start=1):
            if not action.text or not action.text.strip():
                _add(errors, f"action{number}_text", f"Say what action {number} is.")
            if action.owner_kind not in owners:
                _add(errors, f"action{number}_owner_kind", f"Choose who will do action {number}.")
    return errors


def validate_satisfaction(*, responded_on, answer, comment, today: dt.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    _check_date(errors, "responded_on", responded_on, today, "of the answer")
    if answer not in FFTAnswer.values:
        _add(errors, "answer", CHOOSE_ONE_ANSWER)
    if len(comment or "") > 5000:
        _add(errors, "comment", COMMENT_TOO_LONG)
    return errors
