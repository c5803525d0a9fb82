"""Every write to referrals: create, edit, send and the moves of the receiving team.

Each service runs in one transaction, locks the referral row (select_for_update) and
re-checks its state inside the lock, so two people acting at once cannot both win: the
second sees the first one's result and is refused with a clear message. Every move writes
a ReferralEvent and an audit row; notifications go to the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from directory import signposting
from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.services import notify
from dualcare.people.models import Involvement, ServiceUser, StaffRole, Team, User
from dualcare.people.services import involvement_start
from dualcare.words import with_article

from . import sla
from .models import STATE_TIME_FIELD, Handover, Referral, ReferralEvent, State, Urgency

CONTENT_FIELDS = ("reason", "person_wants", "mental_health_needs", "substance_use", "risk_summary")
EDITABLE_FIELDS = {"to_team", "urgency", *CONTENT_FIELDS}

CONSENT_BEFORE_SENDING = "Confirm that the person agrees to this referral before you send it."
OPEN_REFERRAL_EXISTS = (
    "There is already an open referral for this person to this team. "
    "Open that referral, or choose another team."
)


def referral_url(referral: Referral) -> str:
    """The referral's page (reverse() needs no request, so workers use it too)."""
    return reverse("referrals:detail", args=[referral.pk])


def _ensure_may(user: User, referral: Referral, action: str) -> set[str]:
    sides = access.referral_sides(user, referral)
    if not access.can_act_on_referral(user, referral, action, sides=sides):
        messages = {
            "send": "Only the team that wrote this referral can send it.",
            "edit": "Only the team that wrote this referral can change it.",
            "withdraw": "Only the team that sent this referral can withdraw it.",
            "acknowledge": "Only the team this referral was sent to can acknowledge it.",
            "accept": "Only the team this referral was sent to can accept it.",
            "decline": "Only the team this referral was sent to can decline it.",
        }
        # Seen but not theirs to do: a 403 in the API, a refusal on the page.
        raise access.Refused(messages.get(action, "You cannot do this to this referral."))
    return sides


def _locked(referral: Referral) -> Referral:
    """The referral re-read under a row lock: its state now, not when the caller loaded it."""
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _move(
    referral: Referral, *, to: str, by: User, note: str = "", extra_fields: tuple = (), now=None
) -> Referral:
    """Move a locked referral to `to`, stamping the state's time and writing the event row."""
    referral.ensure_can_move_to(to)
    from_state = referral.state
    now = now or clock.now()
    referral.state = to
    setattr(referral, STATE_TIME_FIELD[to], now)
    referral.save(update_fields=["state", STATE_TIME_FIELD[to], *extra_fields, "updated_at"])
    ReferralEvent.objects.create(
        referral=referral, at=now, by=by, from_state=from_state, to_state=to, note=note.strip()
    )
    audit_record(
        actor=by,
        action=f"referral.{to}",
        target=referral,
        service_user=referral.service_user,
        detail={"from": from_state, "to": to},
    )
    return referral


