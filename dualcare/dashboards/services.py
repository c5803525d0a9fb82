"""Writes of the dashboards: annotations and baselines. Each in one transaction, audited.

Who may write is decided in dualcare.access (dashboards section) and checked by the views;
these functions hold the rules of the data itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dualcare.audit.services import audit_record
from dualcare.db import jit_off_in_this_transaction
from dualcare.exceptions import ApplicationError
from dualcare.people.models import Organisation, Team, User

from . import measures, selectors
from .models import AgreedMeasure, Annotation, Baseline, DashboardPdf, MeasureWeek, WeeklyValue

log = logging.getLogger(__name__)

ANNOTATION_TEXT_MAX = 200
REASON_MAX = 300
# How far back a dashboard can look (the longest period offered is two years); older dates
# could never appear on a chart.
HISTORY_YEARS = 5


def _check_scope(organisation: Organisation, team: Team | None) -> None:
    if team is not None and team.organisation_id != organisation.pk:
        raise ApplicationError("The team is not part of this organisation.", field="team")


def _check_measure(key: str, *, required: bool) -> str:
    key = (key or "").strip()
    if not key:
        if required:
            raise ApplicationError("Choose the measure.", field="measure_key")
        return ""
    if key not in measures.definitions():
        raise ApplicationError("Choose a measure from the list.", field="measure_key")
    return key


def _earliest(today: dt.date) -> dt.date:
    return today.replace(year=today.year - HISTORY_YEARS, day=min(today.day, 28))


@transaction.atomic
def annotation_add(
    *,
    organisation: Organisation,
    team: Team | None = None,
    measure_key: str = "",
    date: dt.date,
    text: str,
    by: User,
) -> Annotation:
    """Mark a date with a change tested; shown on the scope's charts (one measure, or all)."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=False)
    text = " ".join((text or "").split())
    if not text:
        raise ApplicationError(
            "Enter what changed, for example “Link meetings moved to Tuesdays”.", field="text"
        )
    if len(text) > ANNOTATION_TEXT_MAX:
        raise ApplicationError(
            f"What changed must be {ANNOTATION_TEXT_MAX} characters or fewer.", field="text"
        )
    today = timezone.localdate()
    if date is None:
        raise ApplicationError("Enter the date of the change.", field="date")
    if date > today:
        raise ApplicationError("The date of the change must be today or in the past.", field="date")
    if date < _earliest(today):
        raise ApplicationError(
            f"The date of the change must be within the last {HISTORY_YEARS} years.", field="date"
        )
    annotation = Annotation.objects.create(
        organisation=organisation, team=team, measure_key=measure_key, date=date, text=text, created_by=by
    )
    audit_record(actor=by, action="dashboard.annotation_add", target=annotation, organisation=organisation)
    return annotation


# The largest target a measure may carry (counts, hours, rates): the column's ten digits.
TARGET_LIMIT = Decimal("99999999.99")
NOTE_MAX = 200


@transaction.atomic
def agreed_measure_add(
    *,
    organisation: Organisation,
    measure_key: str,
    target: Decimal | None,
    agreed_on: dt.date,
    note: str = "",
    by: User,
) -> AgreedMeasure:
    """Record that the organisation agreed to be held to a measure at the Shared Care meetings,
    with its target if any. One in force per measure: agreeing again means withdrawing first."""
    measure_key = _check_measure(measure_key, required=True)
    definition = measures.definitions()[measure_key]
    if target is not None:
        if definition.is_proportion and not (0 <= target <= 100):
            raise ApplicationError("Enter a target from 0% to 100%.", field="target")
        if not definition.is_proportion and not (-TARGET_LIMIT <= target <= TARGET_LIMIT):
            raise ApplicationError("Enter a target of 99,999,999.99 or less.", field="target")
    today = timezone.localdate()
    if agreed_on is None:
        raise ApplicationError("Enter the date it was agreed.", field="agreed_on")
    if agreed_on > today:
        raise ApplicationError("The date it was agreed must be today or in the past.", field="agreed_on")
    if agreed_on < _earliest(today):
        raise ApplicationError(
            f"The date it was agreed must be within the last {HISTORY_YEARS} years.", field="agreed_on"
        )
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise ApplicationError(f"The note must be {NOTE_MAX} characters or fewer.", field="note")
    # The organisation's row, locked, so two managers agreeing the same measure at once give one
    # row and one clear message (the partial unique constraint holds it too).
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if AgreedMeasure.objects.filter(
        organisation=organisation, measure_key=measure_key, withdrawn_at__isnull=True
    ).exists():
        raise ApplicationError(
            f"{organisation.name} has already agreed “{definition.title}”. Withdraw it first to change it.",
            field="measure_key",
        )
    agreed = AgreedMeasure.objects.create(
        organisation=organisation,
        measure_key=measure_key,
        target=target,
        agreed_on=agreed_on,
        note=note,
        created_by=by,
    )
    audit_record(actor=by, action="dashboard.agreed_measure_add", target=agreed, organisation=organisation)
    return agreed


