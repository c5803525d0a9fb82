"""Finding a person by what staff type in one box: a name, an NHS number or a date of birth.

- Digits only (spaces and dashes allowed, as NHS numbers are written "943 476 5919"): ten digits
  are that NHS number, fewer the NHS numbers that start with them.
- A date, in the formats the app reads dates typed as text (dualcare.spc.forms.DATE_FORMATS:
  14/03/1985, 14-03-1985, 1985-03-14, 14 Mar 1985, 14 March 1985), less the two-digit year, which
  for a date of birth would put 14/03/45 in 2045: that date of birth.
- Anything else is a name: every word must start a given, family or preferred name (so "sam test"
  finds Sam Testwell), case-insensitively. A prefix match, which an index on the upper-cased names
  serves on PostgreSQL (migration people 0004).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from dualcare.spc.forms import DATE_FORMATS

DATE_OF_BIRTH_FORMATS = tuple(pattern for pattern in DATE_FORMATS if "%y" not in pattern)
MAX_NAME_WORDS = 4


def parse_date_of_birth(text: str) -> dt.date | None:
    """The date `text` is written as, in one of DATE_OF_BIRTH_FORMATS, else None."""
    for pattern in DATE_OF_BIRTH_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def nhs_number_digits(text: str) -> str | None:
    """The digits of an NHS number as typed (with or without spaces or dashes), else None."""
    digits = text.replace(" ", "").replace("-", "")
    return digits if digits and digits.isascii() and digits.isdigit() else None


def search_people(people: QuerySet, text: str) -> QuerySet:
    """`people` narrowed to those `text` names (see the module's docstring); all of them when blank."""
    text = " ".join((text or "").split())
    if not text:
        return people
    day = parse_date_of_birth(text)  # first: 04-07-1990 is a date, not the digits 04071990
    if day is not None:
        return people.filter(date_of_birth=day)
    digits = nhs_number_digits(text)
    if digits is not None:
        if len(digits) == 10:
            return people.filter(nhs_number=digits)
        return people.filter(nhs_number__startswith=digits)
    match = Q()
    for word in text.split()[:MAX_NAME_WORDS]:
        match &= (
            Q(family_name__istartswith=word)
            | Q(given_name__istartswith=word)
            | Q(preferred_name__istartswith=word)
        )
    return people.filter(match)