def _clean_text(value, field: str, message: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(message, field=field)
    return value


def _check_to_team(to_team: Team | None, from_team: Team) -> Team:
    if to_team is None:
        raise ApplicationError("Choose the team you are referring to.", field="to_team")
    if not to_team.is_active:
        raise ApplicationError(
            "This team is no longer taking referrals. Choose another team.", field="to_team"
        )
    if not to_team.works_with_people:
        raise ApplicationError(
            f"{to_team.name} does not see people, so it does not take referrals. Choose another team.",
            field="to_team",
        )
    if to_team.pk == from_team.pk:
        raise ApplicationError("You cannot refer to your own team. Choose another team.", field="to_team")
    return to_team


def _check_urgency(urgency: str | None) -> str:
    """A draft may leave the urgency unchosen (""); anything given must be one of the choices."""
    urgency = urgency or ""
    if urgency and urgency not in Urgency.values:
        raise ApplicationError("Choose how urgent this referral is.", field="urgency")
    return urgency


def _check_no_open_referral(service_user_id, to_team_id, *, referral_pk=None, conflict: bool = False) -> None:
    """Refuse a second open referral of the person to the same team, as a draft as when sent.

    A refusal of this request's input (a draft's team) is an ApplicationError; one of the
    draft's own state at sending is a StateConflict (a 409 in the API)."""
    others = Referral.objects.filter(
        service_user_id=service_user_id, to_team_id=to_team_id, state__in=[State.SENT, State.ACKNOWLEDGED]
    )
    if referral_pk is not None:
        others = others.exclude(pk=referral_pk)
    if others.exists():
        error = StateConflict if conflict else ApplicationError
        raise error(OPEN_REFERRAL_EXISTS, field="to_team")


def _referring_team(by: User, service_user: ServiceUser, from_team: Team | None) -> Team:
    """The team the referral comes from: one of the referrer's, involved with the person."""
    involved = access.referral_teams_of(by).filter(
        involvements__service_user=service_user, involvements__end__isnull=True
    )
    if from_team is not None:
        involved = involved.filter(pk=from_team.pk)
    team = involved.first()
    if team is None or not access.can_view_record(by, service_user):
        raise ApplicationError(
            "You can only refer people your team is working with.",
            field="from_team" if from_team is not None else "service_user",
        )
    return team


@transaction.atomic
def referral_create(
    *,
    by: User,
    service_user: ServiceUser,
    to_team: Team | None,
    reason: str,
    urgency: str = "",
    person_wants: str = "",
    mental_health_needs: str = "",
    substance_use: str = "",
    risk_summary: str = "",
    consent_confirmed: bool = False,
    from_team: Team | None = None,
    send: bool = False,
    note: str = "",
) -> Referral:
    """Write a referral as a draft of the referrer's team (and send it at once if `send`).

    The referrer must be in a team involved with the person. The receiving team may be
    any active team of any participating organisation, the same organisation included.
    """
    team = _referring_team(by, service_user, from_team)
    to_team = _check_to_team(to_team, team)
    urgency = _check_urgency(urgency)
    reason = _clean_text(reason, "reason", "Say why you are referring this person.")
    _check_no_open_referral(service_user.pk, to_team.pk)
    if send and not consent_confirmed:
        raise ApplicationError(CONSENT_BEFORE_SENDING, field="consent_confirmed")  # this input, so a 400
    now = clock.now()
    referral = Referral.objects.create(
        service_user=service_user,
        from_team=team,
        referrer=by,
        to_team=to_team,
        urgency=urgency,
        reason=reason,
        person_wants=(person_wants or "").strip(),
        mental_health_needs=(mental_health_needs or "").strip(),
        substance_use=(substance_use or "").strip(),
        risk_summary=(risk_summary or "").strip(),
        consent_confirmed=bool(consent_confirmed),
        consent_confirmed_by=by if consent_confirmed else None,
        consent_confirmed_at=now if consent_confirmed else None,
    )
    ReferralEvent.objects.create(referral=referral, at=now, by=by, from_state="", to_state=State.DRAFT)
    audit_record(actor=by, action="referral.create", target=referral, service_user=service_user)
    if send:
        referral = referral_send(referral=referral, by=by, note=note)
    return referral


@transaction.atomic
def referral_update(
    *,
    referral: Referral,
    by: User,
    consent_confirmed: bool | None = None,
    send: bool = False,
    note: str = "",
    **changes,
) -> Referral:
    """Change a draft (and send it at once if `send`). Once sent, a referral's contents stand as sent."""
    referral = _locked(referral)
    _ensure_may(by, referral, "edit")
    if referral.state != State.DRAFT:
        raise StateConflict("This referral has been sent, so it can no longer be changed.")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    if "to_team" in changes:
        changes["to_team"] = _check_to_team(changes["to_team"], referral.from_team)
        _check_no_open_referral(referral.service_user_id, changes["to_team"].pk, referral_pk=referral.pk)
    if "urgency" in changes:
        changes["urgency"] = _check_urgency(changes["urgency"])
    if "reason" in changes:
        changes["reason"] = _clean_text(changes["reason"], "reason", "Say why you are referring this person.")
    for field in CONTENT_FIELDS:
        if field in changes:
            changes[field] = (changes[field] or "").strip()
    fields = list(changes)
    if consent_confirmed is not None and consent_confirmed != referral.consent_confirmed:
        referral.consent_confirmed = consent_confirmed
        referral.consent_confirmed_by = by if consent_confirmed else None
        referral.consent_confirmed_at = clock.now() if consent_confirmed else None
        fields += ["consent_confirmed", "consent_confirmed_by", "consent_confirmed_at"]
    for field, value in changes.items():
        setattr(referral, field, value)
    referral.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=by,
        action="referral.update",
        target=referral,
        service_user=referral.service_user,
        detail={"fields": sorted(fields)},
    )
    if send:
        referral = referral_send(referral=referral, by=by, note=note)
    return referral


