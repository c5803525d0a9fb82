"""Every write of risk assessments and safety flags: one transaction each, audited, with its rules.

Reminders are rows (ReviewReminder) that the beat scans and claims (safety_reminders_send); the
missed-collection prompt is keyed by the run's first miss, so a run prompts once however long."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.services import notify
from dualcare.people.models import Involvement, ServiceUser, User

from .models import (
    MAX_FLAG_TEXT,
    MAX_TEXT,
    Domain,
    DomainRating,
    FlagCode,
    FlagEvent,
    Level,
    OverdosePrompt,
    RemovalRequest,
    ReviewReminder,
    RiskAssessment,
    SafetyFlag,
)


@dataclass(frozen=True)
class DomainInput:
    domain: str
    level: str
    evidence: str
    worse_or_better: str = ""
    plan: str = ""


def _today() -> dt.date:
    return clock.today()


def _text(value: str, *, field: str, required: bool, limit: int = MAX_TEXT, label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {label}.", field=field)
    if len(value) > limit:
        raise ApplicationError(
            f"{label[:1].upper()}{label[1:]} must be {limit} characters or fewer.", field=field
        )
    return value


def _writing_team(by: User, service_user: ServiceUser):
    team = access.safety_writing_team(by, service_user)
    if team is None:
        raise access.Refused("Only a team working with this person now can do this.")
    return team


@transaction.atomic
def risk_assessment_record(
    *,
    service_user: ServiceUser,
    by: User,
    assessed_on: dt.date,
    domains: list[DomainInput],
    person_view: str = "",
    review_due: dt.date | None = None,
) -> RiskAssessment:
    """Record one organisation's risk assessment of the person: each domain assessed with a
    level and its evidence, the person's own view, and a review date (reminded once)."""
    team = _writing_team(by, service_user)
    today = _today()
    if assessed_on is None or assessed_on > today:
        raise ApplicationError(
            "The date of the assessment must be today or in the past.", field="assessed_on"
        )
    if assessed_on < today - dt.timedelta(days=366):
        raise ApplicationError(
            "The date of the assessment must be within the last year.", field="assessed_on"
        )
    review_due = review_due or assessed_on + relativedelta(months=settings.SAFETY_RISK_REVIEW_MONTHS)
    if review_due <= assessed_on:
        raise ApplicationError(
            "The review date must be after the date of the assessment.", field="review_due"
        )
    if review_due > assessed_on + relativedelta(years=1):
        raise ApplicationError("The review date must be within a year of the assessment.", field="review_due")
    if not domains:
        raise ApplicationError("Assess at least one area of risk.", field="domains")
    seen = set()
    for item in domains:
        if item.domain not in Domain.values:
            raise ApplicationError("Choose an area of risk from the list.", field="domains")
        if item.domain in seen:
            raise ApplicationError("Assess each area of risk once.", field="domains")
        seen.add(item.domain)
        if item.level not in Level.values:
            raise ApplicationError("Choose a level from the list.", field=f"{item.domain}_level")
    person_view = _text(person_view, field="person_view", required=False, label="their view")
    assessment = RiskAssessment.objects.create(
        service_user=service_user,
        organisation=team.organisation,
        team=team,
        assessed_by=by,
        assessed_on=assessed_on,
        person_view=person_view,
        review_due=review_due,
    )
    DomainRating.objects.bulk_create(
        [
            DomainRating(
                assessment=assessment,
                service_user=service_user,
                organisation=team.organisation,
                assessed_on=assessed_on,
                domain=item.domain,
                level=item.level,
                evidence=_text(
                    item.evidence, field=f"{item.domain}_evidence", required=True, label="the evidence"
                ),
                worse_or_better=_text(
                    item.worse_or_better, field=f"{item.domain}_worse_or_better", required=False, label="this"
                ),
                plan=_text(item.plan, field=f"{item.domain}_plan", required=False, label="the plan"),
            )
            for item in domains
        ]
    )
    # The organisation's earlier assessments are reviewed by this one: their reminders end.
    ReviewReminder.objects.filter(
        assessment__service_user=service_user,
        assessment__organisation=team.organisation,
        sent_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=clock.now())
    ReviewReminder.objects.create(
        assessment=assessment, service_user=service_user, organisation=team.organisation, due_on=review_due
    )
    audit_record(
        actor=by,
        action="safety.risk_assessment.record",
        target=assessment,
        service_user=service_user,
        detail={"domains": sorted(seen)},
    )
    return assessment


