"""Input limits, defined once: how long free text may be, which characters it may hold and
which dates make sense. Forms (every NHSForm) and the API serializers both use them, so a
page and the API refuse the same input with the same plain words.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

NAME = 100  # a first, last or preferred name
SHORT_TEXT = 300  # one line: a place, a title, a short note
NOTE = 2000  # a note on a referral or an alert
LONG_TEXT = 5000  # a reason, a rationale, a care-plan entry, minutes
LARGEST_WHOLE_NUMBER = 2_147_483_647  # what an integer column holds

# A line break or a tab is fine in a box of several lines; nothing else invisible is.
_MULTILINE_REMOVED = str.maketrans("", "", "\n\r\t")


def too_long_message(what: str | None, limit: int) -> str:
    if what:
        return gettext("Enter %(what)s of %(limit)s characters or fewer.") % {
            "what": what,
            "limit": f"{limit:,}",
        }
    return gettext("Enter %(limit)s characters or fewer.") % {"limit": f"{limit:,}"}


def hidden_characters_message(what: str | None) -> str:
    return gettext(
        "Remove the hidden characters (control codes copied from another system) from %(what)s. "
        "Type it again rather than pasting it."
    ) % {"what": what or gettext("this box")}


def has_hidden_characters(value: str, *, multiline: bool) -> bool:
    """Control (Cc) or format (Cf) characters, other than line breaks and tabs in multi-line text."""
    text = value.translate(_MULTILINE_REMOVED) if multiline else value
    if text.isprintable():  # the usual case, answered in C: nothing hidden at all
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text if not ch.isprintable())


def _hidden_ranges(*, multiline: bool) -> list[tuple[int, int]]:
    """The Basic Multilingual Plane's control and format characters, as (first, last) ranges."""
    allowed = {ord(ch) for ch in "\n\r\t"} if multiline else set()
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if code in allowed or unicodedata.category(chr(code)) not in ("Cc", "Cf"):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return ranges


@cache
def no_hidden_characters_pattern(*, multiline: bool) -> str:
    """The same rule as an OpenAPI `pattern` (ECMA-262, so \\uXXXX escapes, no Unicode classes).

    It covers the Basic Multilingual Plane, which is all such a pattern can name without the u
    flag; the 120 format characters beyond it (tag characters, musical-notation controls) are
    still refused by the check itself."""
    escaped = "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in _hidden_ranges(multiline=multiline)
    )
    return f"^[^{escaped}]*$"


@deconstructible
class NoHiddenCharacters:
    code = "hidden_characters"

    def __init__(self, *, what: str | None = None, multiline: bool = False):
        self.what = what
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str) and has_hidden_characters(value, multiline=self.multiline):
            raise ValidationError(hidden_characters_message(self.what), code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, NoHiddenCharacters) and (self.what, self.multiline) == (
            other.what,
            other.multiline,
        )


# ---------------------------------------------------------------------------
# Dates


def _today() -> dt.date:
    return timezone.localdate()


def _years_ahead(years: int) -> Callable[[], dt.date]:
    def latest() -> dt.date:
        today = _today()
        try:
            return today.replace(year=today.year + years)
        except ValueError:  # 29 February
            return today.replace(year=today.year + years, day=28)

    return latest


@dataclass(frozen=True)
class DateWindow:
    """The dates a kind of date may take; the messages use {What} for the field's own words."""

    earliest: Callable[[], dt.date]
    latest: Callable[[], dt.date]
    too_early: str
    too_late: str

    def problem(self, value: dt.date, what: str = "the date") -> str | None:
        what = what[0].upper() + what[1:]
        if value < self.earliest():
            return self.too_early.format(What=what)
        if value > self.latest():
            return self.too_late.format(What=what)
        return None


BIRTH = DateWindow(
    earliest=lambda: dt.date(1900, 1, 1),
    latest=_today,
    too_early="Date of birth must be in 1900 or later.",
    too_late="Date of birth must be in the past.",
)
# Something that happened or is planned in a person's care: an assessment, a meeting, a review.
RECORD = DateWindow(
    earliest=lambda: dt.date(2000, 1, 1),
    latest=_years_ahead(10),
    too_early="{What} must be in 2000 or later.",
    too_late="{What} must be within 10 years from today.",
)
# Something that has happened: an assessment, a rating, a questionnaire answered.
PAST = DateWindow(
    earliest=lambda: dt.date(2000, 1, 1),
    latest=_today,
    too_early="{What} must be in 2000 or later.",
    too_late="{What} cannot be in the future.",
)
APPOINTMENT = DateWindow(
    earliest=lambda: dt.date(2000, 1, 1),
    latest=_years_ahead(2),
    too_early="{What} must be in 2000 or later.",
    too_late="{What} must be within 2 years from today.",
)
# A goal's or an action's target: set for today or later.
TARGET = DateWindow(
    earliest=_today,
    latest=_years_ahead(10),
    too_early="{What} must be today or in the future.",
    too_late="{What} must be within 10 years from today.",
)