@transaction.atomic
def agreed_measure_withdraw(*, agreed: AgreedMeasure, by: User) -> AgreedMeasure:
    """The organisation no longer agrees to be held to the measure: the row stays, withdrawn."""
    updated = AgreedMeasure.objects.filter(pk=agreed.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by
    )
    if not updated:
        raise ApplicationError("That measure was already withdrawn.", field="measure_key")
    agreed.refresh_from_db()
    audit_record(
        actor=by, action="dashboard.agreed_measure_withdraw", target=agreed, organisation=agreed.organisation
    )
    return agreed


@transaction.atomic
def baseline_set(
    *,
    organisation: Organisation,
    team: Team | None = None,
    measure_key: str,
    first_week: dt.date,
    last_week: dt.date,
    reason: str,
    by: User,
) -> Baseline:
    """Record that a measure's limits are calculated from the weeks first_week to last_week
    (both included). The latest baseline of a scope and measure is the one in force."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=True)
    if first_week is None:
        raise ApplicationError("Choose the first week of the baseline.", field="first_week")
    if last_week is None:
        raise ApplicationError("Choose the last week of the baseline.", field="last_week")
    first_week, last_week = measures.week_of(first_week), measures.week_of(last_week)
    today = timezone.localdate()
    if first_week < measures.week_of(_earliest(today)):
        raise ApplicationError(
            f"The first week must be within the last {HISTORY_YEARS} years.", field="first_week"
        )
    if last_week >= measures.week_of(today):
        raise ApplicationError("The last week must be a week that has ended.", field="last_week")
    if last_week <= first_week:
        raise ApplicationError(
            "The last week must be after the first week: limits need at least 2 weeks.", field="last_week"
        )
    reason = " ".join((reason or "").split())
    if not reason:
        raise ApplicationError(
            "Enter why the limits are recalculated, for example “new process from 1 June”.", field="reason"
        )
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"The reason must be {REASON_MAX} characters or fewer.", field="reason")
    baseline = Baseline.objects.create(
        organisation=organisation,
        team=team,
        measure_key=measure_key,
        first_week=first_week,
        last_week=last_week,
        reason=reason,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="dashboard.baseline_set",
        target=baseline,
        organisation=organisation,
        detail={"measure_key": measure_key, "first_week": str(first_week), "last_week": str(last_week)},
    )
    return baseline


@transaction.atomic
def baseline_reset(
    *, organisation: Organisation, team: Team | None = None, measure_key: str, reason: str = "", by: User
) -> Baseline:
    """Go back to limits calculated from every point shown; recorded like any other baseline."""
    _check_scope(organisation, team)
    measure_key = _check_measure(measure_key, required=True)
    reason = " ".join((reason or "").split()) or "Reset to all points"
    if len(reason) > REASON_MAX:
        raise ApplicationError(f"The reason must be {REASON_MAX} characters or fewer.", field="reason")
    baseline = Baseline.objects.create(
        organisation=organisation, team=team, measure_key=measure_key, reason=reason, created_by=by
    )
    audit_record(
        actor=by,
        action="dashboard.baseline_reset",
        target=baseline,
        organisation=organisation,
        detail={"measure_key": measure_key},
    )
    return baseline


# ---------------------------------------------------------------------------
# PDFs: asked for in the request, rendered by a worker (DESIGN.md "PDFs"), kept for a day

PDF_KEEP = dt.timedelta(days=1)
PDF_SETTLE = dt.timedelta(minutes=2)  # queued on commit: the sweep leaves younger ones to that task
PDF_ATTEMPTS = 3  # renders started before a PDF still being prepared is given up as failed


@transaction.atomic
def pdf_request(
    *, kind: str, period, by: User, organisation: Organisation | None = None, team: Team | None = None
) -> DashboardPdf:
    """Ask for a PDF of a dashboard over a fixed period; a worker renders it after commit."""
    if kind not in DashboardPdf.Kind.values:
        raise ApplicationError("Unknown kind of dashboard.")
    if kind not in (DashboardPdf.Kind.LOCALITY, DashboardPdf.Kind.PACK) and organisation is None:
        raise ApplicationError("A team or organisation dashboard needs its organisation.")
    if kind == DashboardPdf.Kind.TEAM and team is None:
        raise ApplicationError("A team dashboard needs its team.")
    if team is not None:
        _check_scope(organisation, team)
    document = DashboardPdf.objects.create(
        kind=kind,
        organisation=organisation,
        team=team,
        weeks=period.weeks,
        first_week=period.first,
        last_week=period.last,
        requested_by=by,
    )
    audit_record(actor=by, action="dashboard.pdf_request", target=document, organisation=organisation)
    document_id = document.pk
    transaction.on_commit(lambda: queue_pdf(document_id))
    return document


def queue_pdf(document_id) -> None:
    """Ask a worker to render the PDF; if the broker is down, the sweep will."""
    from .tasks import dashboard_pdf_render

    try:
        dashboard_pdf_render.delay(str(document_id))
    except Exception:  # broker unreachable: the row is committed and the beat sweep re-queues it
        log.warning("dashboard PDF not queued; the sweep will pick it up", exc_info=True)


def _pdf_content(document: DashboardPdf) -> bytes:
    from . import pdf

    period = selectors.Period(first=document.first_week, last=document.last_week, weeks=document.weeks)
    if document.kind == DashboardPdf.Kind.LOCALITY:
        return pdf.locality_pdf(selectors.locality(period, legend=False))
    if document.kind == DashboardPdf.Kind.PACK:
        from .pack import pack

        return pdf.pack_pdf(pack(period, section=None))
    scope = selectors.Scope(organisation=document.organisation, team=document.team)
    return pdf.dashboard_pdf(selectors.dashboard(scope, period, legend=False))


def _failure_words(error: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    from .pdf import ChartRenderError

    cause = error
    while cause is not None and not isinstance(cause, SoftTimeLimitExceeded):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:
        return "It took longer than the time a PDF is given, so it was stopped."
    if isinstance(error, ChartRenderError):
        return "A chart could not be drawn, so no PDF was made: one without its charts would mislead."
    return "Something went wrong while it was being made."


def pdf_render(document_id) -> bool:
    """Render and store the PDF once. Returns True if this call stored it.

    A render that fails is recorded as failed (pdf_fail) and the error raised again, so the task
    fails too; the manager's page says so and offers to try again (pdf_retry)."""
    document = DashboardPdf.objects.select_related("organisation", "team").filter(pk=document_id).first()
    if document is None or document.state != DashboardPdf.State.PENDING:
        return False
    if document.attempts >= PDF_ATTEMPTS:  # the earlier renders never finished: killed, not failed
        pdf_fail(document=document, reason=f"It was started {document.attempts} times and never finished.")
        return False
    DashboardPdf.objects.filter(pk=document.pk).update(attempts=F("attempts") + 1)
    try:
        content = _pdf_content(document)
    except Exception as error:  # the soft time limit included; a worker shutting down is not a failure
        pdf_fail(document=document, reason=_failure_words(error))
        raise
    name = default_storage.save(f"dashboards/{document.pk}.pdf", ContentFile(content))
    # Conditional: if two workers rendered at once, the first stored wins and the other file goes.
    stored = DashboardPdf.objects.filter(pk=document.pk, state=DashboardPdf.State.PENDING).update(
        state=DashboardPdf.State.READY, pdf=name, rendered_at=timezone.now()
    )
    if not stored:
        default_storage.delete(name)
    return bool(stored)


