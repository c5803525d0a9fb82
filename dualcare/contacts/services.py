"""Every write to contacts, and the alert rules that follow from what is recorded.

Recording an outcome locks the contact row and compares inside the lock, so the same
outcome recorded twice (or by two people at once) changes nothing, and a different one is
a correction kept as a ContactOutcomeEvent. Alerts are outbox rows written in the same
transaction, each with an event key, so one event tells each recipient once whatever
retries or overlapping scans happen. Messages carry no names: a link to the record only.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from dualcare import access
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.models import SEE_WHO, Notification
from dualcare.notifications.services import (
    notify,
    notify_addresses,
    notify_configured,
    notify_many,
    team_managers,
)
from dualcare.people.models import (
    Involvement,
    Organisation,
    Scope,
    ServiceUser,
    StaffRole,
    Team,
    User,
)

from .models import (
    APPOINTMENT_KINDS,
    RULE_RANGES,
    Contact,
    ContactOutcomeEvent,
    ContactRules,
    DoNotContact,
    Kind,
    Outcome,
    ReminderReply,
    SupervisedConsumption,
)

# The highest single daily dose accepted, by unit: above it is almost certainly a typing error.
MAX_DOSE = {"mg": Decimal("300"), "ml": Decimal("300")}
COLLECTION_TIME = dt.time(9, 0)


# ---------------------------------------------------------------------------
# Rules: an organisation's own thresholds, else the settings' defaults


@dataclass(frozen=True)
class Rules:
    urgent_after_missed_collections: int
    escalate_urgent_after: dt.timedelta
    disengaged_after_days: int
    reminder_hours_before: int
    not_recorded_alert_hour: int = 9

    def as_fields(self) -> dict:
        """The values as the ContactRules fields hold them."""
        return {
            "urgent_after_missed_collections": self.urgent_after_missed_collections,
            "escalate_urgent_after_minutes": int(self.escalate_urgent_after.total_seconds() // 60),
            "disengaged_after_days": self.disengaged_after_days,
            "reminder_hours_before": self.reminder_hours_before,
            "not_recorded_alert_hour": self.not_recorded_alert_hour,
        }


def default_rules() -> Rules:
    return Rules(
        urgent_after_missed_collections=getattr(settings, "CONTACTS_URGENT_AFTER_MISSED_COLLECTIONS", 3),
        escalate_urgent_after=dt.timedelta(minutes=getattr(settings, "CONTACTS_ESCALATE_AFTER_MINUTES", 240)),
        disengaged_after_days=getattr(settings, "CONTACTS_DISENGAGED_AFTER_DAYS", 28),
        reminder_hours_before=getattr(settings, "CONTACTS_REMINDER_HOURS_BEFORE", 24),
        not_recorded_alert_hour=getattr(settings, "CONTACTS_NOT_RECORDED_ALERT_HOUR", 9),
    )


def _rules_from_row(row: ContactRules) -> Rules:
    return Rules(
        urgent_after_missed_collections=row.urgent_after_missed_collections,
        escalate_urgent_after=dt.timedelta(minutes=row.escalate_urgent_after_minutes),
        disengaged_after_days=row.disengaged_after_days,
        reminder_hours_before=row.reminder_hours_before,
        not_recorded_alert_hour=row.not_recorded_alert_hour,
    )


def rules_for(organisation_ids) -> dict:
    """{organisation id: Rules} for these organisations, in one query."""
    organisation_ids = set(organisation_ids)
    found = {
        row.organisation_id: row for row in ContactRules.objects.filter(organisation_id__in=organisation_ids)
    }
    default = default_rules()
    return {
        org_id: default if org_id not in found else _rules_from_row(found[org_id])
        for org_id in organisation_ids
    }


RULE_MESSAGES = {
    "urgent_after_missed_collections": "Enter how many collections missed in a row make an urgent alert, "
    "from {low} to {high}.",
    "escalate_urgent_after_minutes": "Enter how many minutes an urgent alert can wait before it goes to the "
    "team manager, from {low} to {high}.",
    "disengaged_after_days": "Enter how many days without an attended contact make a person disengaged, "
    "from {low} to {high}.",
    "reminder_hours_before": "Enter how many hours before an appointment the reminder is sent, "
    "from {low} to {high}.",
    "not_recorded_alert_hour": "Enter the hour of the next morning, from {low} to {high} (for example 9 "
    "for 9am).",
}


@transaction.atomic
def contact_rules_set(*, organisation: Organisation, by: User, **values) -> ContactRules:
    """An organisation admin sets their organisation's thresholds.

    Every value is checked against RULE_RANGES (field-level errors, nothing written when one is
    wrong); values left out keep their current setting. The audit row holds each changed field
    with its old and new value, which is the rules' history."""
    if not access.contacts_can_set_rules(by, organisation):
        raise ApplicationError("Only an admin of this organisation can change its alert rules.")
    unknown = set(values) - set(RULE_RANGES)
    if unknown:
        raise ApplicationError(f"Unknown rule: {sorted(unknown)[0]}.")
    clean = {}
    for field_name, value in values.items():
        low, high = RULE_RANGES[field_name]
        try:
            number = int(value)
            if isinstance(value, float | Decimal) and number != value:
                raise ValueError
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ApplicationError(RULE_MESSAGES[field_name].format(low=low, high=high), field=field_name)
        clean[field_name] = number
    rules = ContactRules.objects.select_for_update().filter(organisation=organisation).first()
    before = (
        rules_for([organisation.pk])[organisation.pk].as_fields()
        if rules is None
        else _rules_from_row(rules).as_fields()
    )
    changes = {name: [before[name], new] for name, new in clean.items() if before[name] != new}
    if rules is None:
        rules = ContactRules(organisation=organisation, **before)
    for name, new in clean.items():
        setattr(rules, name, new)
    rules.updated_by = by
    rules.save()
    if changes:
        audit_record(
            actor=by,
            action="contacts.rules_set",
            target=rules,
            organisation=organisation,
            detail={"changes": changes},
        )
    return rules


def person_url(service_user_id) -> str:
    """The record page (reverse() needs no request, so workers use it too)."""
    return reverse("service_user_detail", args=[service_user_id])