def _flag_event(flag: SafetyFlag, kind: str, by: User | None, note: str = "") -> FlagEvent:
    return FlagEvent.objects.create(
        flag=flag,
        service_user_id=flag.service_user_id,
        organisation_id=flag.organisation_id,
        kind=kind,
        by=by,
        note=note,
    )


def _check_review_on(review_on, *, today: dt.date, field: str = "review_on") -> dt.date:
    if review_on is None:
        raise ApplicationError("Enter the date to review this flag by.", field=field)
    if review_on < today:
        raise ApplicationError("The review date must be today or in the future.", field=field)
    if review_on > today + relativedelta(years=1):
        raise ApplicationError("The review date must be within a year.", field=field)
    return review_on


@transaction.atomic
def safety_flag_raise(
    *, service_user: ServiceUser, by: User, code: str, warning: str, reason: str, review_on: dt.date
) -> SafetyFlag:
    """Raise a safety flag on the person: a short warning with its reason and a review date."""
    team = _writing_team(by, service_user)
    if code not in FlagCode.values:
        raise ApplicationError("Choose the kind of warning from the list.", field="code")
    warning = _text(warning, field="warning", required=True, limit=MAX_FLAG_TEXT, label="the warning")
    reason = _text(reason, field="reason", required=True, label="the reason")
    today = _today()
    review_on = _check_review_on(review_on, today=today)
    flag = SafetyFlag.objects.create(
        service_user=service_user,
        organisation=team.organisation,
        team=team,
        raised_by=by,
        code=code,
        warning=warning,
        reason=reason,
        starts_on=today,
        review_on=review_on,
    )
    _flag_event(flag, FlagEvent.Kind.RAISED, by)
    ReviewReminder.objects.create(
        flag=flag, service_user=service_user, organisation=team.organisation, due_on=review_on
    )
    audit_record(
        actor=by, action="safety.flag.raise", target=flag, service_user=service_user, detail={"code": code}
    )
    return flag


def _locked_active(flag: SafetyFlag) -> SafetyFlag:
    locked = SafetyFlag.objects.select_for_update().select_related("service_user").get(pk=flag.pk)
    if not locked.is_active:
        raise StateConflict("This flag has already been removed.", field="flag")
    return locked


def _ensure_can_change(by: User, flag: SafetyFlag) -> None:
    if not access.safety_can_change_flag(by, flag):
        raise access.Refused("Only the organisation that raised this flag can change it.")


@transaction.atomic
def safety_flag_review(*, flag: SafetyFlag, by: User, review_on: dt.date, note: str = "") -> SafetyFlag:
    """The flag still applies: reviewed today, with the next review date."""
    _ensure_can_change(by, flag)
    flag = _locked_active(flag)
    today = _today()
    review_on = _check_review_on(review_on, today=today)
    if review_on <= today:
        raise ApplicationError("The next review date must be after today.", field="review_on")
    note = _text(note, field="note", required=False, label="the note")
    flag.review_on = review_on
    flag.reviewed_at = clock.now()
    flag.save(update_fields=["review_on", "reviewed_at", "updated_at"])
    ReviewReminder.objects.filter(flag=flag, sent_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=clock.now()
    )
    ReviewReminder.objects.get_or_create(
        flag=flag,
        due_on=review_on,
        defaults={"service_user_id": flag.service_user_id, "organisation_id": flag.organisation_id},
    )
    _flag_event(flag, FlagEvent.Kind.REVIEWED, by, note)
    audit_record(actor=by, action="safety.flag.review", target=flag, service_user=flag.service_user)
    return flag


