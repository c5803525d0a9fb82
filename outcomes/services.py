"""Every write of an outcome measure: validated, in one transaction, audited.

A form with any error saves nothing and raises OutcomeValidationError with every field's
message. Staff record through a team of theirs involved in the person's care; the person
may record their own satisfaction answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError
from dualcare.words import with_article

from . import validation
from .instruments import INSTRUMENT_NAMES, instrument_enabled
from .models import (
    TOP_AMOUNT_FIELDS,
    TOP_ITEM_FIELDS,
    TOP_WEEK_FIELDS,
    DialogPlusDiscussion,
    DialogRating,
    HonosRating,
    RatingPeriod,
    SatisfactionResponse,
    TopForm,
)


class OutcomeValidationError(ApplicationError):
    """Several fields at fault at once: {field: [message, ...]}."""

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=first_field)
        self.errors = errors

    def as_dict(self) -> dict:
        return dict(self.errors)


def _ensure_enabled(name: str) -> None:
    if not instrument_enabled(name):
        raise ApplicationError(f"{INSTRUMENT_NAMES[name]} is switched off here.")


def _rater(by, service_user):
    """(team, organisation) a staff member records for; refused unless their team is involved."""
    team = access.acting_team(by, service_user)
    if team is None:
        raise ApplicationError(
            "Only staff of a team involved in this person's care can record their outcomes."
        )
    return team, team.organisation


EXIT_STAGES = {"honos": ("discharge",), "top": ("exit", "post_treatment_exit")}


def exit_problems(by, service_user, involvement, instrument: str, stage, day) -> dict[str, list[str]]:
    """The field errors of an exit measure recorded after the involvement ended (the rule is
    access.outcomes_can_record_exit): only the exit stages, within the episode's dates. Returned,
    not raised, so they show with the instrument's own errors; a caller who may not record it at
    all is refused outright."""
    if involvement.service_user_id != service_user.pk or not access.outcomes_can_record_exit(
        by, involvement, instrument
    ):
        raise ApplicationError("You can no longer record this person's exit measure.")
    errors: dict[str, list[str]] = {}
    if stage not in EXIT_STAGES[instrument]:
        errors["stage"] = ["After discharge only the exit measure can be recorded."]
    if isinstance(day, dt.date) and day < involvement.start:
        field = "rated_on" if instrument == "honos" else "completed_on"
        errors[field] = [f"The date must be on or after the start of care, {involvement.start:%-d %B %Y}."]
    return errors


def _exit_rater(service_user, involvement, instrument: str):
    """(team, organisation) for an exit measure whose fields are valid: once per episode."""
    model, date_field = (HonosRating, "rated_on") if instrument == "honos" else (TopForm, "completed_on")
    if model.objects.filter(
        service_user=service_user,
        organisation_id=involvement.team.organisation_id,
        stage__in=EXIT_STAGES[instrument],
        **{f"{date_field}__gte": involvement.start},
    ).exists():
        raise ApplicationError(f"The {INSTRUMENT_NAMES[instrument]} at the end of care is already recorded.")
    return involvement.team, involvement.team.organisation


def _with_exit_problems(errors: dict, exit_from, by, service_user, instrument, stage, day) -> dict:
    """The instrument's errors and, after discharge, the exit measure's, all at once."""
    if exit_from is not None:
        for field, messages in exit_problems(by, service_user, exit_from, instrument, stage, day).items():
            errors.setdefault(field, messages)
    return errors


def _raise_if(errors: dict) -> None:
    if errors:
        raise OutcomeValidationError(errors)


@transaction.atomic
def honos_record(
    *,
    service_user,
    by,
    rated_on: dt.date,
    stage: str,
    items: list[int],
    item8_type: str = "",
    item8_other: str = "",
    rating_period: str = RatingPeriod.TWO_WEEKS,
    exit_from=None,
) -> HonosRating:
    """A HoNOS rating: 12 items 0-4 or 9, item 8's problem type when rated 1-4.

    `exit_from`: an involvement that has ended, whose team records the discharge HoNOS after
    losing sight of the record (access.outcomes_can_record_exit)."""
    _ensure_enabled("honos")
    errors = validation.validate_honos(
        rated_on=rated_on,
        stage=stage,
        items=items,
        item8_type=item8_type or "",
        item8_other=item8_other or "",
        rating_period=rating_period,
        today=clock.today(),
    )
    _raise_if(_with_exit_problems(errors, exit_from, by, service_user, "honos", stage, rated_on))
    if exit_from is not None:
        team, organisation = _exit_rater(service_user, exit_from, "honos")
    else:
        team, organisation = _rater(by, service_user)
    rating = HonosRating.objects.create(
        service_user=service_user,
        organisation=organisation,
        team=team,
        recorded_by=by,
        rated_on=rated_on,
        stage=stage,
        rating_period=rating_period,
        item8_type=item8_type or "",
        item8_other=(item8_other or "").strip(),
        **{f"item{n}": value for n, value in enumerate(items, start=1)},
    )
    audit_record(actor=by, action="outcomes.honos.record", target=rating, service_user=service_user)
    return rating


@transaction.atomic
def top_record(*, service_user, by, completed_on: dt.date, stage: str, exit_from=None, **answers) -> TopForm:
    """A TOP form. An answer left out or None is "not answered", which is not 0. Section 1's days
    may come week by week (alcohol_days_week4 ... _week1, 0-7 each): the total is their sum.

    `exit_from`: an involvement that has ended, whose team records the exit TOP after losing
    sight of the record (access.outcomes_can_record_exit)."""
    _ensure_enabled("top")
    unknown = set(answers) - set(TOP_ITEM_FIELDS) - set(TOP_WEEK_FIELDS) - {"other_substance_name"}
    if unknown:
        raise ApplicationError(f"Unknown TOP item: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    errors = validation.validate_top(
        completed_on=completed_on, stage=stage, answers=answers, today=clock.today()
    )
    _raise_if(_with_exit_problems(errors, exit_from, by, service_user, "top", stage, completed_on))
    if exit_from is not None:
        team, organisation = _exit_rater(service_user, exit_from, "top")
    else:
        team, organisation = _rater(by, service_user)
    totals, by_week = validation.top_days_with_weeks(answers)
    values = {name: value for name, value in answers.items() if name not in TOP_WEEK_FIELDS}
    values.update(totals)  # the 28-day totals, from the weeks where those were given
    values["days_by_week"] = by_week
    for name in TOP_AMOUNT_FIELDS:
        if values.get(name) is not None:
            values[name] = Decimal(str(values[name]))
    values["other_substance_name"] = (values.get("other_substance_name") or "").strip()
    form = TopForm.objects.create(
        service_user=service_user,
        organisation=organisation,
        team=team,
        recorded_by=by,
        completed_on=completed_on,
        stage=stage,
        **values,
    )
    audit_record(actor=by, action="outcomes.top.record", target=form, service_user=service_user)
    return form


@transaction.atomic
def dialog_record(
    *, service_user, by, rated_on: dt.date, items: list[int], more_help: list[int] | None = None
) -> DialogRating:
    """A DIALOG rating: 11 items from 1 (totally dissatisfied) to 7 (totally satisfied), and (DIALOG+)
    the items the person says they want more help with."""
    _ensure_enabled("dialog")
    more_help = [] if more_help is None else more_help
    _raise_if(
        validation.validate_dialog(rated_on=rated_on, items=items, today=clock.today())
        | validation.validate_more_help(more_help)
    )
    team, organisation = _rater(by, service_user)
    rating = DialogRating.objects.create(
        service_user=service_user,
        organisation=organisation,
        team=team,
        recorded_by=by,
        rated_on=rated_on,
        more_help=sorted(set(more_help)),
        **{f"item{n}": value for n, value in enumerate(items, start=1)},
    )
    audit_record(actor=by, action="outcomes.dialog.record", target=rating, service_user=service_user)
    return rating


@dataclass(frozen=True)
class AgreedAction:
    """One action agreed in DIALOG+ step 4: what, who (the person, the worker or their
    organisation) and by when."""

    text: str
    owner_kind: str = "service_user"
    due_date: dt.date | None = None


DIALOG_PLUS_OWNERS = ("service_user", "worker", "organisation")


@transaction.atomic
def dialog_plus_record(
    *,
    rating: DialogRating,
    by,
    item: int,
    understanding: str,
    looking_forward: str,
    options: str,
    actions: list[AgreedAction],
) -> DialogPlusDiscussion:
    """DIALOG+ for one item the person wants more help with: the four steps, and the agreed actions
    added to the person's care plan as actions of the worker's organisation (careplans.services,
    the same rules as any plan entry). All or nothing: a refused action saves none of it."""
    from careplans import services as careplan_services

    service_user = rating.service_user
    team, organisation = _rater(by, service_user)
    if not access.can_view_org_written(by, rating):
        raise access.Hidden("No such rating.")
    errors = validation.validate_dialog_plus(
        item=item,
        more_help=rating.more_help,
        understanding=understanding,
        looking_forward=looking_forward,
        options=options,
        actions=actions,
        owners=DIALOG_PLUS_OWNERS,
    )
    _raise_if(errors)
    if DialogPlusDiscussion.objects.filter(rating=rating, item=item).exists():
        raise ApplicationError("This item has already been discussed for this rating.", field="item")
    entry_ids = []
    for number, action in enumerate(actions, start=1):
        try:
            entry = careplan_services.entry_add(
                service_user=service_user,
                section="action",
                by=by,
                text=action.text.strip(),
                owner_kind=action.owner_kind,
                owner_worker=by if action.owner_kind == "worker" else None,
                due_date=action.due_date,
                status="not_started",
            )
        except ApplicationError as error:
            raise OutcomeValidationError(
                {f"action{number}_{error.field or 'text'}": [error.message]}
            ) from None
        entry_ids.append(str(entry.pk))
    discussion = DialogPlusDiscussion.objects.create(
        service_user=service_user,
        organisation=organisation,
        team=team,
        recorded_by=by,
        rating=rating,
        item=item,
        discussed_on=clock.today(),
        understanding=understanding.strip(),
        looking_forward=looking_forward.strip(),
        options=options.strip(),
        action_entry_ids=entry_ids,
    )
    audit_record(
        actor=by,
        action="outcomes.dialog_plus.record",
        target=discussion,
        service_user=service_user,
        detail={"item": item, "actions": len(entry_ids)},
    )
    return discussion


@transaction.atomic
def satisfaction_record(
    *, service_user, by, answer: str, comment: str = "", responded_on: dt.date | None = None
) -> SatisfactionResponse:
    """The person's answer to the Friends and Family Test question about their joint care.

    The person answers for themselves, or staff of an involved team record what they said.
    """
    _ensure_enabled("satisfaction")
    responded_on = responded_on or clock.today()
    _raise_if(
        validation.validate_satisfaction(
            responded_on=responded_on, answer=answer, comment=comment, today=clock.today()
        )
    )
    if getattr(by, "kind", "") == "service_user":
        if service_user.user_id != by.pk:
            raise ApplicationError("You can only answer for yourself.")
        team, organisation = None, None
    else:
        team, organisation = _rater(by, service_user)
    response = SatisfactionResponse.objects.create(
        service_user=service_user,
        organisation=organisation,
        team=team,
        recorded_by=by,
        responded_on=responded_on,
        answer=answer,
        comment=(comment or "").strip(),
    )
    audit_record(actor=by, action="outcomes.satisfaction.record", target=response, service_user=service_user)
    return response


def outcomes_send_overdue_reminders(*, today: dt.date | None = None) -> int:
    """Remind the key worker (or the team's managers when there is none) once per overdue measure.

    Each overdue item is claimed by inserting its reminder row with a unique key; a second scan
    or a second beat finds the row and sends nothing. Returns the reminders sent. Involvements
    that ended within OUTCOME_EXIT_ACCESS_DAYS are scanned too, for their exit measure: the key
    worker is reminded while still in the team, else the team's managers.
    """
    from dualcare.notifications.services import notify
    from dualcare.people.models import Involvement

    from .models import OutcomeReminder
    from .selectors import due_items

    today = today or clock.today()
    recently_ended = Q(end__lte=today, end__gte=today - dt.timedelta(days=access.outcomes_exit_access_days()))
    involvements = list(
        Involvement.objects.filter(Q(end__isnull=True) | recently_ended).select_related(
            "team__organisation", "key_worker"
        )
    )
    # After discharge the key worker can record the exit measure only while still in the team.
    in_team = set(
        access.roles_in_force(
            team_id__in={i.team_id for i in involvements if i.end is not None},
            role__in=list(access.CLINICAL_ROLES),
        ).values_list("team_id", "user_id")
    )
    sent = 0
    for item in due_items(involvements, today=today):
        if not item.due.overdue:
            continue
        involvement, due = item.involvement, item.due
        with transaction.atomic():
            _, created = OutcomeReminder.objects.get_or_create(
                involvement=involvement, instrument=due.instrument, kind=due.kind, due_on=due.due_on
            )
            if not created:
                continue
            recipients = [involvement.key_worker] if involvement.key_worker_id else []
            if (
                involvement.end is not None
                and (involvement.team_id, involvement.key_worker_id) not in in_team
            ):
                recipients = []
            if not recipients:
                recipients = access.team_managers(involvement.team_id)
            # No names in the message: it may go by email. The link opens the record, which checks access.
            notify(
                event_key=f"outcome:{involvement.pk}:{due.instrument}:{due.kind}:{due.due_on:%Y-%m-%d}",
                recipients=recipients,
                kind=f"outcomes.{due.instrument}_overdue",
                subject=f"Overdue: {with_article(due.words)} for someone in {involvement.team.name}",
                body=(
                    f"{with_article(due.words).capitalize()} was due on {due.due_on:%-d %B %Y} "
                    "and has not been recorded."
                ),
                url=(
                    f"/outcomes/exit/{involvement.pk}/{due.instrument}/"
                    if involvement.end is not None
                    else f"/outcomes/people/{involvement.service_user_id}/"
                ),
                related=involvement,
            )
            sent += 1
    return sent