@deconstructible
class InWindow:
    code = "date_window"

    def __init__(self, window: DateWindow, what: str):
        self.window = window
        self.what = what

    def __call__(self, value) -> None:
        if isinstance(value, dt.date):
            problem = self.window.problem(value, self.what)
            if problem:
                raise ValidationError(problem, code=self.code)


# ---------------------------------------------------------------------------
# Form fields (django.forms): NHSForm applies these to every field it has.


def text(*, what: str, max_length: int, multiline: bool = False, hint: bool = True, **kwargs):
    """A form text field whose messages name what it holds ("Enter a reason of 5,000 characters
    or fewer"); a box of several lines says its limit in the hint."""
    from django import forms

    if multiline:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": kwargs.pop("rows", 4)}))
        if hint:
            # Lazy: a form's fields are made at import, and the words are the reader's language.
            limit = format_lazy(gettext_lazy("Up to {limit} characters."), limit=f"{max_length:,}")
            kwargs["help_text"] = (
                format_lazy("{} {}", kwargs["help_text"], limit) if kwargs.get("help_text") else limit
            )
    field = forms.CharField(max_length=max_length, **kwargs)
    field.what = what
    return field


def limit_form_field(field) -> None:
    """Give a form field its limits and plain messages, unless the form set its own."""
    from django import forms

    if getattr(field, "limited", False):
        return
    field.limited = True
    if isinstance(field, forms.CharField) and not field.widget.is_hidden:
        what = getattr(field, "what", None)
        multiline = isinstance(field.widget, forms.Textarea)
        if field.max_length is None:
            field.max_length = LONG_TEXT if multiline else SHORT_TEXT
            field.validators.append(MaxLengthValidator(field.max_length))
        field.error_messages.setdefault("max_length", too_long_message(what, field.max_length))
        # One message for NUL and every other hidden character, in our words, not Django's.
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        field.validators.append(NoHiddenCharacters(what=what, multiline=multiline))
    elif isinstance(field, forms.IntegerField | forms.DecimalField):
        # Django's own words ("Ensure this value is less than or equal to ...") are not ours.
        if field.max_value is not None:
            field.error_messages.setdefault("max_value", f"Enter a number of {field.max_value:,} or less.")
        elif isinstance(field, forms.IntegerField):
            field.validators.append(_largest_whole_number)
        if field.min_value is not None:
            field.error_messages.setdefault("min_value", f"Enter a number of {field.min_value:,} or more.")
        elif isinstance(field, forms.IntegerField):
            field.validators.append(_smallest_whole_number)


def _largest_whole_number(value) -> None:
    if value is not None and value > LARGEST_WHOLE_NUMBER:
        raise ValidationError("Enter a smaller number.", code="too_large")


def _smallest_whole_number(value) -> None:
    if value is not None and value < -LARGEST_WHOLE_NUMBER:
        raise ValidationError("Enter a larger number.", code="too_small")


# ---------------------------------------------------------------------------
# API fields (DRF): the same limits and words for the same inputs.


class LimitedText(serializers.CharField):
    """A DRF text field with a length limit, no hidden characters, and the page's messages.

    A class, not a configured instance: DRF copies declared fields by calling __init__ again
    with the same arguments, so anything set after __init__ would be lost."""

    def __init__(self, *, what: str, multiline: bool = False, **kwargs):
        messages = kwargs.pop("error_messages", {})
        limit = kwargs.get("max_length")
        # DRF formats this message with str.format, so braces stay escaped in it.
        too_long = too_long_message(what, limit).replace("{", "{{").replace("}", "}}") if limit else None
        super().__init__(error_messages={"max_length": too_long, **messages}, **kwargs)
        self.validators = [
            *(v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)),
            NoHiddenCharacters(what=what, multiline=multiline),
        ]


def api_text(*, what: str, max_length: int, multiline: bool = False, **kwargs) -> LimitedText:
    return LimitedText(what=what, max_length=max_length, multiline=multiline, **kwargs)


class AsciiDate(serializers.DateField):
    """An ISO date in ASCII digits: Python's date parsing also takes full-width ones."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


def api_date(*, what: str, window: DateWindow | None = RECORD, **kwargs) -> serializers.DateField:
    """A DRF date field refusing dates outside the window, in the page's words. window=None
    where a validation module checks the date along with the rest, to report all at once."""
    return AsciiDate(
        validators=[InWindow(window, what)] if window else [],
        error_messages={"invalid": f"Enter {what} as a date like 2026-03-15."},
        **kwargs,
    )


def api_whole_number(*, what: str, min_value: int, max_value: int, **kwargs) -> serializers.IntegerField:
    message = f"Enter {what} as a whole number from {min_value:,} to {max_value:,}."
    return serializers.IntegerField(
        min_value=min_value,
        max_value=max_value,
        error_messages={
            "invalid": message,
            "min_value": message,
            "max_value": message,
            "max_string_length": message,
        },
        **kwargs,
    )