def _today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------
# Setting up: appointments and supervised-consumption schedules


def _involved_team(service_user: ServiceUser, team: Team | None, field: str, message: str) -> Team:
    if (
        team is None
        or not Involvement.objects.filter(service_user=service_user, team=team, end__isnull=True).exists()
    ):
        raise ApplicationError(message, field=field)
    return team


@transaction.atomic
def appointment_create(
    *,
    by: User,
    service_user: ServiceUser,
    kind: str,
    team: Team,
    starts_at: dt.datetime,
    staff: User | None = None,
    place: str = "",
) -> Contact:
    """Book an appointment with a person for one of the booker's teams that works with them."""
    if kind not in APPOINTMENT_KINDS:
        raise ApplicationError("Choose the kind of appointment.", field="kind")
    if not access.contact_teams_of(by, collections=False).filter(pk=getattr(team, "pk", None)).exists():
        raise ApplicationError("Choose one of your teams.", field="team")
    _involved_team(service_user, team, "team", "Your team is not working with this person.")
    if starts_at is None or timezone.is_naive(starts_at):
        raise ApplicationError("Enter the date and time of the appointment.", field="starts_at")
    if starts_at < timezone.now() - dt.timedelta(days=366):
        raise ApplicationError(
            "The appointment must be within the last year or in the future.", field="starts_at"
        )
    if staff is not None and not access.roles_in_force(team=team, user=staff).exists():
        raise ApplicationError("Choose a member of the team.", field="staff")
    contact = Contact.objects.create(
        service_user=service_user,
        kind=kind,
        team=team,
        staff=staff,
        starts_at=starts_at,
        due_on=timezone.localdate(starts_at),
        place=place.strip()[:200],
        created_by=by,
    )
    audit_record(actor=by, action="contact.create", target=contact, service_user=service_user)
    return contact


def parse_days(days) -> str:
    """ "0246" or [0, 2, 4, 6] (Monday = 0) -> "0246"; anything else is refused."""
    digits = sorted({str(day) for day in days}) if not isinstance(days, str) else sorted(set(days))
    if not digits or any(d not in "0123456" or len(d) != 1 for d in digits):
        raise ApplicationError("Choose at least one day of the week.", field="days_of_week")
    return "".join(digits)


@transaction.atomic
def supervised_consumption_start(
    *,
    by: User,
    service_user: ServiceUser,
    pharmacy_team: Team,
    prescribing_team: Team,
    medicine: str,
    dose,
    dose_unit: str = "mg",
    days_of_week="0123456",
    start: dt.date,
    end: dt.date | None = None,
) -> SupervisedConsumption:
    """The prescribing team sets up supervised consumption at a pharmacy working with the person.

    Today's collection is written at once if today is a due day; later days come from the
    daily scan (collections_generate)."""
    if (
        not access.contact_teams_of(by, collections=False)
        .filter(pk=getattr(prescribing_team, "pk", None))
        .exists()
    ):
        raise ApplicationError("Choose your team: the one prescribing.", field="prescribing_team")
    _involved_team(
        service_user, prescribing_team, "prescribing_team", "Your team is not working with this person."
    )
    if pharmacy_team is None or pharmacy_team.organisation.kind != Organisation.Kind.PHARMACY:
        raise ApplicationError("Choose a community pharmacy.", field="pharmacy_team")
    _involved_team(
        service_user,
        pharmacy_team,
        "pharmacy_team",
        "This pharmacy is not working with this person yet: add it to their care team first.",
    )
    medicine = (medicine or "").strip()
    if not medicine:
        raise ApplicationError(
            "Enter the medicine, for example methadone oral solution 1 mg/ml.", field="medicine"
        )
    if dose_unit not in MAX_DOSE:
        raise ApplicationError("Give the dose in mg or ml.", field="dose_unit")
    try:
        dose = Decimal(str(dose))
    except (InvalidOperation, ValueError):
        raise ApplicationError("Enter the dose as a number, for example 60.", field="dose") from None
    if not dose.is_finite() or dose <= 0 or dose > MAX_DOSE[dose_unit]:
        raise ApplicationError(
            f"Enter a dose above 0 and no more than {MAX_DOSE[dose_unit]} {dose_unit}.", field="dose"
        )
    if dose.as_tuple().exponent < -2:
        raise ApplicationError("Give the dose to at most two decimal places.", field="dose")
    days = parse_days(days_of_week)
    if start is None:
        raise ApplicationError("Enter the first day.", field="start")
    if end is not None and end < start:
        raise ApplicationError("The last day must be on or after the first day.", field="end")
    schedule = SupervisedConsumption.objects.create(
        service_user=service_user,
        pharmacy_team=pharmacy_team,
        prescribing_team=prescribing_team,
        medicine=medicine[:100],
        dose=dose,
        dose_unit=dose_unit,
        days_of_week=days,
        start=start,
        end=end,
        created_by=by,
    )
    audit_record(actor=by, action="supervised_consumption.start", target=schedule, service_user=service_user)
    today = _today()
    if schedule.is_due_on(today):
        transaction.on_commit(lambda: collections_generate(day=today, schedule_ids=[schedule.pk]))
    return schedule


def collections_generate(*, day: dt.date | None = None, schedule_ids=None) -> int:
    """Write the day's expected collections. Idempotent: the unique (schedule, day) adds none twice.

    Returns the number of schedules due (not the number newly written)."""
    day = day or _today()
    schedules = SupervisedConsumption.objects.filter(start__lte=day, stopped_at__isnull=True).exclude(
        end__lt=day
    )
    if schedule_ids is not None:
        schedules = schedules.filter(pk__in=list(schedule_ids))
    due = [s for s in schedules if s.is_due_on(day)]
    starts_at = timezone.make_aware(dt.datetime.combine(day, COLLECTION_TIME))
    Contact.objects.bulk_create(
        [
            Contact(
                service_user_id=s.service_user_id,
                kind=Kind.COLLECTION,
                team_id=s.pharmacy_team_id,
                starts_at=starts_at,
                due_on=day,
                schedule=s,
            )
            for s in due
        ],
        ignore_conflicts=True,
    )
    return len(due)


