"""Bulk import of people and caseloads from a CSV file (issue 21, item 4), by an organisation admin
into their own organisation's teams.

Columns: nhs_number, given_name, family_name, date_of_birth, team, key_worker (a username), start
(the involvement's first day; today when blank). Dates as 2024-03-31 or 31/03/2024.

Each row is matched against the people already registered (anyone's: one person, one record):
- the same NHS number: *matched*, and the row's team becomes involved if it is not already
  (refused instead when the record's date of birth differs: a wrong number is likelier than a
  wrong birthday);
- no NHS number match, but the same first name, last name and date of birth (and no different
  NHS number): a *possible match*, shown for a person to confirm. The import never merges on
  its own: unconfirmed, the row is left out; confirmed "same person", it is matched; confirmed
  "a different person", a new record is created;
- otherwise *created*: a new record, and the team's involvement with its key worker.
A row is *refused*, with its reason, for an invalid NHS number, a missing name, a date of birth
or start in the future, an unknown team, a key worker who is not in the team, or a repeat of an
earlier row. A person listed again for another team is matched to the earlier row.

A dry run writes nothing. The import plans and writes each batch of BATCH_ROWS rows in one
transaction (the plan is made again inside it, so what it writes is what the database holds
then), with one permissions_sync and one audit insert per batch: a row per person created or
matched. Lookups go by batch (NHS numbers, then dates of birth, as `IN` lists on indexed columns),
so a file of 50,000 rows costs a few hundred queries, not one per row per record.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from dualcare import access, clock, limits
from dualcare.audit.services import audit_record_many
from dualcare.exceptions import ApplicationError

from .models import Involvement, Organisation, PeopleImport, PersonMerge, ServiceUser, Team, User
from .services import nhs_number_clean

COLUMNS = ["nhs_number", "given_name", "family_name", "date_of_birth", "team", "key_worker", "start"]
REQUIRED_COLUMNS = ["given_name", "family_name", "date_of_birth", "team"]
BATCH_ROWS = 500
# The page carries the file from the dry run to the import in the form; larger files: the command.
PAGE_MAX_ROWS = 5_000
PAGE_MAX_BYTES = 1_000_000

CREATED = "created"
MATCHED = "matched"
POSSIBLE = "possible"
REFUSED = "refused"
OUTCOMES = {
    CREATED: "Created",
    MATCHED: "Matched",
    POSSIBLE: "Possible match: to confirm",
    REFUSED: "Refused",
}
DRY_RUN_OUTCOMES = {
    CREATED: "Would be created",
    MATCHED: "Would be matched",
    POSSIBLE: "Possible match: to confirm",
    REFUSED: "Would be refused",
}
SAME = "same"
NEW = "new"


@dataclass
class RowPlan:
    """What one row of the file does (or would do)."""

    row: int  # the file's line number (the header is line 1)
    outcome: str
    reason: str = ""
    field: str = ""  # the column a refusal is about
    person_id: uuid.UUID | None = None  # the record matched (or possibly matched)
    same_as_row: int | None = None  # the earlier row of this file that is the same person
    values: dict = dataclasses.field(default_factory=dict)
    adds_involvement: bool = False


@dataclass
class ImportReport:
    rows: list[RowPlan] = dataclasses.field(default_factory=list)
    file_errors: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = True
    record: PeopleImport | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for plan in self.rows if plan.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    def of(self, outcome: str) -> list[RowPlan]:
        return [plan for plan in self.rows if plan.outcome == outcome]


# ---------------------------------------------------------------------------
# Reading the file


def read_rows(text: str) -> tuple[list[dict], list[str]]:
    """The file's rows as dicts of stripped cells keyed by lower-case column names, or the
    problems with the file as a whole."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header:
        return [], ["The file is empty."]
    names = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        return [], [f"The file has no column {', '.join(missing)}. The first line must name the columns."]
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            rows.append(None)  # a blank line: skipped, but counted, so row numbers stay the file's
            continue
        rows.append({name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)})
    if not any(rows):
        return [], ["The file has no rows after its first line."]
    return rows, []