@transaction.atomic
def referral_delete_draft(*, referral: Referral, by: User) -> None:
    """Delete a draft that was never sent: nobody but the referring team has seen it.

    The audit keeps that it existed and who deleted it; a sent referral is withdrawn instead."""
    referral = _locked(referral)
    _ensure_may(by, referral, "edit")
    if referral.state != State.DRAFT:
        raise StateConflict("This referral has been sent, so it cannot be deleted. You can withdraw it.")
    audit_record(
        actor=by, action="referral.delete_draft", target=referral, service_user=referral.service_user
    )
    referral.events.all().delete()
    referral.delete()


@transaction.atomic
def referral_send(
    *, referral: Referral, by: User, note: str = "", urgency: str = "", consent_confirmed: bool = False
) -> Referral:
    """Send a draft: the deadlines are set from now, and the receiving team is told.
    `urgency` chooses it as the draft is sent (a draft may have been saved without one), and
    `consent_confirmed` records, as it is sent, that the person agrees (if the draft does not yet)."""
    referral = _locked(referral)
    _ensure_may(by, referral, "send")
    referral.ensure_can_move_to(State.SENT)
    urgency = _check_urgency(urgency)
    if urgency:
        referral.urgency = urgency
    consent_fields: tuple = ()
    if consent_confirmed and not referral.consent_confirmed:
        referral.consent_confirmed = True
        referral.consent_confirmed_by = by
        referral.consent_confirmed_at = clock.now()
        consent_fields = ("consent_confirmed", "consent_confirmed_by", "consent_confirmed_at")
    if not referral.urgency:
        raise ApplicationError("Choose how urgent this referral is before you send it.", field="urgency")
    # Both are the draft's state (or another referral's), not this request's input: a 409 in the API.
    if not referral.consent_confirmed:
        raise StateConflict(CONSENT_BEFORE_SENDING, field="consent_confirmed")
    _check_no_open_referral(
        referral.service_user_id, referral.to_team_id, referral_pk=referral.pk, conflict=True
    )
    now = clock.now()
    referral.acknowledge_due_at = sla.due_at(now, referral.urgency, "acknowledge")
    referral.decide_due_at = sla.due_at(now, referral.urgency, "decide")
    referral = _move(
        referral,
        to=State.SENT,
        by=by,
        note=note,
        extra_fields=("urgency", "acknowledge_due_at", "decide_due_at", *consent_fields),
        now=now,
    )
    _notify_team(
        referral,
        team_id=referral.to_team_id,
        event="received",
        subject=f"New {referral.get_urgency_display().lower()} referral for {referral.to_team.name}",
        body="A referral has been sent to your team. Open it in DualCare to acknowledge it.",
        exclude=by,
    )
    return referral


@transaction.atomic
def referral_acknowledge(*, referral: Referral, by: User, note: str = "") -> Referral:
    """The receiving team confirms it has the referral and will decide on it."""
    referral = _locked(referral)
    _ensure_may(by, referral, "acknowledge")
    referral = _move(referral, to=State.ACKNOWLEDGED, by=by, note=note)
    _notify_referrer(referral, event="acknowledged", subject="Your referral has been acknowledged")
    return referral


@transaction.atomic
def referral_accept(
    *, referral: Referral, by: User, key_worker: User | None = None, note: str = ""
) -> Referral:
    """Accept the referral; the receiving team becomes involved in the person's care at once.

    If the team is already involved, the involvement stands (and gains the key worker if it
    had none). Staff access to the record follows from the involvement in this transaction.
    """
    referral = _locked(referral)
    _ensure_may(by, referral, "accept")
    referral.ensure_can_move_to(State.ACCEPTED)
    if (
        key_worker is not None
        and not access.active_roles(key_worker)
        .filter(
            team_id=referral.to_team_id,
            role__in=[StaffRole.Role.KEY_WORKER, StaffRole.Role.LINK_WORKER, StaffRole.Role.TEAM_MANAGER],
        )
        .exists()
    ):
        raise ApplicationError("The key worker must be a member of the receiving team.", field="key_worker")
    referral.receiving_key_worker = key_worker
    referral = _move(referral, to=State.ACCEPTED, by=by, note=note, extra_fields=("receiving_key_worker",))
    involvement = Involvement.objects.filter(
        service_user_id=referral.service_user_id, team_id=referral.to_team_id, end__isnull=True
    ).first()
    if involvement is None:
        involvement_start(
            service_user=referral.service_user, team=referral.to_team, key_worker=key_worker, by=by
        )
    elif key_worker is not None and involvement.key_worker_id is None:
        involvement.key_worker = key_worker
        involvement.save(update_fields=["key_worker", "updated_at"])
    _notify_referrer(referral, event="accepted", subject="Your referral has been accepted")
    return referral