# ---------------------------------------------------------------------------
# Recording what happened


@transaction.atomic
def contact_record(*, contact: Contact, by: User, outcome: str, note: str = "") -> tuple[Contact, bool]:
    """Record attended, missed or cancelled. Returns (contact, changed).

    The same outcome again changes nothing; a different one is a correction, kept as history.
    A missed contact raises its alerts in this transaction."""
    if outcome not in Outcome.values:
        raise ApplicationError("Choose attended, missed or cancelled.", field="outcome")
    if not access.can_record_contact(by, contact):
        raise access.Refused("Only the team this contact is with can record it.")
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.outcome == outcome:
        return locked, False
    not_yet = (
        locked.due_on > _today()
        if locked.kind == Kind.COLLECTION
        else locked.starts_at > timezone.now() + dt.timedelta(hours=1)
    )
    if not_yet and outcome in (Outcome.ATTENDED, Outcome.MISSED):
        raise StateConflict("This has not happened yet: you can only cancel it.", field="outcome")
    now = timezone.now()
    previous = locked.outcome
    locked.outcome = outcome
    locked.outcome_recorded_at = now
    locked.outcome_recorded_by = by
    locked.save(update_fields=["outcome", "outcome_recorded_at", "outcome_recorded_by", "updated_at"])
    ContactOutcomeEvent.objects.create(
        contact=locked,
        outcome=outcome,
        previous_outcome=previous,
        at=now,
        by=by,
        note=(note or "").strip()[:300],
    )
    audit_record(
        actor=by,
        action="contact.correct" if previous else "contact.record",
        target=locked,
        service_user=locked.service_user,
        detail={"from": previous, "to": outcome},
    )
    if locked.kind == Kind.COLLECTION and locked.not_recorded_checked_at is not None:
        _close_not_recorded_alerts(locked, by)
    if outcome == Outcome.MISSED:
        if locked.kind == Kind.COLLECTION:
            run = _alert_missed_collection(locked, by)
            # A run of misses prompts a review of the overdose flag, once per run (issue 19): the
            # run the urgent alert just read, not read again.
            from dualcare.safety.services import overdose_review_prompt

            overdose_review_prompt(contact=locked, run=run)
        else:
            _alert_missed_appointment(locked, by)
    return locked, True


def collection_recipients_by_team(contact: Contact) -> dict:
    """Who hears of a missed (or unrecorded) collection, by the team on whose behalf they are told:
    {team id: {user ids}}, teams in the order they are told in (see _team_events).

    In each organisation involved with the person that holds their contacts consent, the key
    workers and the link workers of its involved teams; and, always, the prescribing team's
    clinical staff. The prescribing team is told even without a contacts consent: the
    prescription and the supervision are its own treatment, and a missed dose changes what it
    may safely prescribe next (DESIGN.md rule 2 governs what crosses to *other* organisations;
    the prescriber is not another organisation here but the owner of the treatment).
    collections_recipients_by_team answers the same for a batch."""
    schedule = contact.schedule
    told_orgs = access.organisations_consented(contact.service_user_id, Scope.CONTACTS) | {
        schedule.prescribing_team.organisation_id
    }
    involvements = list(
        Involvement.objects.filter(service_user_id=contact.service_user_id, end__isnull=True)
        .order_by("-start", "pk")
        .values_list("team_id", "team__organisation_id", "key_worker_id")
    )
    told_teams = {team_id for team_id, org_id, _ in involvements if org_id in told_orgs}
    by_team: dict = {}
    # The prescriber first, so someone in two teams is told on the prescription's behalf.
    for team_id, user_id in access.roles_in_force(
        team_id=schedule.prescribing_team_id, role__in=list(access.CLINICAL_ROLES)
    ).values_list("team_id", "user_id"):
        by_team.setdefault(team_id, set()).add(user_id)
    for team_id, _, key_worker_id in involvements:
        if team_id in told_teams and key_worker_id:
            by_team.setdefault(team_id, set()).add(key_worker_id)
    for team_id, user_id in (
        access.roles_in_force(team_id__in=told_teams, role=StaffRole.Role.LINK_WORKER)
        .order_by("pk")
        .values_list("team_id", "user_id")
    ):
        by_team.setdefault(team_id, set()).add(user_id)
    return by_team


def collections_recipients_by_team(contacts: list[Contact]) -> dict:
    """collection_recipients_by_team for a batch of collections, in four queries whatever its size
    (consents, involvements, the prescribers' roles, the link workers' roles):
    {contact id: {team id: {user ids}}}, each the same answer, teams in the same order.
    The contacts come with schedule__prescribing_team."""
    people = {contact.service_user_id for contact in contacts}
    consented = access.organisations_consented_many(people, Scope.CONTACTS)
    involvements: dict = {}
    for service_user_id, team_id, org_id, key_worker_id in (
        Involvement.objects.filter(service_user_id__in=people, end__isnull=True)
        .order_by("-start", "pk")
        .values_list("service_user_id", "team_id", "team__organisation_id", "key_worker_id")
    ):
        involvements.setdefault(service_user_id, []).append((team_id, org_id, key_worker_id))
    told_teams = {}
    for contact in contacts:
        told_orgs = consented.get(contact.service_user_id, set()) | {
            contact.schedule.prescribing_team.organisation_id
        }
        told_teams[contact.pk] = {
            team_id
            for team_id, org_id, _ in involvements.get(contact.service_user_id, [])
            if org_id in told_orgs
        }
    prescribers: dict = {}
    for team_id, user_id in access.roles_in_force(
        team_id__in={contact.schedule.prescribing_team_id for contact in contacts},
        role__in=list(access.CLINICAL_ROLES),
    ).values_list("team_id", "user_id"):
        prescribers.setdefault(team_id, set()).add(user_id)
    link_workers = list(
        access.roles_in_force(team_id__in=set().union(*told_teams.values()), role=StaffRole.Role.LINK_WORKER)
        .order_by("pk")
        .values_list("team_id", "user_id")
    )
    answer = {}
    for contact in contacts:
        prescribing_team_id = contact.schedule.prescribing_team_id
        teams = told_teams[contact.pk]
        by_team: dict = {}
        if prescribers.get(prescribing_team_id):
            by_team[prescribing_team_id] = set(prescribers[prescribing_team_id])
        for team_id, _, key_worker_id in involvements.get(contact.service_user_id, []):
            if team_id in teams and key_worker_id:
                by_team.setdefault(team_id, set()).add(key_worker_id)
        for team_id, user_id in link_workers:
            if team_id in teams:
                by_team.setdefault(team_id, set()).add(user_id)
        answer[contact.pk] = by_team
    return answer