def _date(value: str) -> dt.date | None:
    for shape in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, shape).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


def _text(row: dict, name: str, what: str) -> str:
    value = row.get(name, "")
    if len(value) > limits.NAME:
        raise ApplicationError(limits.too_long_message(what, limits.NAME), field=name)
    if limits.has_hidden_characters(value, multiline=False):
        raise ApplicationError(limits.hidden_characters_message(what), field=name)
    return value


class _Organisation:
    """The importing organisation's teams and staff, read once per import."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.teams = {
            team.name.strip().lower(): team for team in Team.objects.filter(organisation=organisation)
        }
        self.members = {
            (team_id, username.lower()): user_id
            for team_id, username, user_id in access.roles_in_force(team__organisation=organisation)
            .values_list("team_id", "user__username", "user_id")
            .distinct()
        }
        self.seen_numbers: dict[str, tuple[int, int]] = {}  # NHS number -> (row, team id)
        self.seen_names: dict[tuple, tuple[int, int]] = {}  # (given, family, birth) -> (row, team id)
        self.row_person: dict[int, uuid.UUID] = {}  # row -> the record it created or matched
        self.row_teams: set[tuple[int, int]] = set()  # (the person's first row, team id)

    def clean(self, number: int, row: dict) -> dict:
        """The row's values, checked; ApplicationError (with its column) for the first problem."""
        nhs_number = nhs_number_clean(row.get("nhs_number", ""))
        given_name = _text(row, "given_name", "a first name")
        family_name = _text(row, "family_name", "a last name")
        if not given_name:
            raise ApplicationError("Enter their first name.", field="given_name")
        if not family_name:
            raise ApplicationError("Enter their last name.", field="family_name")
        birth = _date(row.get("date_of_birth", ""))
        if birth is None:
            raise ApplicationError(
                "Enter the date of birth as 1990-03-31 or 31/03/1990.", field="date_of_birth"
            )
        problem = limits.BIRTH.problem(birth)
        if problem:
            raise ApplicationError(problem, field="date_of_birth")
        team = self.teams.get(row.get("team", "").lower())
        if team is None:
            raise ApplicationError(
                f"{self.organisation} has no team called “{row.get('team', '')}”.", field="team"
            )
        if not team.is_active or not team.works_with_people:
            raise ApplicationError(f"{team} does not take people onto a caseload.", field="team")
        key_worker_id = None
        username = row.get("key_worker", "").lower()
        if username:
            key_worker_id = self.members.get((team.pk, username))
            if key_worker_id is None:
                raise ApplicationError(
                    f"The key worker “{row.get('key_worker')}” is not a member of {team}.", field="key_worker"
                )
        start = clock.today()
        if row.get("start"):
            start = _date(row["start"])
            if start is None:
                raise ApplicationError("Enter the start date as 2024-03-31 or 31/03/2024.", field="start")
            if start > clock.today():
                raise ApplicationError("The start date cannot be in the future.", field="start")
            if start < birth:
                raise ApplicationError("The start date cannot be before the date of birth.", field="start")
        return {
            "nhs_number": nhs_number,
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": birth,
            "team": team,
            "key_worker_id": key_worker_id,
            "start": start,
        }


def _name_key(given: str, family: str, birth: dt.date) -> tuple:
    return (given.casefold(), family.casefold(), birth)


def _not_merged_away():
    return ~Exists(PersonMerge.objects.filter(merged=OuterRef("pk"), undone_at__isnull=True))