def _remove(flag: SafetyFlag, *, by: User, confirmed_by: User | None, reason: str) -> None:
    now = clock.now()
    flag.status = SafetyFlag.Status.REMOVED
    flag.removed_at = now
    flag.removed_by = by
    flag.removal_confirmed_by = confirmed_by
    flag.removal_reason = reason
    flag.save(
        update_fields=[
            "status",
            "removed_at",
            "removed_by",
            "removal_confirmed_by",
            "removal_reason",
            "updated_at",
        ]
    )
    ReviewReminder.objects.filter(flag=flag, sent_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    _flag_event(flag, FlagEvent.Kind.REMOVED, confirmed_by or by, reason)


@transaction.atomic
def safety_flag_remove(
    *, flag: SafetyFlag, by: User, reason: str
) -> tuple[SafetyFlag, RemovalRequest | None]:
    """Remove a flag. On or after its review date one person may; before it, this is a request
    that another staff member of the flag's organisation must confirm (the flag stays until then).
    Returns (flag, the request when one was made)."""
    _ensure_can_change(by, flag)
    flag = _locked_active(flag)
    reason = _text(reason, field="reason", required=True, label="why the flag is no longer needed")
    if flag.review_on <= _today():
        _remove(flag, by=by, confirmed_by=None, reason=reason)
        audit_record(actor=by, action="safety.flag.remove", target=flag, service_user=flag.service_user)
        return flag, None
    if RemovalRequest.objects.filter(flag=flag, state=RemovalRequest.State.PENDING).exists():
        raise StateConflict("Removing this flag is already waiting for a second person.", field="reason")
    request = RemovalRequest.objects.create(
        flag=flag,
        service_user_id=flag.service_user_id,
        organisation_id=flag.organisation_id,
        requested_by=by,
        reason=reason,
    )
    _flag_event(flag, FlagEvent.Kind.REMOVAL_REQUESTED, by, reason)
    audit_record(
        actor=by, action="safety.flag.removal_request", target=request, service_user=flag.service_user
    )
    second = (
        User.objects.filter(
            pk__in=access.roles_in_force(
                team__organisation_id=flag.organisation_id,
                team__involvements__service_user_id=flag.service_user_id,
                team__involvements__end__isnull=True,
                role__in=list(access.CLINICAL_ROLES),
            ).values("user_id"),
            is_active=True,
        )
        .exclude(pk=by.pk)
        .distinct()
    )
    notify(
        event_key=f"safety:removal_request:{request.pk}",
        recipients=list(second),
        kind="safety.flag_removal_request",
        subject="A safety flag is waiting for a second person to confirm its removal",
        body=(
            "A colleague has asked to remove a safety flag before its review date. "
            "Open the flag to confirm or turn it down."
        ),
        url=reverse("safety:flag", kwargs={"pk": flag.pk}),
        related=flag,
        service_user=flag.service_user,
    )
    return flag, request


@transaction.atomic
def safety_flag_removal_decide(
    *, request: RemovalRequest, by: User, confirm: bool, note: str = ""
) -> RemovalRequest:
    """A second person confirms (the flag is removed) or turns down a request to remove a flag early."""
    locked = (
        RemovalRequest.objects.select_for_update()
        .select_related("flag", "requested_by", "flag__organisation")
        .get(pk=request.pk)
    )
    if locked.state != RemovalRequest.State.PENDING:
        raise StateConflict("This request has already been decided.", field="decision")
    if by.pk == locked.requested_by_id:
        raise ApplicationError("Someone else must confirm the removal you asked for.", field="decision")
    if not access.safety_can_decide_removal(
        by, flag_organisation=locked.flag.organisation, requested_by=locked.requested_by
    ):
        raise access.Refused("Only another member of the organisation that raised the flag can decide this.")
    note = _text(note, field="note", required=False, label="the note")
    flag = _locked_active(locked.flag)
    locked.state = RemovalRequest.State.CONFIRMED if confirm else RemovalRequest.State.REFUSED
    locked.decided_by = by
    locked.decided_at = clock.now()
    locked.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    if confirm:
        _remove(flag, by=locked.requested_by, confirmed_by=by, reason=locked.reason)
    else:
        _flag_event(flag, FlagEvent.Kind.REMOVAL_REFUSED, by, note)
    audit_record(
        actor=by,
        action="safety.flag.removal_confirm" if confirm else "safety.flag.removal_refuse",
        target=locked,
        service_user=flag.service_user,
    )
    return locked


# ---------------------------------------------------------------------------
# The beat: due reviews, once each


def safety_reminders_send(*, today: dt.date | None = None, limit: int = 500) -> int:
    """Tell the writing organisation's involved key workers (and the assessor or flag raiser)
    of each review due today or earlier, once: each reminder is claimed by a conditional update
    of sent_at, so a second beat, or a retry, tells nobody twice. Returns reminders sent."""
    today = today or _today()
    due = list(
        ReviewReminder.objects.filter(due_on__lte=today, sent_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_on")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            claimed = ReviewReminder.objects.filter(
                pk=pk, sent_at__isnull=True, cancelled_at__isnull=True
            ).update(sent_at=clock.now())
            if not claimed:
                continue
            reminder = ReviewReminder.objects.select_related("assessment", "flag").get(pk=pk)
            _remind(reminder)
            sent += 1
    return sent


def _remind(reminder: ReviewReminder) -> None:
    writer = reminder.assessment.assessed_by_id if reminder.assessment_id else reminder.flag.raised_by_id
    key_workers = Involvement.objects.filter(
        service_user_id=reminder.service_user_id,
        end__isnull=True,
        team__organisation_id=reminder.organisation_id,
        key_worker__isnull=False,
    ).values("key_worker_id")
    recipients = list(
        User.objects.filter(is_active=True).filter(pk__in=[writer])
        | User.objects.filter(is_active=True, pk__in=key_workers)
    )
    if reminder.assessment_id:
        subject, body = (
            "A risk assessment is due for review",
            "A risk assessment your team made is due for review.",
        )
        url = reverse("safety:risk", kwargs={"pk": reminder.service_user_id})
    else:
        subject, body = "A safety flag is due for review", "A safety flag your team raised is due for review."
        url = reverse("safety:flag", kwargs={"pk": reminder.flag_id})
    notify(
        event_key=f"safety:review:{reminder.pk}",
        recipients=recipients,
        kind="safety.review_due",
        subject=subject,
        body=f"{body} Open it to see who.",
        url=url,
        related=reminder.assessment or reminder.flag,
        service_user=reminder.service_user,
    )


# ---------------------------------------------------------------------------
# Missed collections: prompt a review of the overdose flag


def overdose_review_prompt(*, contact, run: list) -> OverdosePrompt | None:
    """After SAFETY_OVERDOSE_REVIEW_AFTER_MISSES collections missed in a row, prompt the
    person's teams to review their overdose flag (or to consider one): once per run of misses,
    keyed by the run's first miss. Called in the transaction that recorded the miss."""
    if len(run) < settings.SAFETY_OVERDOSE_REVIEW_AFTER_MISSES:
        return None
    first = run[-1]
    if OverdosePrompt.objects.filter(run_start_id=first.pk).exists():
        return None
    flag = (
        SafetyFlag.objects.filter(
            service_user_id=contact.service_user_id, code=FlagCode.OVERDOSE, status=SafetyFlag.Status.ACTIVE
        )
        .order_by("-starts_on")
        .first()
    )
    try:
        with transaction.atomic():
            prompt = OverdosePrompt.objects.create(
                service_user_id=contact.service_user_id, run_start_id=first.pk, misses=len(run), flag=flag
            )
    except IntegrityError:  # another worker recorded the same run's prompt first
        return None
    if flag is not None:
        _flag_event(flag, FlagEvent.Kind.REVIEW_PROMPTED, None, f"{len(run)} collections missed in a row")
    # The prescriber always (the treatment's owner); the key workers of the teams that may see
    # the overdose flag's organisation's risk: its own, or with the person's risk consent.
    risk_orgs = access.organisations_consented(contact.service_user_id, "risk")
    if flag is not None:
        risk_orgs.add(flag.organisation_id)
    prescribers = access.roles_in_force(
        team_id=contact.schedule.prescribing_team_id, role__in=list(access.CLINICAL_ROLES)
    ).values("user_id")
    key_workers = Involvement.objects.filter(
        service_user_id=contact.service_user_id,
        end__isnull=True,
        key_worker__isnull=False,
        team__organisation_id__in=risk_orgs,
    ).values("key_worker_id")
    recipients = list(
        User.objects.filter(is_active=True, kind=User.Kind.STAFF).filter(pk__in=prescribers)
        | User.objects.filter(is_active=True, kind=User.Kind.STAFF, pk__in=key_workers)
    )
    notify(
        event_key=f"safety:overdose_review:{first.pk}",
        recipients=recipients,
        kind="safety.overdose_review",
        subject=f"{len(run)} collections missed in a row: review the overdose risk flag",
        body=(
            "Several supervised-consumption collections in a row have been missed. Review the person's "
            "overdose risk flag, or consider raising one. Open the record to see who."
        ),
        url=reverse("safety:flags", kwargs={"pk": contact.service_user_id}),
        service_user=contact.service_user,
    )
    return prompt