def _active_users(by_teams: Iterable[dict]) -> dict:
    """{user id: user} of the active logins among every team's recipients, in one query."""
    wanted = {pk for by_team in by_teams for user_ids in by_team.values() for pk in user_ids}
    return {user.pk: user for user in User.objects.filter(pk__in=wanted, is_active=True)} if wanted else {}


def _team_events(
    by_team: dict, users: dict, *, exclude=(), urls: dict | None = None, **message
) -> list[dict]:
    """One notify() event per team, each recipient once (under the first team that names them):
    the alert's team is the one on whose behalf they are told (escalation and the team measures).
    `urls` may give a team its own link (the pharmacy's is its page, not the record)."""
    told = set(exclude)
    events = []
    for team_id, user_ids in by_team.items():
        recipients = [users[pk] for pk in user_ids if pk in users and pk not in told]
        if not recipients:
            continue
        told |= {user.pk for user in recipients}
        own_url = {"url": urls[team_id]} if urls and team_id in urls else {}
        events.append({**message, **own_url, "recipients": recipients, "team": Team(pk=team_id)})
    return events


def _notify_by_team(by_team: dict, *, exclude=(), urls: dict | None = None, **message) -> None:
    """The teams' events (see _team_events) in one notify_many: one INSERT, one hand-over."""
    notify_many(_team_events(by_team, _active_users([by_team]), exclude=exclude, urls=urls, **message))


def _alert_missed_collection(contact: Contact, by: User) -> list[Contact]:
    """Tell the teams of a missed collection, and the prescriber urgently after a run of misses.
    Returns the run of misses it ends (latest first)."""
    contact = Contact.objects.select_related("schedule__prescribing_team__organisation", "team").get(
        pk=contact.pk
    )
    schedule = contact.schedule
    day = f"{contact.due_on:%A %-d %B}"
    _notify_by_team(
        collection_recipients_by_team(contact),
        exclude={by.pk},
        event_key=f"contacts:missed_collection:{contact.pk}",
        kind="contacts.missed_collection",
        subject=f"Missed supervised-consumption collection on {day}",
        body=(
            f"{contact.team.name} recorded a missed {schedule.medicine} collection on {day}. "
            "Open the record to see who."
        ),
        url=person_url(contact.service_user_id),
        related=contact,
    )
    rules = rules_for([schedule.prescribing_team.organisation_id])[schedule.prescribing_team.organisation_id]
    run = missed_collection_run(schedule, upto=contact.due_on)
    if len(run) >= rules.urgent_after_missed_collections:
        team = schedule.prescribing_team
        notify(
            # Keyed by the run's first miss: one urgent alert per run of misses, however long.
            event_key=f"contacts:missed_collections_run:{run[-1].pk}",
            recipients=[user for user in _team_clinical_staff(team) if user.pk != by.pk]
            or team_managers(team.pk),
            kind="contacts.missed_collections_run",
            subject=f"Urgent: {len(run)} supervised-consumption collections missed in a row",
            body=(
                f"{len(run)} {schedule.medicine} collections in a row have been missed, the last on {day}. "
                "Review the prescription before the next dose."
            ),
            url=person_url(contact.service_user_id),
            related=contact,
            priority=Notification.Priority.URGENT,
            team=team,
            escalate_after=rules.escalate_urgent_after,
        )
    return run


def missed_collection_run(schedule: SupervisedConsumption, *, upto: dt.date) -> list[Contact]:
    """The unbroken run of missed collections ending on `upto`, latest first (cancelled ones and
    ones not yet recorded are skipped, an attended one ends the run)."""
    run = []
    recorded = (
        Contact.objects.filter(
            schedule=schedule, due_on__lte=upto, outcome__in=[Outcome.ATTENDED, Outcome.MISSED]
        )
        .order_by("-due_on")
        .only("pk", "outcome", "due_on")
    )
    for contact in recorded[:50]:
        if contact.outcome != Outcome.MISSED:
            break
        run.append(contact)
    return run


def _team_clinical_staff(team: Team) -> list[User]:
    return list(
        User.objects.filter(
            pk__in=access.roles_in_force(team=team, role__in=list(access.CLINICAL_ROLES)).values("user_id"),
            is_active=True,
        )
    )


def _alert_missed_appointment(contact: Contact, by: User) -> None:
    contact = Contact.objects.select_related("team").get(pk=contact.pk)
    key_worker_id = (
        Involvement.objects.filter(
            service_user_id=contact.service_user_id, team_id=contact.team_id, end__isnull=True
        )
        .values_list("key_worker_id", flat=True)
        .first()
    ) or contact.staff_id
    key_worker = User.objects.filter(pk=key_worker_id, is_active=True).first() if key_worker_id else None
    when = f"{timezone.localtime(contact.starts_at):%A %-d %B at %H:%M}"
    url = person_url(contact.service_user_id)
    if key_worker is not None:
        notify(
            event_key=f"contacts:missed_appointment:{contact.pk}",
            recipients=[key_worker],
            kind="contacts.missed_appointment",
            subject=f"Missed appointment: {contact.get_kind_display().lower()} on {when}",
            body=f"A {contact.get_kind_display().lower()} with {contact.team.name} on {when} was missed.",
            url=url,
            related=contact,
            team=contact.team,
        )
    previous = (
        Contact.objects.filter(
            service_user_id=contact.service_user_id,
            team_id=contact.team_id,
            kind__in=APPOINTMENT_KINDS,
            starts_at__lt=contact.starts_at,
            outcome__in=[Outcome.ATTENDED, Outcome.MISSED],
        )
        .order_by("-starts_at")
        .values_list("outcome", flat=True)
        .first()
    )
    if previous == Outcome.MISSED:
        managers = list(team_managers(contact.team_id))
        notify(
            event_key=f"contacts:missed_appointments_twice:{contact.pk}",
            recipients=managers + ([key_worker] if key_worker is not None else []),
            kind="contacts.missed_appointments_twice",
            subject=f"Two missed appointments in a row with {contact.team.name}",
            body=f"The appointment on {when} was the second in a row to be missed.",
            url=url,
            related=contact,
            team=contact.team,
        )