def _plan_batch(
    org: _Organisation, numbered: list[tuple[int, dict]], decisions: dict[int, str]
) -> list[RowPlan]:
    """Plan one batch of rows against the database and the rows before them."""
    plans: list[RowPlan] = []
    cleaned: list[tuple[RowPlan, dict]] = []
    for number, row in numbered:
        try:
            values = org.clean(number, row)
        except ApplicationError as error:
            plans.append(RowPlan(row=number, outcome=REFUSED, reason=error.message, field=error.field or ""))
            continue
        plan = RowPlan(row=number, outcome=CREATED, values=values)
        plans.append(plan)
        cleaned.append((plan, values))

    numbers = {values["nhs_number"] for _, values in cleaned if values["nhs_number"]}
    by_number = {
        person["nhs_number"]: person
        for person in ServiceUser.objects.filter(nhs_number__in=numbers).values(
            "pk", "nhs_number", "date_of_birth"
        )
    }
    births = {values["date_of_birth"] for _, values in cleaned if values["nhs_number"] not in by_number}
    by_name: dict[tuple, list[dict]] = {}
    for person in (
        ServiceUser.objects.filter(date_of_birth__in=births)
        .filter(_not_merged_away())
        .values("pk", "given_name", "family_name", "date_of_birth", "nhs_number")
    ):
        key = _name_key(person["given_name"], person["family_name"], person["date_of_birth"])
        by_name.setdefault(key, []).append(person)
    candidate_ids = {p["pk"] for p in by_number.values()} | {
        p["pk"] for people in by_name.values() for p in people
    }
    open_teams = set(
        Involvement.objects.filter(service_user_id__in=candidate_ids, end__isnull=True).values_list(
            "service_user_id", "team_id"
        )
    )

    for plan, values in cleaned:
        _plan_row(org, plan, values, by_number, by_name, open_teams, decisions.get(plan.row, ""))
    return plans


def _match(plan: RowPlan, person_id, team: Team, open_teams: set) -> None:
    plan.outcome = MATCHED
    plan.person_id = person_id
    if (person_id, team.pk) in open_teams:
        plan.reason = f"Already on {team}'s caseload: nothing to change."
    else:
        plan.adds_involvement = True
        plan.reason = f"Added to {team}'s caseload."
        open_teams.add((person_id, team.pk))


def _same_as_row(org: _Organisation, plan: RowPlan, earlier: tuple[int, int], team: Team, open_teams) -> None:
    earlier_row = earlier[0]
    plan.outcome = MATCHED
    plan.same_as_row = earlier_row
    plan.person_id = org.row_person.get(earlier_row)
    if (earlier_row, team.pk) in org.row_teams:
        plan.outcome = REFUSED
        plan.field = "team"
        plan.reason = f"This repeats an earlier row of the file (the person of row {earlier_row}, {team})."
    elif plan.person_id is not None and (plan.person_id, team.pk) in open_teams:
        plan.reason = (
            f"The same person as row {earlier_row}, already on {team}'s caseload: nothing to change."
        )
    else:
        plan.adds_involvement = True
        plan.reason = f"The same person as row {earlier_row}: added to {team}'s caseload too."


