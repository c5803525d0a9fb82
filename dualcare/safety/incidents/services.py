"""Every write to incidents: report, add and complete review actions, record lessons, close; the
serious-incident alert and the beat's reminders of review actions due.

Each service runs in one transaction, checks that the writer may read the incident now
(access.incidents_visible_to), writes an audit row, and puts its outbox rows in the same
transaction, keyed by the event: a retry adds nothing. Alerts name nobody: only a link.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from dualcare import access, clock
from dualcare.audit.services import audit_record
from dualcare.exceptions import ApplicationError, StateConflict
from dualcare.notifications.services import notify
from dualcare.people.models import Organisation, ServiceUser, StaffRole, Team, User

from .models import MAX_TEXT, MAX_TITLE, SERIOUS, Harm, Incident, Kind, ReviewAction, State

SERIOUS_KIND = "incident.serious"
SERIOUS_TEAM_KIND = "incident.serious_team"
ACTION_DUE_KIND = "incident.action_due"
# How far back an incident may be reported (a complaint may come long after).
REPORT_WINDOW = dt.timedelta(days=3 * 366)


def incident_url(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def _clean_text(text: str, *, field: str, what: str, required: bool = True) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ApplicationError(f"Enter {what}.", field=field)
    if len(text) > MAX_TEXT:
        raise ApplicationError(f"Keep {what} under {MAX_TEXT:,} characters.", field=field)
    return text


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ApplicationError("Enter a short title.", field="title")
    if len(title) > MAX_TITLE:
        raise ApplicationError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    return title


def _clean_occurred_on(day: dt.date | None) -> dt.date:
    today = clock.today()
    if day is None:
        raise ApplicationError("Enter the date it happened.", field="occurred_on")
    if day > today:
        raise ApplicationError("The date it happened must be today or in the past.", field="occurred_on")
    if day < today - REPORT_WINDOW:
        raise ApplicationError("The date it happened must be within the last 3 years.", field="occurred_on")
    return day


def _ensure_can_read(user: User, incident: Incident) -> None:
    if not access.incidents_visible_to(user, Incident.objects.filter(pk=incident.pk)).exists():
        raise access.Hidden("No such incident.")


def _reporting_team(by: User, service_user: ServiceUser | None, team: Team | None) -> Team:
    if service_user is not None:
        return access.ensure_can_act_for(by, service_user)
    teams = access.teams_of(by, roles=access.INCIDENT_READ_ROLES)
    if team is None:
        team = teams.first()
        if team is None:
            raise access.Refused("Only staff of a team can report an incident.")
    elif not teams.filter(pk=team.pk).exists():
        raise ApplicationError("Choose one of your own teams.", field="team")
    return team


@transaction.atomic
def incident_report(
    *,
    by: User,
    kind: str,
    harm: str,
    title: str,
    occurred_on: dt.date | None,
    what_happened: str,
    immediate_actions: str = "",
    service_user: ServiceUser | None = None,
    team: Team | None = None,
) -> Incident:
    """Report an incident, near miss or complaint about a person (from the writer's team involved
    with them) or about one of the writer's teams only. A serious one (moderate harm or worse)
    alerts the managers of every organisation in it, once (incident_alert_serious)."""
    if kind not in Kind.values:
        raise ApplicationError("Choose whether it is an incident, a near miss or a complaint.", field="kind")
    if harm not in Harm.values:
        raise ApplicationError("Choose the level of harm, from no harm to fatal.", field="harm")
    if kind == Kind.NEAR_MISS and harm != Harm.NONE:
        raise ApplicationError(
            "A near miss caused no harm: choose no harm, or record it as an incident.", field="harm"
        )
    reporting_team = _reporting_team(by, service_user, team)
    incident = Incident.objects.create(
        service_user=service_user,
        kind=kind,
        harm=harm,
        title=_clean_title(title),
        occurred_on=_clean_occurred_on(occurred_on),
        what_happened=_clean_text(what_happened, field="what_happened", what="what happened"),
        immediate_actions=_clean_text(
            immediate_actions, field="immediate_actions", what="the immediate actions", required=False
        ),
        organisation=reporting_team.organisation,
        team=reporting_team,
        reported_by=by,
    )
    audit_record(
        actor=by,
        action="incident.report",
        target=incident,
        service_user=service_user,
        organisation=reporting_team.organisation,
        detail={"kind": kind, "harm": harm},
    )
    if incident.harm in SERIOUS:
        incident_alert_serious(incident=incident)
    return incident


def _managers_of(organisation_ids: set) -> list[User]:
    roles = access.roles_in_force(
        team__organisation_id__in=list(organisation_ids), role=StaffRole.Role.TEAM_MANAGER
    )
    return list(User.objects.filter(pk__in=roles.values("user_id"), is_active=True).order_by("pk"))


@transaction.atomic
def incident_alert_serious(*, incident: Incident) -> int:
    """Tell the managers of every organisation in a serious incident, once: the claim is a
    conditional UPDATE (serious_alerted_at still empty) in the transaction that writes the alerts,
    and the outbox's unique (event, recipient) backs it, so a retry, a second worker or a later
    call alerts nobody twice. Only managers who may read the incident are told. Returns how many."""
    claimed = Incident.objects.filter(pk=incident.pk, serious_alerted_at__isnull=True).update(
        serious_alerted_at=clock.now()
    )
    if not claimed:
        return 0
    organisations = access.incident_organisation_ids(
        service_user_id=incident.service_user_id, kind=incident.kind, reporter_id=incident.organisation_id
    )
    managers = [
        manager
        for manager in _managers_of(organisations)
        if access.incidents_visible_to(manager, Incident.objects.filter(pk=incident.pk)).exists()
    ]
    if not managers:
        return 0
    about_person = incident.service_user_id is not None
    rows = notify(
        event_key=f"incident.serious:{incident.pk}",
        recipients=managers,
        kind=SERIOUS_KIND if about_person else SERIOUS_TEAM_KIND,
        subject="A serious incident has been reported",
        body="An incident with moderate harm or worse has been reported by an organisation you work "
        "with. Open DualCare to read it and plan the joint review.",
        url=incident_url(incident),
        related=incident,
        service_user=incident.service_user_id,
        team=incident.team,
        priority="urgent",
    )
    return len({row.recipient_id for row in rows})


def _ensure_open(incident: Incident) -> None:
    if incident.state == State.CLOSED:
        raise StateConflict("This incident is closed.", field="incident")


@transaction.atomic
def incident_action_add(
    *,
    incident: Incident,
    by: User,
    text: str,
    owner_organisation: Organisation | None,
    due_date: dt.date | None,
    owner: User | None = None,
) -> ReviewAction:
    """An action of the joint review: owned by one of the organisations in the incident (and, if
    named, one of its staff), due on a date; the incident is then under joint review."""
    _ensure_can_read(by, incident)
    if not access.incidents_can_review(by):
        raise access.Refused("Only clinical staff can add review actions.")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    text = _clean_text(text, field="text", what="the action")
    in_it = access.incident_organisation_ids(
        service_user_id=incident.service_user_id, kind=incident.kind, reporter_id=incident.organisation_id
    )
    if owner_organisation is None or owner_organisation.pk not in in_it:
        raise ApplicationError(
            "Choose an organisation the incident is shared with to own the action.",
            field="owner_organisation",
        )
    if (
        owner is not None
        and not access.roles_in_force(user=owner, team__organisation=owner_organisation).exists()
    ):
        raise ApplicationError("Choose someone who works for the owning organisation.", field="owner")
    if due_date is None:
        raise ApplicationError("Enter the due date.", field="due_date")
    if due_date < clock.today():
        raise ApplicationError("The due date must be today or later.", field="due_date")
    if due_date > clock.today() + dt.timedelta(days=366):
        raise ApplicationError("The due date must be within a year.", field="due_date")
    action = ReviewAction.objects.create(
        incident=incident,
        text=text,
        owner_organisation=owner_organisation,
        owner=owner,
        due_date=due_date,
        added_by=by,
    )
    if incident.state == State.OPEN:
        incident.state = State.REVIEW
        incident.save(update_fields=["state", "updated_at"])
    audit_record(
        actor=by,
        action="incident.action_add",
        target=incident,
        service_user=incident.service_user,
        detail={"action": str(action.pk)},
    )
    return action


@transaction.atomic
def incident_action_complete(*, action: ReviewAction, by: User) -> ReviewAction:
    """Mark a review action done (by clinical staff who read the incident)."""
    _ensure_can_read(by, action.incident)
    if not access.incidents_can_review(by):
        raise access.Refused("Only clinical staff can complete review actions.")
    done = ReviewAction.objects.filter(pk=action.pk, done_at__isnull=True).update(
        done_at=clock.now(), done_by=by
    )
    if not done:
        raise StateConflict("This action is already done.", field="action")
    action.refresh_from_db()
    audit_record(
        actor=by,
        action="incident.action_complete",
        target=action.incident,
        service_user=action.incident.service_user,
        detail={"action": str(action.pk)},
    )
    return action


@transaction.atomic
def incident_lessons_record(*, incident: Incident, by: User, lessons_learned: str) -> Incident:
    """The lessons learned from the joint review (a manager's), shared with the incident and, de-
    identified, in the Shared Care meeting pack."""
    _ensure_can_read(by, incident)
    if not access.incidents_can_close(by):
        raise access.Refused("Only a team manager can record the lessons learned.")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    incident.lessons_learned = _clean_text(
        lessons_learned, field="lessons_learned", what="the lessons learned"
    )
    if incident.state == State.OPEN:
        incident.state = State.REVIEW
    incident.save(update_fields=["lessons_learned", "state", "updated_at"])
    audit_record(actor=by, action="incident.lessons", target=incident, service_user=incident.service_user)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, by: User, summary: str) -> Incident:
    """Close the incident with a summary (a team manager who reads it). Open review actions must be
    done first: a closed incident has nothing left to remind anyone of."""
    _ensure_can_read(by, incident)
    if not access.incidents_can_close(by):
        raise access.Refused("Only a team manager can close an incident.")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _ensure_open(incident)
    summary = _clean_text(summary, field="closure_summary", what="a closing summary")
    open_actions = incident.actions.filter(done_at__isnull=True).count()
    if open_actions:
        raise ApplicationError(
            f"{open_actions} review action{'s are' if open_actions > 1 else ' is'} still open: "
            "complete them before closing.",
            field="closure_summary",
        )
    incident.state = State.CLOSED
    incident.closure_summary = summary
    incident.closed_at = clock.now()
    incident.closed_by = by
    incident.save(update_fields=["state", "closure_summary", "closed_at", "closed_by", "updated_at"])
    audit_record(actor=by, action="incident.close", target=incident, service_user=incident.service_user)
    return incident


def incidents_remind_actions_due(*, today: dt.date | None = None, limit: int = 500) -> int:
    """Remind each open review action due today or earlier, once: its named owner, else the
    managers of its owning organisation. The claim is a conditional UPDATE (reminded_at still
    empty) in the transaction that writes the reminder, whose event key backs it: two beats, or a
    retried task, remind once. Returns how many actions were reminded."""
    today = today or clock.today()
    due = list(
        ReviewAction.objects.filter(due_date__lte=today, done_at__isnull=True, reminded_at__isnull=True)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    reminded = 0
    for pk in due:
        with transaction.atomic():
            claimed = ReviewAction.objects.filter(
                pk=pk, reminded_at__isnull=True, done_at__isnull=True
            ).update(reminded_at=clock.now())
            if not claimed:
                continue
            action = ReviewAction.objects.select_related("incident", "owner").get(pk=pk)
            recipients = (
                [action.owner] if action.owner is not None else _managers_of({action.owner_organisation_id})
            )
            notify(
                event_key=f"incident.action_due:{action.pk}",
                recipients=recipients,
                kind=ACTION_DUE_KIND,
                subject="An incident review action is due",
                body=f"An action from an incident review is due ({action.due_date:%-d %B %Y}). "
                "Open DualCare to see it.",
                url=incident_url(action.incident),
                related=action.incident,
                service_user=action.incident.service_user_id,
            )
            reminded += 1
    return reminded