# ---------------------------------------------------------------------------
# Scans run by beat


def time_without_contact(since: dt.date, today: dt.date) -> str:
    """How long since `since`, in the words a person would say: days up to 8 weeks, then weeks up
    to 6 months, then months up to 2 years, then years ("for 10 weeks", "for over 3 years")."""
    days = (today - since).days
    months = (today.year - since.year) * 12 + today.month - since.month - (today.day < since.day)
    if days < 56:
        number, unit, exact = days, "day", True
    elif months < 6:
        number, unit, exact = days // 7, "week", days % 7 == 0
    elif months < 24:
        number, unit, exact = months, "month", today.day == since.day
    else:
        number, unit, exact = months // 12, "year", months % 12 == 0 and today.day == since.day
    return f"for {'' if exact else 'over '}{number} {unit}{'' if number == 1 else 's'}"


def disengagement_scan(*, now: dt.datetime | None = None) -> int:
    """Alert every involved key worker when a person has had no attended contact with any agency
    for their organisation's number of days. One alert per key worker per spell without contact:
    the event key holds the day the spell began. Returns alerts newly raised."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    involvements = list(
        Involvement.objects.filter(end__isnull=True, key_worker__isnull=False, start__lte=today).values_list(
            "service_user_id", "team_id", "team__organisation_id", "key_worker_id", "start"
        )
    )
    if not involvements:
        return 0
    rules = rules_for({org_id for _, _, org_id, _, _ in involvements})
    shortest = min(rule.disengaged_after_days for rule in rules.values())
    candidates = {su_id for su_id, *_ in involvements}
    last_attended = dict(
        Contact.objects.filter(service_user_id__in=candidates, outcome=Outcome.ATTENDED)
        .values("service_user_id")
        .annotate(last=Max("starts_at"))
        .values_list("service_user_id", "last")
    )
    first_involved = {}
    for su_id, _, _, _, start in involvements:
        first_involved[su_id] = min(start, first_involved.get(su_id, start))
    key_workers = User.objects.filter(is_active=True).in_bulk(
        {key_worker for *_, key_worker, _ in involvements}
    )
    events = []
    for su_id, team_id, org_id, key_worker_id, _ in involvements:
        since = timezone.localdate(last_attended[su_id]) if su_id in last_attended else first_involved[su_id]
        days = (today - since).days
        if days < shortest or days < rules[org_id].disengaged_after_days:
            continue
        events.append(
            {
                "event_key": f"contacts:disengaged:{su_id}:{since.isoformat()}",
                "recipients": [key_workers[key_worker_id]] if key_worker_id in key_workers else [],
                "kind": "contacts.disengaged",
                "subject": f"No attended contact with any service {time_without_contact(since, today)}",
                "body": (
                    "Nobody involved in this person's care has recorded an attended contact since "
                    f"{since:%-d %B %Y}. "
                    "See the disengaged list."
                ),
                "url": person_url(su_id),
                "service_user": su_id,
                "team": Team(pk=team_id),
                "channels": (Notification.Channel.IN_APP,),
            }
        )
    raised = 0
    # A batch of alerts per transaction: one INSERT (ON CONFLICT DO NOTHING on the event key, so
    # two scans at once alert once) and one hand-over each. In event-key order, so two scans
    # inserting the same keys wait for each other rather than deadlock.
    events.sort(key=lambda event: event["event_key"])
    for start in range(0, len(events), DISENGAGED_BATCH):
        with transaction.atomic():
            written = notify_many(events[start : start + DISENGAGED_BATCH])
        raised += sum(1 for rows in written for row in rows if row.state == Notification.State.PENDING)
    return raised


DISENGAGED_BATCH = 500


# A collection older than this when first scanned (e.g. when the rule is switched on, or beat
# was down for long) is marked as looked at without an alert: news that late helps nobody.
NOT_RECORDED_LOOKBACK_DAYS = 7


def not_recorded_due_at(due_on: dt.date, rules: Rules) -> dt.datetime:
    """When a collection due on `due_on` counts as not recorded: the given hour (local time) of
    the next morning."""
    return timezone.make_aware(
        dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time(rules.not_recorded_alert_hour))
    )


# Collections alerted per transaction by the not-recorded scan: one claim, one recipients look-up,
# one INSERT of outbox rows and one hand-over for each batch.
NOT_RECORDED_BATCH = 100


def collections_not_recorded_scan(
    *, now: dt.datetime | None = None, limit: int = 500, batch: int = NOT_RECORDED_BATCH
) -> int:
    """Alert once for each supervised-consumption collection still unrecorded after its day.

    Told: the pharmacy's pharmacists (to record it) and whoever would hear of a miss (the same
    consent gating as a missed collection). The time is the pharmacy organisation's
    not_recorded_alert_hour on the morning after. Collections are handled `batch` at a time, each
    batch claimed (a locking read that skips rows another transaction holds, then a conditional
    UPDATE of not_recorded_checked_at) in the same transaction as its outbox rows, and the event
    key backs it, so two beats at once alert once. Returns alerts raised (collections)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    oldest = today - dt.timedelta(days=NOT_RECORDED_LOOKBACK_DAYS)
    waiting = Contact.objects.filter(kind=Kind.COLLECTION, outcome="", not_recorded_checked_at__isnull=True)
    waiting.filter(due_on__lt=oldest).update(not_recorded_checked_at=now)
    due = list(
        waiting.filter(due_on__gte=oldest, due_on__lt=today)
        .select_related("team", "schedule__prescribing_team")
        .order_by("due_on")[:limit]
    )
    rules = rules_for({contact.team.organisation_id for contact in due})
    due = [
        contact
        for contact in due
        if now >= not_recorded_due_at(contact.due_on, rules[contact.team.organisation_id])
    ]
    return sum(
        _alert_not_recorded_batch(due[start : start + batch], now=now) for start in range(0, len(due), batch)
    )