def _plan_row(org, plan: RowPlan, values: dict, by_number, by_name, open_teams, decision: str) -> None:
    number, team = values["nhs_number"], values["team"]
    key = _name_key(values["given_name"], values["family_name"], values["date_of_birth"])
    if number and number in org.seen_numbers:
        _same_as_row(org, plan, org.seen_numbers[number], team, open_teams)
    elif number and number in by_number:
        person = by_number[number]
        if person["date_of_birth"] != values["date_of_birth"]:
            plan.outcome, plan.field = REFUSED, "date_of_birth"
            plan.reason = (
                "The record with this NHS number has a different date of birth: check the NHS number "
                "and the date of birth."
            )
        else:
            _match(plan, person["pk"], team, open_teams)
    else:
        candidates = [p for p in by_name.get(key, []) if not (number and p["nhs_number"])]
        earlier = org.seen_names.get(key)
        if candidates or earlier:
            if decision == NEW:
                plan.reason = "Confirmed as a different person: a new record."
            elif decision == SAME and candidates:
                if len(candidates) > 1:
                    plan.outcome, plan.field = REFUSED, "given_name"
                    plan.reason = "Several records have this name and date of birth: merge them first."
                else:
                    _match(plan, candidates[0]["pk"], team, open_teams)
            elif decision == SAME:
                _same_as_row(org, plan, earlier, team, open_teams)
            else:
                plan.outcome = POSSIBLE
                if candidates:
                    plan.person_id = candidates[0]["pk"]
                    plan.reason = (
                        "A record with the same name and date of birth exists: confirm whether this "
                        "is the same person. Left out until you do."
                    )
                else:
                    plan.same_as_row = earlier[0]
                    plan.reason = (
                        f"Row {earlier[0]} has the same name and date of birth: confirm whether this is "
                        "the same person. Left out until you do."
                    )
    if plan.outcome == CREATED and not plan.reason:
        plan.reason = f"A new record, on {team}'s caseload."
    if plan.outcome in (CREATED, MATCHED):
        if number:
            org.seen_numbers.setdefault(number, (plan.row, team.pk))
        org.seen_names.setdefault(key, (plan.row, team.pk))
        # Which of the file's people is on which team's caseload: a later row of the same person
        # for the same team adds nothing (the record a row matched is known now; a created one
        # when its batch is written).
        org.row_teams.add((plan.same_as_row or plan.row, team.pk))
        if plan.person_id is not None:
            org.row_person.setdefault(plan.row, plan.person_id)


def _batches(rows: list, size: int) -> Iterator[list[tuple[int, dict]]]:
    numbered = [(number, row) for number, row in enumerate(rows, start=2) if row is not None]
    for i in range(0, len(numbered), size):
        yield numbered[i : i + size]


# ---------------------------------------------------------------------------
# The dry run and the import


def people_import_dry_run(
    *, organisation: Organisation, text: str, decisions: dict[int, str] | None = None
) -> ImportReport:
    """What importing `text` into `organisation` would do, row by row. Writes nothing."""
    rows, problems = read_rows(text)
    if problems:
        return ImportReport(file_errors=problems)
    org = _Organisation(organisation)
    report = ImportReport(dry_run=True)
    for batch in _batches(rows, BATCH_ROWS):
        report.rows.extend(_plan_batch(org, batch, decisions or {}))
    return report