@transaction.atomic
def pdf_fail(*, document: DashboardPdf, reason: str) -> bool:
    """Record that a PDF being prepared could not be made, and why (words for the manager).
    Returns False if it was no longer being prepared (another run stored it)."""
    failed = DashboardPdf.objects.filter(pk=document.pk, state=DashboardPdf.State.PENDING).update(
        state=DashboardPdf.State.FAILED, failure=reason[:300], failed_at=timezone.now()
    )
    if failed:
        log.error("dashboard PDF %s failed: %s", document.pk, reason)
        audit_record(
            actor=None, action="dashboard.pdf_fail", target=document, organisation=document.organisation
        )
    return bool(failed)


@transaction.atomic
def pdf_retry(*, document: DashboardPdf, by: User) -> DashboardPdf:
    """Try a failed PDF again: it is being prepared again, and a worker renders it after commit."""
    retried = DashboardPdf.objects.filter(pk=document.pk, state=DashboardPdf.State.FAILED).update(
        state=DashboardPdf.State.PENDING, failure="", failed_at=None, attempts=0, updated_at=timezone.now()
    )
    if not retried:
        raise ApplicationError("This PDF has not failed, so there is nothing to try again.")
    audit_record(actor=by, action="dashboard.pdf_retry", target=document, organisation=document.organisation)
    document.refresh_from_db()
    document_id = document.pk
    transaction.on_commit(lambda: queue_pdf(document_id))
    return document


