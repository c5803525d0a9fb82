"""The NDTMS TOP extract (issue 21, item 3): a drug and alcohol service's Treatment Outcomes
Profiles for a date range, checked row by row, as a CSV for its National Drug Treatment Monitoring
System return.

The specification. The brief asks for the format NDTMS takes from software suppliers (the "NDTMS
adult drug and alcohol core data set" and its TOP data items, with their business definitions). A
search of the public material this project can reach (documentation, web pages and public code;
4 December 2026: "NDTMS core data set TOP data items", "NDTMS treatment outcomes profile data
item business definition", "NDTMS CDS TOP csv file specification software suppliers", "National
Drug Treatment Monitoring System Treatment Outcomes Profile") found no copy of it: the core data
set and its technical definitions are issued to registered suppliers, not published where we
could read them. So this is built to the published TOP form's fields (the TOP community form,
National Treatment Agency; the items as CLINICAL.md and outcomes.models hold them), and plainly:

- the column names below are DualCare's, one per item of the form, not NDTMS field codes, and
  the values are as the form asks (days 0-28, amounts, ratings 0-20, Y or N; an item not
  answered is an empty cell, never 0). A supplier with the specification maps the columns, or
  this module's COLUMNS is changed to its codes: nothing else needs to.
- the client is identified by the DualCare client id, NHS number, initials and date of birth.
- the checks are DualCare's: a row is held back (listed in the validation report, not in the
  file) when the person has no NHS number, when no item of the form is answered, or when the form
  falls outside its window (NDTMS_TOP_WINDOW_DAYS, default 28: a start TOP within 28 days of the
  start of an episode of the service's care, an exit TOP within 28 days of its end, a review TOP
  during an episode or up to 28 days after it, a post-treatment exit TOP after an episode ended).
  The window rule is *unverified* against NDTMS's own and is configurable, as CLINICAL.md asks.

The checks are SQL annotations, so the report pages, counts and file cost the same queries
whatever the number of forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    When,
)

from dualcare import access
from dualcare.db import jit_off_in_this_transaction
from dualcare.people.models import Involvement, Organisation

from .csv_io import to_csv
from .models import TOP_AMOUNT_FIELDS, TOP_ITEM_FIELDS, TOP_YES_NO_FIELDS, TopForm, TopStage

# (column, what it holds): the identifiers, then the form's items in the form's order.
IDENTIFIERS = ["CLIENT_ID", "NHS_NUMBER", "INITIALS", "DATE_OF_BIRTH", "TOP_DATE", "TREATMENT_STAGE"]
ITEMS = [*TOP_ITEM_FIELDS[:12], "other_substance_name", *TOP_ITEM_FIELDS[12:]]
COLUMNS = [*IDENTIFIERS, *(name.upper() for name in ITEMS)]
STAGE_CODES = {
    TopStage.START: "START",
    TopStage.REVIEW: "REVIEW",
    TopStage.EXIT: "EXIT",
    TopStage.POST_TREATMENT_EXIT: "POST_TREATMENT_EXIT",
}
MAX_DAYS = 366  # one extract covers at most a year

PROBLEMS = {
    "no_nhs_number": "No NHS number: add it to the person's record.",
    "outside_window": "Outside the {days}-day window for its stage (see the rules above).",
    "nothing_answered": "No item of the form is answered.",
}


@contextmanager
def without_jit() -> Iterator[None]:
    """The extract's statements in one transaction with PostgreSQL's JIT off (SET LOCAL, safe
    behind PgBouncer), as the dashboards' aggregates are: at trust scale (a year of one service,
    7,975 forms) the plan of the ready forms was JIT-compiled and took 4.9 s on a loaded machine,
    where the same checks for the held-back forms ran in 0.4 s without it."""
    with transaction.atomic():
        jit_off_in_this_transaction()
        yield


def window_days() -> int:
    return int(getattr(settings, "NDTMS_TOP_WINDOW_DAYS", 28))


def _in_window(organisation: Organisation):
    """Whether the form falls in its stage's window of an episode of the organisation's care."""
    window = dt.timedelta(days=window_days())
    day = OuterRef("completed_on")
    # The arithmetic is kept on the episode's side of >= and on the form's side of <=, so the
    # boundary day counts on SQLite too (where date + interval is a timestamp string).
    episodes = Involvement.objects.filter(
        team__organisation=organisation, service_user_id=OuterRef("service_user_id")
    ).alias(
        start_plus=ExpressionWrapper(F("start") + window, output_field=DateField()),
        end_plus=ExpressionWrapper(F("end") + window, output_field=DateField()),
    )
    until = ExpressionWrapper(day + window, output_field=DateField())
    return Case(
        When(stage=TopStage.START, then=Exists(episodes.filter(start_plus__gte=day, start__lte=until))),
        When(stage=TopStage.EXIT, then=Exists(episodes.filter(end_plus__gte=day, end__lte=until))),
        When(stage=TopStage.POST_TREATMENT_EXIT, then=Exists(episodes.filter(end__lte=day))),
        default=Exists(episodes.filter(Q(end__isnull=True) | Q(end_plus__gte=day), start__lte=day)),
        output_field=BooleanField(),
    )


def _answered() -> Q:
    answered = Q()
    for name in TOP_ITEM_FIELDS:
        answered |= Q(**{f"{name}__isnull": False})
    return answered


HELD_BACK = Q(ndtms_no_nhs_number=True) | Q(ndtms_in_window=False) | Q(ndtms_answered=False)


def forms(user, organisation: Organisation, *, start: dt.date, end: dt.date) -> QuerySet[TopForm]:
    """The organisation's TOP forms completed from `start` to `end` (inclusive) that the user may
    extract (access.ndtms_extract_filter), each with its checks annotated, in date order."""
    records = access.ndtms_extract_filter(user, organisation, TopForm.objects.all())
    return (
        records.filter(completed_on__gte=start, completed_on__lte=end)
        .annotate(
            ndtms_no_nhs_number=ExpressionWrapper(
                Q(service_user__nhs_number=""), output_field=BooleanField()
            ),
            ndtms_in_window=_in_window(organisation),
            ndtms_answered=ExpressionWrapper(_answered(), output_field=BooleanField()),
        )
        .select_related("service_user")
        .order_by("completed_on", "created_at", "pk")
    )


def held_back(rows: QuerySet[TopForm]) -> QuerySet[TopForm]:
    return rows.filter(HELD_BACK)


def ready(rows: QuerySet[TopForm]) -> QuerySet[TopForm]:
    return rows.exclude(HELD_BACK)


def search(rows: QuerySet[TopForm], text: str) -> QuerySet[TopForm]:
    """Rows of the person named (family name starting so) or of the NHS number given."""
    words = " ".join(text.split())
    if not words:
        return rows
    digits = words.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        return rows.filter(service_user__nhs_number__startswith=digits)
    return rows.filter(service_user__family_name__istartswith=words)


@dataclass(frozen=True)
class Counts:
    forms: int
    ready: int
    held_back: int


def counts(rows: QuerySet[TopForm]) -> Counts:
    """How many forms, ready and held back: one query."""
    found = rows.order_by().aggregate(forms=Count("pk"), held_back=Count("pk", filter=HELD_BACK))
    return Counts(found["forms"], found["forms"] - found["held_back"], found["held_back"])


def problems(form: TopForm) -> list[str]:
    """What keeps a row out of the file, in words (from its annotations)."""
    found = []
    if form.ndtms_no_nhs_number:
        found.append(PROBLEMS["no_nhs_number"])
    if not form.ndtms_in_window:
        found.append(PROBLEMS["outside_window"].format(days=window_days()))
    if not form.ndtms_answered:
        found.append(PROBLEMS["nothing_answered"])
    return found


def _cell(name: str, value):
    if value is None or value == "":
        return None  # an empty cell (csv writes None as nothing)
    if name in TOP_YES_NO_FIELDS:
        return "Y" if value else "N"
    if name in TOP_AMOUNT_FIELDS:
        return format(value.normalize(), "f")
    return value


def row(form: TopForm) -> list:
    person = form.service_user
    return [
        str(person.pk),
        person.nhs_number or None,
        (person.given_name[:1] + person.family_name[:1]).upper(),
        person.date_of_birth.isoformat(),
        form.completed_on.isoformat(),
        STAGE_CODES[form.stage],
        *(_cell(name, getattr(form, name)) for name in ITEMS),
    ]


def extract_csv(rows: list[TopForm]) -> str:
    """The file: a header of COLUMNS, then one line per form ready to send (CRLF, as csv writes)."""
    return to_csv([COLUMNS, *(row(form) for form in rows)])


def filename(organisation: Organisation, start: dt.date, end: dt.date) -> str:
    code = organisation.ods_code or "dualcare"
    return f"ndtms-top-{code}-{start:%Y%m%d}-{end:%Y%m%d}.csv".replace(" ", "")


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """Last calendar month, the usual return."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def range_problems(start, end, today: dt.date) -> dict[str, str]:
    """{field: message} for a date range the extract cannot take."""
    errors = {}
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        if end < start:
            errors["end"] = "The end date must be on or after the start date."
        elif (end - start).days >= MAX_DAYS:
            errors["end"] = f"Take at most {MAX_DAYS} days in one extract."
    if isinstance(end, dt.date) and end > today:
        errors["end"] = "The end date cannot be in the future."
    return errors