def people_import(
    *,
    organisation: Organisation,
    text: str,
    by: User | None,
    decisions: dict[int, str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import `text` into `organisation`'s teams, one transaction per batch of rows, and keep the
    report. `by` must administer the organisation (None: the system, from the command line)."""
    if by is not None and not access.people_can_import(by, organisation):
        raise ApplicationError("You can import people only into your own organisation's teams.")
    rows, problems = read_rows(text)
    if problems:
        return ImportReport(file_errors=problems, dry_run=False)
    record = PeopleImport.objects.create(organisation=organisation, by=by)
    org = _Organisation(organisation)
    report = ImportReport(dry_run=False, record=record)
    for batch in _batches(rows, batch_rows):
        report.rows.extend(
            people_import_batch(org=org, batch=batch, decisions=decisions or {}, by=by, record=record)
        )
    _people_import_finish(record, report)
    return report


@transaction.atomic
def _people_import_finish(record: PeopleImport, report: ImportReport) -> None:
    record.created = report.count(CREATED)
    record.matched = report.count(MATCHED)
    record.refused = report.count(REFUSED) + report.count(POSSIBLE)
    record.rows = plan_rows(report)
    record.save(update_fields=["created", "matched", "refused", "rows", "updated_at"])


def people_import_batch(
    *,
    org: _Organisation,
    batch: list[tuple[int, dict]],
    decisions: dict,
    by: User | None,
    record: PeopleImport,
) -> list[RowPlan]:
    """Plan and write one batch in one transaction; a batch the database refuses (someone
    registered one of its people meanwhile) is written not at all, each row refused saying so."""
    seen = (dict(org.seen_numbers), dict(org.seen_names), dict(org.row_person), set(org.row_teams))
    try:
        with transaction.atomic():
            return _people_import_batch_write(org, batch, decisions, by, record)
    except IntegrityError:
        org.seen_numbers, org.seen_names, org.row_person, org.row_teams = seen
        return [
            RowPlan(
                row=number,
                outcome=REFUSED,
                reason="Not imported: records changed while this batch was written. Import the file "
                "again; rows already imported will be matched.",
            )
            for number, _ in batch
        ]


def _people_import_batch_write(org, batch, decisions, by, record) -> list[RowPlan]:
    plans = _plan_batch(org, batch, decisions)
    people = []
    for plan in plans:
        if plan.outcome != CREATED:
            continue
        values = plan.values
        person = ServiceUser(
            nhs_number=values["nhs_number"],
            given_name=values["given_name"],
            family_name=values["family_name"],
            date_of_birth=values["date_of_birth"],
            created_by=by,
        )
        plan.person_id = person.pk
        org.row_person[plan.row] = person.pk
        people.append(person)
    ServiceUser.objects.bulk_create(people)
    involvements = []
    for plan in plans:
        if plan.outcome == MATCHED and plan.person_id is None and plan.same_as_row:
            plan.person_id = org.row_person.get(plan.same_as_row)
        if plan.outcome == CREATED or (plan.outcome == MATCHED and plan.adds_involvement):
            values = plan.values
            involvements.append(
                Involvement(
                    service_user_id=plan.person_id,
                    team=values["team"],
                    key_worker_id=values["key_worker_id"],
                    start=values["start"],
                    started_by=by,
                )
            )
    Involvement.objects.bulk_create(involvements)
    changed = {
        plan.person_id for plan in plans if plan.outcome in (CREATED, MATCHED) and plan.adds_involvement
    }
    changed |= {plan.person_id for plan in plans if plan.outcome == CREATED}
    if changed:
        access.permissions_sync(service_user_ids=changed)
    detail = {"import": str(record.pk)}
    audit_record_many(
        actor=by,
        action="service_user.import_create",
        organisation=org.organisation,
        target_type="people.serviceuser",
        changes={plan.person_id: plan.person_id for plan in plans if plan.outcome == CREATED},
        detail=detail,
    )
    added = {inv.service_user_id: inv.pk for inv in involvements}
    audit_record_many(
        actor=by,
        action="service_user.import_match",
        organisation=org.organisation,
        target_type="people.involvement",
        changes={
            plan.person_id: added.get(plan.person_id, "")
            for plan in plans
            if plan.outcome == MATCHED and plan.person_id
        },
        detail=detail,
    )
    return plans


# ---------------------------------------------------------------------------
# The report as a CSV file


def _cell(value) -> str:
    value = "" if value is None else str(value)
    # A leading = + - @ would be a formula in a spreadsheet: quote it as text.
    return "'" + value if value[:1] in "=+-@" else value


def report_csv(rows: Iterable[dict], *, dry_run: bool) -> str:
    """One line per row of the file: row number, outcome, column, reason and the record's id."""
    words = DRY_RUN_OUTCOMES if dry_run else OUTCOMES
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "outcome", "column", "reason", "record"])
    for row in rows:
        writer.writerow(
            [
                _cell(v)
                for v in (row["row"], words[row["outcome"]], row["field"], row["reason"], row["person"])
            ]
        )
    return out.getvalue()


def plan_rows(report: ImportReport) -> list[dict]:
    """The report's rows as the stored import keeps them (for report_csv)."""
    return [
        {
            "row": plan.row,
            "outcome": plan.outcome,
            "field": plan.field,
            "reason": plan.reason,
            "person": str(plan.person_id) if plan.person_id else "",
        }
        for plan in report.rows
    ]