@transaction.atomic
def _alert_not_recorded_batch(contacts: list[Contact], *, now: dt.datetime) -> int:
    """Claim the batch's collections still unrecorded and unclaimed, and alert each: returns how
    many. A collection being recorded (or claimed by another scan) right now is skipped; if it is
    still unrecorded, the next scan has it."""
    claimable = Contact.objects.filter(
        pk__in=[contact.pk for contact in contacts], outcome="", not_recorded_checked_at__isnull=True
    )
    claimed = set(claimable.select_for_update(skip_locked=True).order_by().values_list("pk", flat=True))
    if not claimed or not Contact.objects.filter(pk__in=claimed).update(not_recorded_checked_at=now):
        return 0
    contacts = [contact for contact in contacts if contact.pk in claimed]
    pharmacists: dict = {}
    for team_id, user_id in access.roles_in_force(
        team_id__in={contact.team_id for contact in contacts}, role=StaffRole.Role.PHARMACIST
    ).values_list("team_id", "user_id"):
        pharmacists.setdefault(team_id, set()).add(user_id)
    recipients = collections_recipients_by_team(contacts)
    by_teams = {}
    for contact in contacts:
        # The pharmacy first: its pharmacists are told on its behalf, with a link to its page.
        by_team = {contact.team_id: set(pharmacists.get(contact.team_id, ()))}
        for team_id, user_ids in recipients[contact.pk].items():
            by_team.setdefault(team_id, set()).update(user_ids)
        by_teams[contact.pk] = by_team
    users = _active_users(by_teams.values())
    events = []
    for contact in contacts:
        events += _team_events(
            by_teams[contact.pk],
            users,
            urls={contact.team_id: "/contacts/pharmacy/#not-recorded"},
            **_not_recorded_message(contact),
        )
    notify_many(events, return_rows=False)
    return len(contacts)


def _not_recorded_message(contact: Contact) -> dict:
    day = f"{contact.due_on:%A %-d %B}"
    return {
        "event_key": f"contacts:collection_not_recorded:{contact.pk}",
        "kind": "contacts.collection_not_recorded",
        "subject": f"Not recorded: a supervised-consumption collection on {day}",
        "body": (
            f"{contact.team.name} has not recorded whether a {contact.schedule.medicine} collection due on "
            f"{day} was collected or missed. This does not mean it was missed: the pharmacy is asked to "
            "record it."
        ),
        "url": person_url(contact.service_user_id),
        "related": contact,
    }


def _close_not_recorded_alerts(contact: Contact, by: User) -> int:
    """A late recording answers the "not recorded" alert: its open rows are acknowledged for
    everyone told, by the person who recorded it, with what was recorded (the alert asked for
    exactly this, so leaving it open would only be noise). Time-to-acknowledge measures count
    only alerts acknowledged by their own recipient, so these do not flatter them."""
    now = timezone.now()
    what = "collected" if contact.outcome == Outcome.ATTENDED else contact.get_outcome_display().lower()
    return Notification.objects.filter(
        event_key=f"contacts:collection_not_recorded:{contact.pk}",
        channel=Notification.Channel.IN_APP,
        acknowledged_at__isnull=True,
    ).update(
        acknowledged_at=now,
        acknowledged_by=by,
        acknowledgement_note=f"Recorded later as {what}.",
    )


# Appointments reminded per transaction: one claim, one read of the people, one INSERT of in-app
# rows and one of text and email rows, and one hand-over for each batch.
REMINDER_BATCH = 100


def reminders_send(*, now: dt.datetime | None = None, limit: int = 500, batch: int = REMINDER_BATCH) -> int:
    """Remind people of appointments and collections coming up, by the way they like to be contacted.

    Appointments are handled `batch` at a time, each batch claimed (a locking read that skips rows
    another scan holds, then a conditional UPDATE of reminder_claimed_at) in the same transaction
    as its outbox rows, whose event keys back the claim: each appointment is reminded once, however
    many scans run at once. Tomorrow's collections are claimed by their ReminderReply rows
    (collection_reminders_send). Returns reminders claimed."""
    now = now or timezone.now()
    widest = dt.timedelta(
        hours=max(
            [
                default_rules().reminder_hours_before,
                *ContactRules.objects.values_list("reminder_hours_before", flat=True),
            ]
        )
    )
    due = list(
        Contact.objects.filter(
            kind__in=APPOINTMENT_KINDS,
            outcome="",
            reminder_claimed_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + widest,
        )
        .select_related("team")
        .order_by("starts_at")[:limit]
    )
    rules = rules_for({contact.team.organisation_id for contact in due})
    due = [
        contact
        for contact in due
        if contact.starts_at
        <= now + dt.timedelta(hours=rules[contact.team.organisation_id].reminder_hours_before)
    ]
    appointments = sum(
        _remind_batch(due[start : start + batch], now=now) for start in range(0, len(due), batch)
    )
    return appointments + collection_reminders_send(now=now, limit=limit, batch=batch)


def _new_token() -> str:
    # 128 random bits: the reply link's only part, nothing about the person or the contact.
    return secrets.token_urlsafe(16)


@transaction.atomic
def _remind_batch(contacts: list[Contact], *, now: dt.datetime) -> int:
    """Claim the batch's appointments not yet claimed, and remind each person: returns how many.
    One held by another scan right now is skipped (that scan reminds it)."""
    claimable = Contact.objects.filter(
        pk__in=[contact.pk for contact in contacts], reminder_claimed_at__isnull=True
    )
    claimed = set(claimable.select_for_update(skip_locked=True).order_by().values_list("pk", flat=True))
    if not claimed:
        return 0
    if claimable.filter(pk__in=claimed).update(reminder_claimed_at=now) != len(claimed):
        # Only a database without row locks lets another scan claim some of them in between:
        # nothing of this batch is written, and the next scan has what is left.
        transaction.set_rollback(True)
        return 0
    contacts = [contact for contact in contacts if contact.pk in claimed]
    replies = [
        ReminderReply(
            token=_new_token(),
            service_user_id=contact.service_user_id,
            contact=contact,
            due_on=contact.due_on,
            starts_at=contact.starts_at,
        )
        for contact in contacts
    ]
    ReminderReply.objects.bulk_create(replies)
    _remind_people(
        [
            (contact, _reminder_message(contact), reply)
            for contact, reply in zip(contacts, replies, strict=True)
        ]
    )
    return len(contacts)