@transaction.atomic
def referral_decline(
    *,
    referral: Referral,
    by: User,
    reason: str,
    signposting_service: str = "",
    signposting_next_steps: str = "",
    note: str = "",
    directory_services=(),
) -> Referral:
    """Decline the referral. Never a dead end: a reason and signposting are both required.

    Signposting names the services the person should go to instead: directory entries
    (`directory_services`) and/or, for what the directory lacks (or where there is none, what the
    referrer should do next), `signposting_service` in words; `signposting_next_steps` says how to
    get there. It is recorded as a signpost (directory.signposting) whose follow-up falls due.
    """
    referral = _locked(referral)
    _ensure_may(by, referral, "decline")
    referral.ensure_can_move_to(State.DECLINED)
    reason = (reason or "").strip()
    service = (signposting_service or "").strip()
    next_steps = (signposting_next_steps or "").strip()
    if not reason:
        raise ApplicationError("Say why your team cannot take this referral.", field="reason")
    if not service and not directory_services:
        raise ApplicationError(
            "Choose a service from the directory, or name the service the person should go to instead "
            "or say what the referrer should do next.",
            field="signposting_service",
        )
    try:
        signpost = signposting.signpost_record(
            service_user=referral.service_user,
            team=referral.to_team,
            by=by,
            occasion=signposting.Signpost.Occasion.REFERRAL_DECLINED,
            services=directory_services,
            other=service[:200],
            next_steps=next_steps,
            referral=referral,
        )
    except ApplicationError as error:
        field = {"services": "directory_services", "other": "signposting_service"}.get(
            error.field, error.field
        )
        raise ApplicationError(error.message, field=field) from None
    referral.decline_reason = reason
    referral.signposting_service = signposting.names_of(signpost.services.all(), service)
    referral.signposting_next_steps = next_steps
    referral = _move(
        referral,
        to=State.DECLINED,
        by=by,
        note=note,
        extra_fields=("decline_reason", "signposting_service", "signposting_next_steps"),
    )
    _notify_referrer(referral, event="declined", subject="Your referral has been declined, with signposting")
    return referral


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User, note: str = "") -> Referral:
    """The referring team takes back a referral that has not yet been decided."""
    referral = _locked(referral)
    _ensure_may(by, referral, "withdraw")
    referral = _move(referral, to=State.WITHDRAWN, by=by, note=note)
    _notify_team(
        referral,
        team_id=referral.to_team_id,
        event="withdrawn",
        subject=f"A referral to {referral.to_team.name} has been withdrawn",
        body="The referring team has withdrawn a referral. Nothing more is needed from your team.",
        exclude=by,
    )
    return referral


@transaction.atomic
def referral_close(*, referral: Referral, by: User, note: str = "") -> Referral:
    """Close an accepted referral once the transfer is done (typically after the handover)."""
    referral = _locked(referral)
    _ensure_may(by, referral, "close")
    return _move(referral, to=State.CLOSED, by=by, note=note)