def pdfs_sweep(*, limit: int = 20) -> dict:
    """Beat: queue PDFs still waiting (broker down, worker died) and delete those older than a day.
    A failed PDF waits for its manager to try again: queued again each minute it would fail each minute."""
    now = timezone.now()
    waiting = list(
        DashboardPdf.objects.filter(
            state=DashboardPdf.State.PENDING,
            created_at__lt=now - PDF_SETTLE,
            created_at__gte=now - PDF_KEEP,
            updated_at__lt=now - PDF_SETTLE,  # a PDF tried again is queued on commit, like a new one
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for document_id in waiting:
        queue_pdf(document_id)
    old = DashboardPdf.objects.filter(created_at__lt=now - PDF_KEEP)
    for name in old.exclude(pdf="").values_list("pdf", flat=True):
        default_storage.delete(name)
    deleted, _ = old.delete()
    return {"queued": len(waiting), "deleted": deleted}


# ---------------------------------------------------------------------------
# The stored weekly measures (filled by the beat; read by selectors.stored_measures)

# The longest period a dashboard shows (selectors.PERIOD_CHOICES) and the open week: the weeks
# kept worked out.
HORIZON_WEEKS = 104  # a test holds it to max(selectors.PERIOD_CHOICES)
# Weeks that have ended but are still settling, worked out again on every run with the open week.
# A week's figures depend on the clock until the last of its deadlines has passed: a referral's
# decision (10 working days), a plan's 4 weeks for the person to agree it (so 5 weeks after the
# week), an outcome's window (OUTCOME_TOLERANCE_DAYS, 14), an alert's 24 hours; and most late
# recording (a collection recorded the next day, minutes finalised the week after) lands within
# them. Older weeks are worked out once, then only when marked stale (weekly_values_mark_stale).
SETTLING_WEEKS = 8
# Weeks worked out together: bounds the cells held in memory (measures x scopes x weeks). The open
# week and the settling weeks fit in one: each chunk costs every provider's scans of its tables
# once whatever its weeks, so the beat's run (9 weeks) is one chunk rather than 8 weeks and 1.
CHUNK_WEEKS = SETTLING_WEEKS + 1


@dataclass(frozen=True)
class WeeklyRefresh:
    weeks: int  # weeks worked out
    rows: int  # stored values written
    seconds: float


def settling_weeks() -> int:
    """SETTLING_WEEKS, or more when the outcomes' window is set wider than the default."""
    tolerance = int(getattr(settings, "OUTCOME_TOLERANCE_DAYS", 14))
    return max(SETTLING_WEEKS, -(-(tolerance + 7) // 7) + 2)


def weeks_to_compute(*, today: dt.date | None = None, full: bool = False, locality_key=None) -> list[dt.date]:
    """The weeks a refresh works out, newest first: the open week and the settling weeks always;
    every other week of the horizon not stored yet, marked stale or whose locality was worked out
    over other teams (``locality_key``, when given); all of them when ``full``."""
    today = today or timezone.localdate()
    open_week = measures.week_of(today)
    first = open_week - dt.timedelta(weeks=HORIZON_WEEKS)
    horizon = measures.weeks_between(first, open_week)
    if not full:
        settling_from = open_week - dt.timedelta(weeks=settling_weeks())
        settled = MeasureWeek.objects.filter(week__gte=first, week__lt=settling_from, stale=False)
        if locality_key is not None:
            settled = settled.filter(locality_key=locality_key)
        settled = set(settled.values_list("week", flat=True))
        horizon = [week for week in horizon if week >= settling_from or week not in settled]
    return sorted(horizon, reverse=True)


def _chunks(weeks: list[dt.date]) -> list[list[dt.date]]:
    """Runs of consecutive weeks (newest first), at most CHUNK_WEEKS long."""
    chunks: list[list[dt.date]] = []
    for week in weeks:
        if chunks and len(chunks[-1]) < CHUNK_WEEKS and chunks[-1][-1] - week == dt.timedelta(weeks=1):
            chunks[-1].append(week)
        else:
            chunks.append([week])
    return chunks


def _stored_rows(
    collected: dict, kind: str, weeks: set[dt.date], now: dt.datetime, *, scope_id=None
) -> list[WeeklyValue]:
    """Stored values of one collect(); ``scope_id`` for the values of group "all" (key None)."""
    return [
        WeeklyValue(
            measure_key=key,
            scope_kind=kind,
            scope_id=group_key if scope_id is None else scope_id,
            week=week,
            value=None if cell.value is None else float(cell.value),
            is_whole=isinstance(cell.value, int),
            n=cell.n,
            computed_at=now,
        )
        for key, cells in collected.items()
        for (group_key, week), cell in cells.items()
        if (group_key is not None or scope_id is not None) and week in weeks
    ]


def _locality_rows(
    organisations: dict, weeks: list[dt.date], team_ids: list, locality_team_ids: list, now: dt.datetime
) -> list[WeeklyValue]:
    """The locality's stored values for a run of weeks: each taking-part organisation's (over its
    teams that work with people) and the total (each person once). An organisation all of whose
    teams work with people has the same figures as its own dashboard (``organisations``, the
    organisation collect of these weeks, or None to read them from the store): only the others are
    worked out again, so the locality costs about one collect (the total) rather than two."""
    kinds = WeeklyValue.ScopeKind
    start, end, wanted = min(weeks), max(weeks), set(weeks)
    in_locality = set(locality_team_ids)
    teams_of: dict = {}
    for pk, organisation_id in Team.objects.filter(pk__in=team_ids).values_list("pk", "organisation_id"):
        teams_of.setdefault(organisation_id, []).append(pk)
    whole = {org for org, teams in teams_of.items() if all(pk in in_locality for pk in teams)}
    partial_teams = [
        pk for org, teams in teams_of.items() if org not in whole for pk in teams if pk in in_locality
    ]
    if organisations is None:  # the organisations' own figures, as stored for these weeks
        organisations = {}
        stored = WeeklyValue.objects.filter(
            scope_kind=kinds.ORGANISATION, scope_id__in=list(whole), week__in=weeks
        ).values_list("measure_key", "scope_id", "week", "value", "is_whole", "n")
        for key, scope_id, week, value, is_whole, n in stored:
            organisations.setdefault(key, {})[(scope_id, week)] = measures.Cell(
                int(value) if is_whole else value, n
            )
    per_org = {
        key: {(org, week): cell for (org, week), cell in cells.items() if org in whole}
        for key, cells in organisations.items()
    }
    if partial_teams:
        for key, cells in measures.collect(partial_teams, start, end, group="organisation").items():
            per_org.setdefault(key, {}).update(cells)
    rows = _stored_rows(per_org, kinds.LOCALITY_ORGANISATION, wanted, now)
    totals = measures.collect(locality_team_ids, start, end, group="all")
    rows += _stored_rows(
        totals, kinds.LOCALITY, wanted, now, scope_id=selectors.locality_key(locality_team_ids)
    )
    return rows


def _tune_for_aggregates() -> None:
    """No JIT for the rest of this transaction (dualcare.db.jit_off_in_this_transaction): the
    measures' grouped statements each paid 0.3-0.6 s for it at trust scale while running in about a
    second. (More work_mem was tried too: it made the caseload by quadrant's plan slower, so it is
    left as configured.)"""
    jit_off_in_this_transaction()


@transaction.atomic
def _refresh_chunk(
    weeks: list[dt.date], team_ids: list, locality_team_ids: list, *, locality_only: bool = False
) -> int:
    """Work out one run of consecutive weeks for every team and organisation, and the locality, and
    replace their stored values, in one transaction: a dashboard reads the old figures or the new,
    never half. ``locality_only``: the teams' and organisations' figures of these weeks stand (the
    weeks are settled); only the locality's are worked out again, over another set of teams."""
    now = timezone.now()
    MeasureWeek.objects.bulk_create(
        [MeasureWeek(week=week, computed_at=now) for week in weeks], ignore_conflicts=True
    )
    # Two beats at once: the second waits here, then works the weeks out again (no harm done). A
    # week marked stale meanwhile waits too, so its mark is not lost to this run's figures.
    list(MeasureWeek.objects.select_for_update().filter(week__in=weeks).values_list("week"))
    _tune_for_aggregates()
    start, end = min(weeks), max(weeks)
    kinds = WeeklyValue.ScopeKind
    locality_kinds = [kinds.LOCALITY_ORGANISATION, kinds.LOCALITY]
    if locality_only:
        rows = _locality_rows(None, weeks, team_ids, locality_team_ids, now) if locality_team_ids else []
        WeeklyValue.objects.filter(week__in=weeks, scope_kind__in=locality_kinds).delete()
    else:
        organisations = measures.collect(team_ids, start, end, group="organisation")
        rows = [
            *_stored_rows(measures.collect(team_ids, start, end, group="team"), "team", set(weeks), now),
            *_stored_rows(organisations, "organisation", set(weeks), now),
        ]
        if locality_team_ids:
            rows += _locality_rows(organisations, weeks, team_ids, locality_team_ids, now)
        WeeklyValue.objects.filter(week__in=weeks).delete()
    WeeklyValue.objects.bulk_create(rows, batch_size=2000)
    changed = {"computed_at": now, "locality_key": selectors.locality_key(locality_team_ids)}
    if not locality_only:
        changed["stale"] = False
    MeasureWeek.objects.filter(week__in=weeks).update(**changed)
    return len(rows)


def weekly_values_refresh(*, today: dt.date | None = None, full: bool = False) -> WeeklyRefresh:
    """Work out the stored weekly measures of every team and organisation (the beat, every 15
    minutes; the demo; ``full`` for a rebuild). Incremental: the open and settling weeks each run,
    any other week only when not stored yet or marked stale; a settled week whose locality was worked
    out over other teams (a team started or stopped working with people) has only its locality
    worked out again. Each run of weeks commits on its own, so a run stopped part-way (a worker's
    time limit) keeps what it finished and the next carries on. Running it twice, or two at once,
    stores the same figures once."""
    started = time.perf_counter()
    locality_team_ids = selectors.locality_team_ids()
    weeks = weeks_to_compute(today=today, full=full)
    again = set(
        weeks_to_compute(today=today, full=full, locality_key=selectors.locality_key(locality_team_ids))
    )
    locality_weeks = sorted(again - set(weeks), reverse=True)
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    rows = 0
    for chunk in _chunks(weeks):
        rows += _refresh_chunk(chunk, team_ids, locality_team_ids)
    for chunk in _chunks(locality_weeks):
        rows += _refresh_chunk(chunk, team_ids, locality_team_ids, locality_only=True)
    return WeeklyRefresh(
        weeks=len(weeks) + len(locality_weeks), rows=rows, seconds=round(time.perf_counter() - started, 3)
    )


@transaction.atomic
def weekly_values_mark_stale(*, since: dt.date, until: dt.date | None = None) -> int:
    """Mark the stored weeks from ``since`` (to ``until``) to be worked out again on the next run:
    for a correction written into weeks that have settled (a backdated assessment, records
    imported late). Returns the weeks marked."""
    weeks = MeasureWeek.objects.filter(week__gte=measures.week_of(since))
    if until is not None:
        weeks = weeks.filter(week__lte=measures.week_of(until))
    return weeks.update(stale=True)