def _remind_people(reminders: list[tuple]) -> None:
    """Write the outbox rows of a batch of reminders, each (thing, message, reply): in DualCare for a
    person with a login, and by text or email as they prefer unless they must not be contacted that
    way (DoNotContact). Two queries for the people and their do-not-contact rows, two INSERTs."""
    person_ids = {thing.service_user_id for thing, _, _ in reminders}
    people = ServiceUser.objects.select_related("user").in_bulk(person_ids)
    blocked: dict = {}
    for person_id, channel in DoNotContact.objects.filter(
        service_user_id__in=person_ids, ended_at__isnull=True
    ).values_list("service_user_id", "channel"):
        blocked.setdefault(person_id, set()).add(channel)
    texts = notify_configured(Notification.Channel.SMS)
    in_app, addressed = [], []
    for thing, message, reply in reminders:
        person = people[thing.service_user_id]
        if person.user is not None and person.user.is_active:
            in_app.append(
                {
                    **message["in_app"],
                    "recipients": [person.user],
                    "url": "/contacts/mine/",
                    "channels": (Notification.Channel.IN_APP,),
                }
            )
        channel, address = _reminder_address(person, texts=texts, blocked=blocked.get(person.pk, set()))
        if address:
            addressed.append(
                {
                    **message["addressed"],
                    "channel": channel,
                    "to_address": address,
                    "url": reverse("contacts:cannot_come", args=[reply.token]),
                }
            )
    notify_many(in_app, return_rows=False)
    notify_addresses(addressed)


def _when(starts_at: dt.datetime) -> str:
    return f"{timezone.localtime(starts_at):%A %-d %B at %H:%M}"


def _reminder_message(contact: Contact) -> dict:
    """A reminder's words: in DualCare, the person's own appointment in plain language; by text or
    email (which someone else may read), the time and the place only: never the team, whose name
    can say what the care is for, nor the person's name (issue 20 item 9)."""
    when = _when(contact.starts_at)
    place = f", at {contact.place}" if contact.place else ""
    common = {"event_key": f"contacts:reminder:{contact.pk}", "kind": "contacts.reminder", "related": contact}
    return {
        "in_app": {
            **common,
            "subject": f"Reminder: your appointment on {when}",
            "body": (
                f"You have a {contact.get_kind_display().lower()} with {contact.team.name} on {when}{place}."
            ),
        },
        "addressed": {
            **common,
            "subject": f"Reminder: your appointment on {when}",
            "body": f"Reminder: you have an appointment on {when}{place}. {CANNOT_COME_WORDS}",
        },
    }


CANNOT_COME_WORDS = "If you cannot come, use the link to tell us."


def _collection_message(schedule: SupervisedConsumption, day: dt.date) -> dict:
    """A collection reminder's words: the day and the pharmacy (the place) only, beyond DualCare."""
    when = f"{day:%A %-d %B}"
    place = schedule.pharmacy_team.name
    common = {
        "event_key": f"contacts:reminder:collection:{schedule.pk}:{day.isoformat()}",
        "kind": "contacts.reminder",
        "related": schedule,
    }
    return {
        "in_app": {
            **common,
            "subject": f"Reminder: your collection on {when}",
            "body": f"Your supervised consumption at {place} is due on {when}.",
        },
        "addressed": {
            **common,
            "subject": f"Reminder: {when}",
            "body": f"Reminder: you are expected at {place} on {when}. {CANNOT_COME_WORDS}",
        },
    }


def collection_reminders_send(
    *, now: dt.datetime | None = None, limit: int = 500, batch: int = REMINDER_BATCH
) -> int:
    """Remind people of tomorrow's supervised-consumption collections, once each, from the pharmacy
    organisation's reminder_hours_before ahead of the collection time. Tomorrow's collection rows
    do not exist yet (collections_generate writes the day's on the day), so each reminder is
    claimed by its ReminderReply row, unique per schedule and day. Returns reminders claimed."""
    now = now or timezone.now()
    day = timezone.localdate(now) + dt.timedelta(days=1)
    starts_at = timezone.make_aware(dt.datetime.combine(day, COLLECTION_TIME))
    # Everything that decides "due" is in the query (the day of the week, each organisation's rule),
    # so the first `limit` rows are all due: none not yet due can hold back those behind them.
    default_due = starts_at <= now + dt.timedelta(hours=default_rules().reminder_hours_before)
    differ = [
        organisation_id
        for organisation_id, hours in ContactRules.objects.values_list(
            "organisation_id", "reminder_hours_before"
        )
        if (starts_at <= now + dt.timedelta(hours=hours)) != default_due
    ]
    schedules = (
        SupervisedConsumption.objects.filter(
            start__lte=day, stopped_at__isnull=True, days_of_week__contains=str(day.weekday())
        )
        .exclude(end__lt=day)
        .exclude(
            pk__in=ReminderReply.objects.filter(due_on=day, schedule__isnull=False).values("schedule_id")
        )
    )
    if default_due:
        schedules = schedules.exclude(pharmacy_team__organisation_id__in=differ)
    else:
        schedules = schedules.filter(pharmacy_team__organisation_id__in=differ)
    due = list(schedules.select_related("pharmacy_team").order_by("pk")[:limit])
    return sum(
        _remind_collections_batch(due[start : start + batch], day=day, starts_at=starts_at)
        for start in range(0, len(due), batch)
    )