@transaction.atomic
def handover_record(
    *,
    referral: Referral,
    by: User,
    held_on: dt.date | None,
    agreed: str,
    referrer_attended: bool = True,
    receiver_attended: bool = True,
    service_user_attended: bool = True,
    others_attending: str = "",
) -> Handover:
    """Record the three-way handover (referrer, receiving worker, the person) of an accepted referral."""
    referral = _locked(referral)
    _ensure_may(by, referral, "handover")
    if referral.state != State.ACCEPTED:
        raise ApplicationError("A handover can only be recorded for an accepted referral.")
    if held_on is None:
        raise ApplicationError("Enter the date of the handover.", field="held_on")
    if held_on > clock.today():
        raise ApplicationError("The handover date must be today or in the past.", field="held_on")
    if referral.accepted_at and held_on < timezone.localtime(referral.accepted_at).date():
        raise ApplicationError("The handover cannot be before the referral was accepted.", field="held_on")
    agreed = _clean_text(agreed, "agreed", "Write down what was agreed.")
    handover = Handover.objects.create(
        referral=referral,
        held_on=held_on,
        agreed=agreed,
        referrer_attended=referrer_attended,
        receiver_attended=receiver_attended,
        service_user_attended=service_user_attended,
        others_attending=(others_attending or "").strip()[:300],
        recorded_by=by,
    )
    audit_record(actor=by, action="referral.handover", target=handover, service_user=referral.service_user)
    return handover


# ---------------------------------------------------------------------------
# Overdue alerts


def team_managers(team_id) -> list[User]:
    """Who hears about the team's overdue referrals (access.team_managers)."""
    return access.team_managers(team_id)


def referrals_raise_overdue_alerts(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Alert the receiving team's managers once for each breach of a deadline. Returns alerts raised.

    Each breach is claimed with a conditional UPDATE on the referral (alerted_at still null),
    and the outbox's unique event key stops a second row even if two scans overlap.
    """
    now = now or clock.now()
    raised = 0
    breaches = (
        ("acknowledge", [State.SENT], "acknowledge_due_at", "acknowledge_overdue_alerted_at"),
        ("decide", [State.SENT, State.ACKNOWLEDGED], "decide_due_at", "decide_overdue_alerted_at"),
    )
    for step, states, due_field, alerted_field in breaches:
        ids = list(
            Referral.objects.filter(
                state__in=states, **{f"{due_field}__lt": now, f"{alerted_field}__isnull": True}
            )
            .order_by(due_field)
            .values_list("pk", flat=True)[:limit]
        )
        for pk in ids:
            with transaction.atomic():
                claimed = Referral.objects.filter(
                    pk=pk, state__in=states, **{f"{alerted_field}__isnull": True}
                ).update(**{alerted_field: now})
                if not claimed:
                    continue
                referral = Referral.objects.select_related("to_team").get(pk=pk)
                what = "acknowledged" if step == "acknowledge" else "accepted or declined"
                due_text = f"{timezone.localtime(getattr(referral, due_field)):%-d %b %Y %H:%M}"
                notify(
                    event_key=f"referral:{referral.pk}:{step}_overdue",
                    recipients=team_managers(referral.to_team_id),
                    kind=f"referral.{step}_overdue",
                    subject=f"Overdue: a referral to {referral.to_team.name} has not been {what} in time",
                    body=(
                        f"{with_article(referral.get_urgency_display().lower()).capitalize()} referral to "
                        f"{referral.to_team.name} "
                        f"was due to be {what} by {due_text}."
                    ),
                    url=referral_url(referral),
                    related=referral,
                )
                raised += 1
    return raised


# ---------------------------------------------------------------------------
# Notifications to the two teams (links only: no personal data in the message)


def _notify_team(referral: Referral, *, team_id, event: str, subject: str, body: str, exclude: User | None):
    today = clock.today()
    staff = User.objects.filter(
        is_active=True,
        pk__in=StaffRole.objects.filter(
            team_id=team_id, role__in=list(access.CLINICAL_ROLES), start__lte=today
        )
        .exclude(end__lte=today)
        .values("user_id"),
    )
    if exclude is not None:
        staff = staff.exclude(pk=exclude.pk)
    notify(
        event_key=f"referral:{referral.pk}:{event}",
        recipients=list(staff),
        kind=f"referral.{event}",
        subject=subject,
        body=body,
        url=referral_url(referral),
        related=referral,
        channels=("in_app",),
    )


def _notify_referrer(referral: Referral, *, event: str, subject: str) -> None:
    notify(
        event_key=f"referral:{referral.pk}:{event}",
        recipients=[referral.referrer],
        kind=f"referral.{event}",
        subject=subject,
        body=f"{referral.to_team.name} has {event} your referral. Open it in DualCare for the details.",
        url=referral_url(referral),
        related=referral,
        channels=("in_app",),
    )