@transaction.atomic
def _remind_collections_batch(
    schedules: list[SupervisedConsumption], *, day: dt.date, starts_at: dt.datetime
) -> int:
    """Claim the batch's collections by inserting their reply rows (a schedule another scan has
    claimed conflicts and is skipped: the rows read back with our tokens are ours)."""
    replies = {
        schedule.pk: ReminderReply(
            token=_new_token(),
            service_user_id=schedule.service_user_id,
            schedule=schedule,
            due_on=day,
            starts_at=starts_at,
        )
        for schedule in schedules
    }
    ReminderReply.objects.bulk_create(list(replies.values()), ignore_conflicts=True)
    ours = set(
        ReminderReply.objects.filter(token__in=[reply.token for reply in replies.values()]).values_list(
            "schedule_id", flat=True
        )
    )
    claimed = [schedule for schedule in schedules if schedule.pk in ours]
    _remind_people(
        [(schedule, _collection_message(schedule, day), replies[schedule.pk]) for schedule in claimed]
    )
    return len(claimed)


def _reminder_address(person: ServiceUser, *, texts: bool, blocked: set = frozenset()) -> tuple[str, str]:
    """(channel, address) of a reminder sent beyond DualCare, as the person prefers to be contacted:
    a text (when GOV.UK Notify is set up for texts) or an email; ("", "") when neither, or when the
    person must not be contacted that way (DoNotContact: texting or email is unsafe for them)."""
    Method = ServiceUser.ContactMethod
    if person.preferred_contact_method == Method.SMS and person.phone and texts:
        if Notification.Channel.SMS in blocked:
            return "", ""
        return Notification.Channel.SMS, person.phone
    if person.preferred_contact_method == Method.EMAIL:
        if Notification.Channel.EMAIL in blocked:
            return "", ""
        address = person.email or (person.user.email if person.user is not None else "")
        return Notification.Channel.EMAIL, address
    return "", ""


# ---------------------------------------------------------------------------
# "I can't come" (the reminder's reply link) and do-not-contact


def reminder_reply_of(token: str) -> ReminderReply | None:
    """The reply link's row, or None: the token is the only key (no login: the person holds the link)."""
    if not token or len(token) > 64:
        return None
    return (
        ReminderReply.objects.select_related("service_user", "contact", "schedule__pharmacy_team")
        .filter(token=token)
        .first()
    )


@transaction.atomic
def reminder_reply_cannot_come(*, token: str, now: dt.datetime | None = None) -> tuple[ReminderReply, bool]:
    """The person says they cannot come, through their reminder's link: once (a second press changes
    nothing), before the time. The contact is marked and its team told, as an alert that asks them to
    act (rearrange, check in). Returns (reply, told now)."""
    now = now or timezone.now()
    reply = ReminderReply.objects.select_for_update().filter(token=token).first() if token else None
    if reply is None:
        raise ApplicationError("This link does not work.")
    if reply.answered_at is not None:
        return reply, False
    if reply.starts_at <= now:
        raise ApplicationError("This link has run out: the time has passed. Please phone your team.")
    if reply.contact_id is None:
        # A collection reminded the day before: its row is written now if the day's run has not yet.
        collections_generate(day=reply.due_on, schedule_ids=[reply.schedule_id])
        reply.contact = Contact.objects.get(schedule_id=reply.schedule_id, due_on=reply.due_on)
    reply.answered_at = now
    reply.save(update_fields=["answered_at", "contact"])
    contact = Contact.objects.select_related("team", "schedule__prescribing_team__organisation").get(
        pk=reply.contact_id
    )
    Contact.objects.filter(pk=contact.pk).update(person_cannot_come_at=now)
    audit_record(actor=None, action="contact.cannot_come", target=contact, service_user=contact.service_user)
    if contact.is_collection:
        by_team = collection_recipients_by_team(contact)
        pharmacists = access.roles_in_force(team=contact.team, role=StaffRole.Role.PHARMACIST).values_list(
            "user_id", flat=True
        )
        by_team = {contact.team_id: set(pharmacists), **by_team}
        what = f"collection on {contact.due_on:%A %-d %B}"
    else:
        by_team = {contact.team_id: {user.pk for user in _team_clinical_staff(contact.team)}}
        what = f"{contact.get_kind_display().lower()} on {_when(contact.starts_at)}"
    _notify_by_team(
        by_team,
        event_key=f"contacts:cannot_come:{contact.pk}",
        kind="contacts.cannot_come",
        subject=f"Cannot come: {what}",
        body=f"The person replied to their reminder that they cannot come to their {what}. {SEE_WHO}",
        url=person_url(contact.service_user_id),
        related=contact,
    )
    return reply, True


@transaction.atomic
def do_not_contact_set(
    *, service_user: ServiceUser, channel: str, by: User, reason: str = ""
) -> DoNotContact:
    """Stop reminders (and any message) to the person by text or by email: it is not safe for them."""
    if not access.can_set_do_not_contact(by, service_user):
        raise ApplicationError("Only staff involved in the person's care can change how they are contacted.")
    if channel not in DoNotContact.Channel.values:
        raise ApplicationError("Choose text message or email.", field="channel")
    existing = DoNotContact.objects.filter(
        service_user=service_user, channel=channel, ended_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    row = DoNotContact.objects.create(
        service_user=service_user, channel=channel, reason=reason.strip(), recorded_by=by
    )
    audit_record(
        actor=by,
        action="contact.do_not_contact",
        target=row,
        service_user=service_user,
        detail={"channel": channel},
    )
    return row


@transaction.atomic
def do_not_contact_end(*, service_user: ServiceUser, channel: str, by: User) -> DoNotContact | None:
    if not access.can_set_do_not_contact(by, service_user):
        raise ApplicationError("Only staff involved in the person's care can change how they are contacted.")
    row = (
        DoNotContact.objects.select_for_update()
        .filter(service_user=service_user, channel=channel, ended_at__isnull=True)
        .first()
    )
    if row is None:
        return None
    row.ended_at = timezone.now()
    row.ended_by = by
    row.save(update_fields=["ended_at", "ended_by", "updated_at"])
    audit_record(
        actor=by,
        action="contact.do_not_contact_end",
        target=row,
        service_user=service_user,
        detail={"channel": channel},
    )
    return row
